/**
 * `align-bot test … --json` and `align-bot explain` as real child processes against the Jira simulator: the
 * documented JSON shape, the codes for a rejected token and the anonymous fallback, and the exit codes
 * (0 healthy, 1 a failed check, 2 usage or configuration error). No Redis is needed: REDIS_URL points nowhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraSim } from '../../../src/sandbox/jira-sim.js';
import { addHealthySite, writeConnectors } from '../../helpers/bot.js';
import { freePort, killAll, runBot } from '../../helpers/process.js';

/** DESIGN.md §6, copied here on purpose: the catalogue must match the design, not itself. */
const DESIGN_CODES = [
  'EGRESS_BLOCKED',
  'DNS_FAILURE',
  'TLS_FAILURE',
  'TIMEOUT',
  'CONNECTION_REFUSED',
  'JIRA_SITE_NOT_FOUND',
  'JIRA_SITE_RENAMED',
  'JIRA_AUTH_REJECTED',
  'JIRA_AUTH_ANONYMOUS_FALLBACK',
  'JIRA_SCOPED_TOKEN_WRONG_URL',
  'JIRA_CAPTCHA_REQUIRED',
  'JIRA_IP_NOT_ALLOWLISTED',
  'JIRA_NO_PRODUCT_ACCESS',
  'JIRA_NOT_ADMIN',
  'JIRA_MISSING_PROJECT_PERMISSION',
  'JIRA_PROJECT_NOT_VISIBLE',
  'JIRA_RATE_LIMITED',
  'JIRA_LOGIN_PAGE',
  'OAUTH_CONSUMER_KEY_UNKNOWN',
  'OAUTH_CONSUMER_KEY_INVALID',
  'OAUTH_SIGNATURE_INVALID',
  'OAUTH_TIMESTAMP_REFUSED',
  'OAUTH_TOKEN_REJECTED',
  'OAUTH_PUBLIC_KEY_MALFORMED',
  'OAUTH_PRIVATE_KEY_PASTED',
  'OAUTH_KEY_TOO_SMALL',
  'CLOCK_SKEW',
  'ALIGN_TOKEN_REJECTED',
  'ALIGN_IP_BLOCKED',
  'ALIGN_UNREACHABLE',
  'ALIGN_SERVICE_LIGHT_GRAY',
  'ALIGN_SYNC_ERRORS',
  'TOKEN_EXPIRING_SOON',
  'TOKEN_EXPIRED',
  'AUTH_CHANGE_NEEDS_DEACTIVATE',
  'MASTER_KEY_MISSING',
  'BOT_INTERNAL_FAILURE',
  // Issue 13: a maintenance window that ended without a confirmed Activate.
  'ALIGN_CONNECTOR_DEACTIVATED',
];

let jira: JiraSim;
let env: Record<string, string>;
const tokens: string[] = [];

