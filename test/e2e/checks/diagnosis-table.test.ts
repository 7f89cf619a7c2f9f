/**
 * Issue 3, "Must be true": for every diagnosis code a remote answer can cause (Jira Cloud, Jira Data Center, the
 * Atlassian gateway, Jira's OAuth provider, Jira Align, DNS, TLS, the network, a redirect), one row drives the
 * simulators or a loopback socket into that fault and asserts that `align-bot test … --json` carries exactly that
 * code on the expected check, and no other code anywhere in the report unless the fault rightly causes it too. The
 * rows' codes plus the codes no remote answer causes (each with the reason) must be the whole catalogue. Every run's
 * output and every error a run throws go to the suite-wide leak check (test/helpers/leaks.ts); the errors the bot
 * throws outside a run are provoked in secret-leaks.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSIS_CODES, type DiagnosisCode } from '../../../src/core/diagnosis.js';
import { PROJECT_PERMISSIONS } from '../../../src/core/runbooks/checks/jira.js';
import { oauthState } from '../../../src/sandbox/oauth-provider.js';
import { writeConnectors } from '../../helpers/bot.js';
import { type CliRun, CliWorld } from '../../helpers/cli-world.js';
import { currentArtifact, findLeaks } from '../../helpers/leaks.js';
import { type FaultServers, startFaultServers } from '../../helpers/net-faults.js';
import { addOAuthSite } from '../../helpers/oauth-site.js';

const TLS_HOST = 'tbl-tls.atlassian.net';
const KEY = 'jira-align-table';

let w: CliWorld;
let net: FaultServers;

beforeAll(async () => {
  w = await CliWorld.start();
  net = await startFaultServers(TLS_HOST);
});

afterAll(async () => {
  await Promise.all([w?.stop(), net?.stop()]);
});

interface Row {
  code: DiagnosisCode;
  /** The check that carries the code. */
  check: string;
  status: 'fail' | 'warn';
  /** What the remote side does. */
  how: string;
  run: () => Promise<CliRun>;
  detail?: RegExp;
}

/** A Cloud site, switched into a fault by `setup`, tested with its service account's classic token. */
function cloud(name: string, setup: (s: ReturnType<CliWorld['cloudSite']>) => void = () => undefined) {
  const s = w.cloudSite(name);
  setup(s);
  return w.run(s.args);
}

/** A Jira Align instance in a fault, next to a healthy Cloud site tested without credentials. */
function align(name: string, setup: (a: ReturnType<CliWorld['alignInstance']>) => string[]) {
  const jira = w.cloudSite(`${name}-jira`);
  const a = w.alignInstance(name);
  return w.run(['--jira', jira.url, '--align', a.url, ...setup(a)]);
}

function oauthProbe(host: string, consumerKey: string | undefined) {
  return addOAuthSite(w.jira, `${host}.atlassian.net`, consumerKey);
}