beforeAll(async () => {
  jira = await new JiraSim().start();
  const secrets: Record<string, string> = {};
  const entries = [
    addHealthySite(jira, { name: 'acme', host: 'acme.atlassian.net' }, secrets),
    addHealthySite(
      jira,
      { name: 'globex', host: 'globex.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
      secrets,
    ),
    addHealthySite(
      jira,
      { name: 'initech', host: 'initech.atlassian.net', setup: (s) => (s.fault = 'anonymous-fallback') },
      secrets,
    ),
  ];
  tokens.push(...entries.map((e) => e.token));
  env = {
    ...secrets,
    // Nothing listens there: the CLI must not need Redis.
    REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    ALIGN_BOT_CONNECTORS_FILE: writeConnectors(entries.map((e) => e.entry)),
    ALIGN_BOT_RESOLVE: `*.atlassian.net=127.0.0.1,${jira.gatewayHost}=127.0.0.1`,
    ALIGN_BOT_ALLOWED_HOSTS: jira.allowedHosts().join(','),
    ALIGN_BOT_ATLASSIAN_API_URL: jira.gatewayUrl,
    LOG_LEVEL: 'silent',
  };
});

afterAll(async () => {
  await killAll();
  await jira?.stop();
});

const CHECK_KEYS = new Set(['id', 'status', 'code', 'title', 'detail', 'hint', 'ms']);

/** Exactly `{"ok","target","checks":[{"id","status","code"?,"title","detail"?,"hint"?,"ms"}],"durationMs"}`. */
function expectReportShape(stdout: string) {
  const lines = stdout.trimEnd().split('\n');
  expect(lines, 'one line of JSON and nothing else').toHaveLength(1);
  const report = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(Object.keys(report).sort()).toEqual(['checks', 'durationMs', 'ok', 'target']);
  expect(typeof report.ok).toBe('boolean');
  expect(typeof report.target).toBe('string');
  expect(Number.isInteger(report.durationMs) && (report.durationMs as number) >= 0).toBe(true);
  const checks = report.checks as Array<Record<string, unknown>>;
  expect(Array.isArray(checks) && checks.length > 0).toBe(true);
  for (const check of checks) {
    for (const key of Object.keys(check)) expect(CHECK_KEYS.has(key), `unexpected key ${key}`).toBe(true);
    expect(typeof check.id).toBe('string');
    expect(typeof check.title).toBe('string');
    expect(['pass', 'warn', 'fail', 'skip']).toContain(check.status);
    expect(Number.isInteger(check.ms) && (check.ms as number) >= 0).toBe(true);
    for (const key of ['code', 'detail', 'hint'] as const) {
      if (key in check) expect(typeof check[key]).toBe('string');
    }
    if (check.code !== undefined) expect(DESIGN_CODES).toContain(check.code);
    if (check.status === 'fail') {
      expect(check.code, `failed check ${String(check.id)} has a code`).toBeDefined();
      expect(check.hint, `failed check ${String(check.id)} has a hint`).toBeDefined();
    }
  }
  expect(report.ok).toBe(checks.every((c) => c.status !== 'fail'));
  return report as unknown as {
    ok: boolean;
    target: string;
    checks: Array<{ id: string; status: string; code?: string; hint?: string; detail?: string }>;
  };
}

function expectNoSecret(...outputs: string[]) {
  for (const token of tokens) for (const output of outputs) expect(output).not.toContain(token);
}

describe('align-bot test --json', () => {
  it('a healthy site: exit 0, every check passes', async () => {
    const { code, stdout, stderr } = await runBot(['test', 'acme', '--json'], env);
    expect(code, stderr).toBe(0);
    const report = expectReportShape(stdout);
    expect(report.ok).toBe(true);
    expect(report.target).toBe('acme');
    expect(report.checks.map((c) => c.status)).toEqual(report.checks.map(() => 'pass'));
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['egress', 'dns', 'reach', 'tenant', 'server', 'auth', 'admin', 'project']),
    );
    expectNoSecret(stdout, stderr);
  });

  it('a rejected token: exit 1, JIRA_AUTH_REJECTED on the credentials check', async () => {
    const { code, stdout, stderr } = await runBot(['test', 'globex', '--json'], env);
    expect(code, stderr).toBe(1);
    const report = expectReportShape(stdout);
    expect(report.ok).toBe(false);
    const auth = report.checks.find((c) => c.id === 'auth');
    expect(auth).toMatchObject({ status: 'fail', code: 'JIRA_AUTH_REJECTED' });
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.code)).toEqual([
      'JIRA_AUTH_REJECTED',
    ]);
    expectNoSecret(stdout, stderr);
  });

  it('the anonymous fallback: exit 1, JIRA_AUTH_ANONYMOUS_FALLBACK and no misleading JIRA_NOT_ADMIN', async () => {
    const { code, stdout, stderr } = await runBot(['test', 'initech', '--json'], env);
    expect(code, stderr).toBe(1);
    const report = expectReportShape(stdout);
    const codes = report.checks.filter((c) => c.code).map((c) => c.code);
    expect(codes).toContain('JIRA_AUTH_ANONYMOUS_FALLBACK');
    expect(codes).not.toContain('JIRA_NOT_ADMIN');
    expectNoSecret(stdout, stderr);
  });

  it('--jira without credentials: exit 0, credential checks skipped with a reason', async () => {
    const { code, stdout, stderr } = await runBot(
      ['test', '--jira', jira.siteUrl('acme.atlassian.net'), '--json'],
      env,
    );
    expect(code, stderr).toBe(0);
    const report = expectReportShape(stdout);
    const auth = report.checks.find((c) => c.id === 'auth');
    expect(auth?.status).toBe('skip');
    expect(auth?.detail).toMatch(/Needs credentials/);
  });

  it('--jira with --email, --token-env and --project: exit 0, all pass', async () => {
    const variable = Object.keys(env).find((k) => k.startsWith('T_ACME'))!;
    const { code, stdout, stderr } = await runBot(
      [
        'test',
        '--jira',
        jira.siteUrl('acme.atlassian.net'),
        '--email',
        'svc@acme.example',
        '--token-env',
        variable,
        '--project',
        'ALIGN',
        '--json',
      ],
      env,
    );
    expect(code, stderr).toBe(0);
    expect(expectReportShape(stdout).checks.every((c) => c.status === 'pass')).toBe(true);
  });

  it('without --json: a readable table with the same exit code', async () => {
    const { code, stdout } = await runBot(['test', 'globex'], env);
    expect(code).toBe(1);
    expect(stdout).toContain('JIRA_AUTH_REJECTED');
    expect(stdout).toMatch(/FAILED: /);
    expect(() => JSON.parse(stdout)).toThrow();
  });
});