const ROWS: Row[] = [
  {
    code: 'EGRESS_BLOCKED',
    check: 'reach',
    status: 'fail',
    how: 'Jira redirects to the cloud metadata address, refused even with that address allowed and private egress on',
    run: () => {
      const s = w.cloudSite('tbl-meta');
      Object.assign(s.site, { fault: 'renamed', renamedTo: 'http://169.254.169.254' });
      return w.run(s.args, {
        ALIGN_BOT_ALLOWED_HOSTS: '169.254.169.254:80',
        ALIGN_BOT_ALLOW_PRIVATE_EGRESS: 'true',
      });
    },
    detail: /169\.254\.169\.254, a cloud metadata address/,
  },
  {
    code: 'DNS_FAILURE',
    check: 'dns',
    status: 'fail',
    how: 'DNS has no address for the host (a name under .invalid)',
    run: () => w.run(['--jira', 'https://jira.tbl.invalid'], { ALIGN_BOT_ALLOWED_HOSTS: '*.invalid' }),
  },
  {
    code: 'TLS_FAILURE',
    check: 'reach',
    status: 'fail',
    how: 'the server presents a self-signed certificate',
    run: () =>
      w.run(['--jira', `https://${TLS_HOST}:${net.httpsPort}`], {
        ALIGN_BOT_ALLOWED_HOSTS: net.allowedHosts(),
      }),
  },
  {
    code: 'TIMEOUT',
    check: 'reach',
    status: 'fail',
    how: 'the server accepts the connection and never answers (--timeout-ms 400)',
    run: () =>
      w.run(['--jira', `http://tbl-silent.atlassian.net:${net.silentPort}`, '--timeout-ms', '400'], {
        ALIGN_BOT_ALLOWED_HOSTS: net.allowedHosts(),
      }),
  },
  {
    code: 'CONNECTION_REFUSED',
    check: 'reach',
    status: 'fail',
    how: 'nothing listens on the port',
    run: () =>
      w.run(['--jira', `http://tbl-closed.atlassian.net:${net.closedPort}`], {
        ALIGN_BOT_ALLOWED_HOSTS: net.allowedHosts(),
      }),
  },
  {
    code: 'JIRA_SITE_NOT_FOUND',
    check: 'tenant',
    status: 'fail',
    how: 'Atlassian answers "Page unavailable" (404) for the site',
    run: () => cloud('tbl-gone', (s) => (s.site.fault = 'not-found')),
  },
  {
    code: 'JIRA_SITE_RENAMED',
    check: 'tenant',
    status: 'warn',
    how: 'the site redirects (301) to its new name',
    run: () =>
      cloud('tbl-oldname', (s) => {
        // The same site under its new name: same accounts and projects.
        const host = 'tbl-newname.atlassian.net';
        const renamed = w.jira.addSite({ host, baseUrl: w.jira.siteUrl(host) });
        Object.assign(renamed, { accounts: s.site.accounts, projects: s.site.projects });
        Object.assign(s.site, { fault: 'renamed', renamedTo: w.jira.siteUrl(host) });
      }),
    detail: /redirects to http:\/\/tbl-newname\.atlassian\.net/,
  },
  {
    code: 'JIRA_AUTH_REJECTED',
    check: 'auth',
    status: 'fail',
    how: 'Jira answers 401 to the token',
    run: () => cloud('tbl-rejected', (s) => (s.site.fault = 'token-rejected')),
  },
  {
    code: 'JIRA_AUTH_ANONYMOUS_FALLBACK',
    check: 'admin',
    status: 'fail',
    how: 'Jira ignores the credentials on mypermissions and answers as anonymous (X-Seraph-LoginReason: AUTHENTICATED_FAILED)',
    run: () => cloud('tbl-anon', (s) => (s.site.fault = 'anonymous-fallback')),
  },
  {
    code: 'JIRA_SCOPED_TOKEN_WRONG_URL',
    check: 'auth',
    status: 'fail',
    how: 'a scoped token: 401 on the site URL, 200 through the Atlassian gateway',
    run: () => cloud('tbl-scoped', (s) => (s.account.scoped = true)),
    detail: /works on http:\/\/api\.atlassian\.com:\d+\/ex\/jira\//,
  },
  {
    code: 'JIRA_CAPTCHA_REQUIRED',
    check: 'auth',
    status: 'fail',
    how: 'Jira Data Center demands a CAPTCHA after failed logins (X-Authentication-Denied-Reason)',
    run: () => {
      const dc = w.dcSite('tbl-captcha');
      dc.site.fault = 'captcha';
      return w.run(['--jira', dc.url, '--dc', '--email', 'svc-align', '--token-env', dc.passwordEnv]);
    },
  },
  {
    code: 'JIRA_IP_NOT_ALLOWLISTED',
    check: 'server',
    status: 'fail',
    how: 'Jira refuses the caller’s IP address (403, "not on the allowed list")',
    run: () => cloud('tbl-ip', (s) => (s.site.fault = 'ip-blocked')),
  },
  {
    code: 'JIRA_NO_PRODUCT_ACCESS',
    check: 'product',
    status: 'fail',
    how: 'myself lists no application roles',
    run: () => cloud('tbl-noproduct', (s) => (s.account.applicationRoles = [])),
  },
  {
    code: 'JIRA_NOT_ADMIN',
    check: 'admin',
    status: 'warn',
    how: 'mypermissions says ADMINISTER is not granted',
    run: () => cloud('tbl-notadmin', (s) => (s.account.admin = false)),
  },
  {
    code: 'JIRA_MISSING_PROJECT_PERMISSION',
    check: 'project',
    status: 'fail',
    how: 'mypermissions for the project lacks Manage Sprints',
    run: () =>
      cloud('tbl-perms', (s) => {
        s.account.projectPermissions.ALIGN = PROJECT_PERMISSIONS.filter(
          (p) => p !== 'MANAGE_SPRINTS_PERMISSION',
        );
      }),
    detail: /Missing in ALIGN: MANAGE_SPRINTS_PERMISSION\.$/,
  },
  {
    code: 'JIRA_PROJECT_NOT_VISIBLE',
    check: 'project',
    status: 'fail',
    how: 'project/search does not list the project',
    run: () => cloud('tbl-noproject', (s) => (s.site.projects = [])),
  },
  {
    code: 'JIRA_RATE_LIMITED',
    check: 'server',
    status: 'fail',
    how: 'Jira answers 429 with Retry-After: 1, again after the one wait',
    run: () => {
      const s = w.cloudSite('tbl-429');
      s.site.fault = 'rate-limited';
      return w.run(['--jira', s.url]);
    },
  },
  {
    code: 'JIRA_LOGIN_PAGE',
    check: 'auth',
    status: 'fail',
    how: 'Jira Data Center behind SSO answers an HTML login page with 200',
    run: () => {
      const dc = w.dcSite('tbl-login');
      dc.site.fault = 'login-page';
      return w.run(['--jira', dc.url, '--dc', '--pat-env', dc.patEnv]);
    },
  },
  {
    code: 'OAUTH_CONSUMER_KEY_UNKNOWN',
    check: 'oauth-consumer',
    status: 'fail',
    how: 'request-token answers oauth_problem=consumer_key_unknown',
    run: () => w.run(['--jira', oauthProbe('tbl-ck-unknown', undefined).url, '--consumer-key', KEY]),
  },
  {
    code: 'OAUTH_SIGNATURE_INVALID',
    check: 'oauth-consumer',
    status: 'warn',
    how: 'Jira behind a proxy answers signature_invalid with a base string for another URL',
    run: () => {
      const s = oauthProbe('tbl-proxied', KEY);
      oauthState(s.site).seenOrigin = 'https://jira.internal:8443';
      return w.run(['--jira', s.url, '--consumer-key', KEY]);
    },
    detail: /Jira sees the URL as https:\/\/jira\.internal:8443/,
  },
  {
    code: 'OAUTH_TIMESTAMP_REFUSED',
    check: 'oauth-consumer',
    status: 'fail',
    how: 'Jira’s clock is 11 minutes ahead: oauth_problem=timestamp_refused',
    run: () => {
      const s = oauthProbe('tbl-skewed', KEY);
      Object.assign(s.site, { fault: 'clock-skew', clockSkewMs: 11 * 60_000 });
      return w.run(['--jira', s.url, '--consumer-key', KEY]);
    },
  },
  {
    code: 'OAUTH_TOKEN_REJECTED',
    check: 'oauth-token',
    status: 'fail',
    how: 'the stored access token was revoked in Jira: oauth_problem=token_rejected',
    run: () => {
      const s = oauthProbe('tbl-revoked', KEY);
      const token = oauthState(s.site).issueAccessToken(KEY, s.account.email);
      oauthState(s.site).revoke(token);
      const variable = w.secret('tbl_revoked_oauth', token);
      const file = writeConnectors([
        {
          name: 'tbl-revoked',
          jira: s.url,
          auth: 'oauth',
          consumerKey: KEY,
          secrets: { oauthAccessToken: { env: variable } },
        },
      ]);
      return w.run(['tbl-revoked'], { ALIGN_BOT_CONNECTORS_FILE: file });
    },
  },
  {
    code: 'CLOCK_SKEW',
    check: 'clock',
    status: 'warn',
    how: 'Jira’s Date header is 10 minutes ahead',
    run: () => cloud('tbl-clock', (s) => (s.site.fault = 'clock-skew')),
  },
  {
    code: 'ALIGN_TOKEN_REJECTED',
    check: 'align-token',
    status: 'fail',
    how: 'Jira Align answers 401 to the token',
    run: () =>
      align('tbl-al-token', () => [
        '--align-token-env',
        w.secret('tbl_al_stale', 'user:7|a-token-Align-no-longer-knows'),
      ]),
  },
  {
    code: 'ALIGN_IP_BLOCKED',
    check: 'align-reach',
    status: 'fail',
    how: 'Cloudflare in front of Jira Align answers 403, error 1006',
    run: () =>
      align('tbl-al-blocked', (a) => {
        a.instance.fault = 'ip-blocked';
        return ['--align-token-env', a.tokenEnv];
      }),
  },
  {
    code: 'ALIGN_UNREACHABLE',
    check: 'align-reach',
    status: 'fail',
    how: 'Cloudflare answers a 502 gateway page',
    run: () =>
      align('tbl-al-down', (a) => {
        a.instance.fault = 'server-error';
        return ['--align-token-env', a.tokenEnv];
      }),
  },
  {
    code: 'ALIGN_SYNC_ERRORS',
    check: 'align-sync',
    status: 'fail',
    how: 'every project and board of the connector carries an errorMessage',
    run: () =>
      align('tbl-al-sync', (a) => {
        for (const item of [...a.connector.projects, ...a.connector.boards])
          item.errorMessage = 'Unauthorized';
        return ['--align-token-env', a.tokenEnv, '--align-connector', '1'];
      }),
  },
];

/** Codes no remote answer causes, and what does (from reading src/: each is raised only where named here). */
const NOT_REMOTE: Partial<Record<DiagnosisCode, string>> = {
  OAUTH_CONSUMER_KEY_INVALID:
    'the consumer-key format check (core/consumer-key.ts) on the key the admin typed (--consumer-key); Jira is not asked',
  OAUTH_PUBLIC_KEY_MALFORMED:
    'the inspection of the public key the admin pasted (--public-key-file): test-oauth.ts keyOutcome and test-applinks.ts configuredFingerprint. A key Jira’s link holds that cannot be read is OAUTH_SIGNATURE_INVALID instead',
  OAUTH_PRIVATE_KEY_PASTED:
    'the same inspection finding a private key in the pasted text, before any request',
  OAUTH_KEY_TOO_SMALL:
    'the RSA size of the pasted public key (keyOutcome); the size of the key in Jira’s link is not judged',
  ALIGN_SERVICE_LIGHT_GRAY:
    'a person reports the gray service light in Jira Align’s connector window (connect.ts); Align’s API exposes no such status',
  TOKEN_EXPIRING_SOON:
    'the expiry date recorded with the connector (spec.tokenExpiresAt) against today: report.ts and the credential-expiry check',
  TOKEN_EXPIRED: 'the same recorded date, already past',
  AUTH_CHANGE_NEEDS_DEACTIVATE:
    'a rotation that changes the connector’s auth type (rotate.ts): the person’s request, not a remote answer',
  ALIGN_CONNECTOR_DEACTIVATED:
    'a maintenance window that ended without a confirmed Activate (runbooks/maintenance.ts, report.ts): a person’s silence, not a remote answer',
  MASTER_KEY_MISSING:
    'a stored credential Align Bot’s own vault cannot decrypt (store/vault.ts): ends the run before any check',
  BOT_INTERNAL_FAILURE: 'a run whose job failed on its last attempt or was lost (queue/run-lifecycle.ts)',
};