describe('exit code 2', () => {
  const usageCases: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['test', 'acme', '--bogus', '--json'], /bogus/],
    ['no target', ['test', '--json'], /connector name or --jira/],
    ['a name and --jira', ['test', 'acme', '--jira', 'https://acme.atlassian.net'], /not both/],
    ['an unknown connector', ['test', 'nosuch', '--json'], /no connector "nosuch"/],
    ['a --jira that is not http(s)', ['test', '--jira', 'ftp://acme.atlassian.net'], /http\(s\)/],
    ['a bad --timeout-ms', ['test', 'acme', '--timeout-ms', 'soon'], /--timeout-ms/],
    ['an unset --token-env variable', ['test', 'acme', '--token-env', 'NOPE_NOT_SET'], /NOPE_NOT_SET/],
    ['an unknown command', ['frobnicate'], /Unknown command/],
  ];
  for (const [name, args, message] of usageCases) {
    it(`usage error: ${name}`, async () => {
      const { code, stdout, stderr } = await runBot(args, env);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stdout).toBe('');
    });
  }

  const configCases: Array<[string, Record<string, string>, RegExp]> = [
    ['REDIS_URL=ftp://x', { REDIS_URL: 'ftp://x' }, /REDIS_URL/],
    ['a bad ALIGN_BOT_RESOLVE', { ALIGN_BOT_RESOLVE: 'acme.atlassian.net' }, /ALIGN_BOT_RESOLVE/],
    [
      'a resolve entry that is no address',
      { ALIGN_BOT_RESOLVE: 'acme.atlassian.net=localhost' },
      /ALIGN_BOT_RESOLVE/,
    ],
    [
      'a missing connectors file',
      { ALIGN_BOT_CONNECTORS_FILE: '/nonexistent/connectors.yaml' },
      /ALIGN_BOT_CONNECTORS_FILE/,
    ],
    ['a bad LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ];
  for (const [name, extra, message] of configCases) {
    it(`configuration error: ${name}`, async () => {
      const { code, stdout, stderr } = await runBot(['test', 'acme', '--json'], { ...env, ...extra });
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stdout).toBe('');
    });
  }
});

describe('align-bot explain', () => {
  it('lists all 36 codes (DESIGN.md §6 and issue 13), one per line', async () => {
    const { code, stdout } = await runBot(['explain'], {});
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(DESIGN_CODES.length);
    expect(lines.map((l) => l.split(/\s+/)[0]).sort()).toEqual([...DESIGN_CODES].sort());
  });

  it('explains one code: title, side, cause, fix steps, source', async () => {
    const { code, stdout } = await runBot(['explain', 'jira_auth_anonymous_fallback'], {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/^JIRA_AUTH_ANONYMOUS_FALLBACK — /);
    expect(stdout).toMatch(/Side: (Jira|Jira Align|network|Align Bot)\n/);
    expect(stdout).toMatch(/Fix:\n {2}1\. /);
    expect(stdout).toMatch(/Source: \S+/);
    expect(stdout).not.toContain('JIRA_AUTH_REJECTED —');
  });

  it('an unknown code is a usage error', async () => {
    const { code, stderr } = await runBot(['explain', 'NOT_A_CODE'], {});
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown diagnosis code/);
  });
});