/** Codes a row's fault rightly causes besides its own: one skew is both a Date header and a refused timestamp. */
const CONSEQUENCES: Partial<Record<DiagnosisCode, string[]>> = {
  OAUTH_TIMESTAMP_REFUSED: ['clock:CLOCK_SKEW'],
};

const seen = new Map<DiagnosisCode, Set<string>>();

describe('one row per code a remote answer can cause', () => {
  it.each(ROWS.map((r) => [r.code, r] as const))('%s', async (_code, row) => {
    const run = await row.run();
    const check = run.check(row.check);
    expect(
      { check: check.id, status: check.status, code: check.code },
      `${row.how}: ${check.detail}`,
    ).toEqual({
      check: row.check,
      status: row.status,
      code: row.code,
    });
    if (row.detail) expect(check.detail).toMatch(row.detail);
    expect(check.hint).toBeTruthy();
    expect(run.code).toBe(run.report.checks.some((c) => c.status === 'fail') ? 1 : 0);
    // No other check names the row's cause differently.
    const others = run.report.checks.filter((c) => c.code && c.code !== row.code);
    seen.set(row.code, new Set(others.map((c) => `${c.id}:${c.code}`)));
    expect(others.map((c) => `${c.id}:${c.code}`)).toEqual(CONSEQUENCES[row.code] ?? []);
  });
});

describe('the table is the whole catalogue', () => {
  it('each code has one row, and the rows plus the non-remote codes are exactly DIAGNOSIS_CODES', () => {
    const rowCodes = ROWS.map((r) => r.code);
    expect(new Set(rowCodes).size, 'a code with two rows').toBe(rowCodes.length);
    const notRemote = Object.keys(NOT_REMOTE) as DiagnosisCode[];
    expect(
      rowCodes.filter((c) => notRemote.includes(c)),
      'a code both remote and not',
    ).toEqual([]);
    expect([...rowCodes, ...notRemote].sort()).toEqual([...DIAGNOSIS_CODES].sort());
  });

  it('no row’s fault produced a code listed as one no remote answer causes', () => {
    expect(seen.size).toBe(ROWS.length);
    const all = [...seen.values()].flatMap((s) => [...s]);
    expect(all.filter((entry) => Object.hasOwn(NOT_REMOTE, entry.split(':')[1]!))).toEqual([]);
  });
});

describe('this file’s own output', () => {
  it('holds none of the secrets registered here (the suite-wide check searches everything again)', () => {
    const artifact = currentArtifact('diagnosis-table.test.ts');
    expect(artifact.secrets.length).toBeGreaterThan(20);
    expect(Object.keys(artifact.outputs)).toContain('CLI test command');
    expect(
      findLeaks([artifact]).map((l) => `${l.source}: ${l.form} form of ${l.secret.slice(0, 6)}…`),
    ).toEqual([]);
  });
});
