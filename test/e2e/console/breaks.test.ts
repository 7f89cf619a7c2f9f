/**
 * Issue 11, "every diagnosis in the catalogue can be provoked by one click": on a fresh sandbox, each "break it"
 * click makes `align-bot test <demo> --json` carry its code, and the second click repairs it (the test passes
 * again). Together the breaks cover every code a remote answer can cause (test/diagnosis-table.test.ts). The demo
 * connectors come up broken in their known ways.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestReport } from '../../../src/cli/test-command.js';
import { testCommand } from '../../../src/cli/test-command.js';
import { loadConfig } from '../../../src/config.js';
import { DIAGNOSIS_CODES, type DiagnosisCode } from '../../../src/core/diagnosis.js';
import { ALIGN_BREAKS } from '../../../src/sandbox/admin/align-breaks.js';
import { type Break, JIRA_BREAKS } from '../../../src/sandbox/admin/breaks.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/sandbox.js';
import { recordOutput, registerSecret } from '../../helpers/leaks.js';

let sandbox: Sandbox;

/** Codes no remote answer causes (test/diagnosis-table.test.ts, NOT_REMOTE): the console provokes them otherwise. */
const NOT_REMOTE: DiagnosisCode[] = [
  'OAUTH_CONSUMER_KEY_INVALID',
  'OAUTH_PUBLIC_KEY_MALFORMED',
  'OAUTH_PRIVATE_KEY_PASTED',
  'OAUTH_KEY_TOO_SMALL',
  'ALIGN_SERVICE_LIGHT_GRAY',
  'TOKEN_EXPIRING_SOON',
  'TOKEN_EXPIRED',
  'AUTH_CHANGE_NEEDS_DEACTIVATE',
  // Issue 13: a maintenance window that ended without a confirmed Activate.
  'ALIGN_CONNECTOR_DEACTIVATED',
  'MASTER_KEY_MISSING',
  'BOT_INTERNAL_FAILURE',
];

beforeAll(async () => {
  const base = loadConfig({ ALIGN_BOT_REQUEST_TIMEOUT_MS: '1500', ALIGN_BOT_TEST_TIMEOUT_MS: '8000' });
  sandbox = await startSandbox(base, mkdtempSync(join(tmpdir(), 'align-console-')));
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('SANDBOX_') && value) registerSecret(value, name);
  }
});

afterAll(async () => {
  await sandbox?.stop();
});

async function test(name: string): Promise<TestReport> {
  const chunks: string[] = [];
  const io = { out: (t: string) => chunks.push(t), err: (t: string) => chunks.push(t), env: process.env };
  await testCommand([name, '--json'], sandbox.config, io);
  const out = chunks.join('');
  recordOutput('CLI test command', out);
  return JSON.parse(out) as TestReport;
}

function codes(report: TestReport): string[] {
  return report.checks.filter((c) => c.code).map((c) => `${c.id}:${c.code}`);
}

/** Which demo a break is tried on: the OAuth ones need the OAuth demo. */
function demoFor(b: Break<unknown>): string {
  return b.side === 'oauth' ? 'umbrella' : 'acme';
}

describe('break it, repair it', () => {
  it.each(JIRA_BREAKS.map((b) => [b.id, b] as const))('Jira: %s', async (_id, b) => {
    const name = demoFor(b as Break<unknown>);
    const site = sandbox.world.site(`${name}.atlassian.net`);
    expect(b.relevant?.(sandbox.world, site) ?? true).toBe(true);
    await b.apply(sandbox.world, site);
    sandbox.world.changed();
    expect(b.active(sandbox.world, site)).toBe(true);
    const broken = await test(name);
    expect(codes(broken).map((c) => c.split(':')[1])).toContain(b.code);
    await b.repair(sandbox.world, site);
    sandbox.world.changed();
    expect(b.active(sandbox.world, site)).toBe(false);
    const repaired = await test(name);
    expect(codes(repaired)).toEqual([]);
  });

  it.each(ALIGN_BREAKS.map((b) => [b.id, b] as const))('Jira Align: %s', async (_id, b) => {
    const instance = sandbox.world.align.instance('acme.jiraalign.com');
    await b.apply(sandbox.world, instance);
    sandbox.world.changed();
    expect(b.active(sandbox.world, instance)).toBe(true);
    if (b.code !== 'ALIGN_SERVICE_LIGHT_GRAY') {
      expect(codes(await test('acme')).map((c) => c.split(':')[1])).toContain(b.code);
    } else {
      expect(sandbox.world.align.connectors(instance).map((c) => c.serviceLight)).toEqual(['gray']);
    }
    await b.repair(sandbox.world, instance);
    sandbox.world.changed();
    expect(b.active(sandbox.world, instance)).toBe(false);
    expect(codes(await test('acme'))).toEqual([]);
  });

  it('a clock 11 minutes ahead also refuses an OAuth connector’s timestamps', async () => {
    const clock = JIRA_BREAKS.find((b) => b.id === 'clock')!;
    const site = sandbox.world.site('umbrella.atlassian.net');
    await clock.apply(sandbox.world, site);
    const broken = codes(await test('umbrella'));
    await clock.repair(sandbox.world, site);
    expect(broken).toEqual(
      expect.arrayContaining(['clock:CLOCK_SKEW', 'oauth-consumer:OAUTH_TIMESTAMP_REFUSED']),
    );
    expect(codes(await test('umbrella'))).toEqual([]);
  });

  it('the egress allow list admits other ports for the sandbox’s own simulators only', async () => {
    const ported = sandbox.config.egress.allowedHosts.filter((entry) => /:\d+$/.test(entry));
    expect(ported.sort()).toEqual(
      [
        ...sandbox.jira.allowedHosts(),
        `*.jiraalign.com:${sandbox.align.port}`,
        ...(await sandbox.world.network.allowedHosts()),
      ].sort(),
    );
  });

  it('together they cover every code a remote answer can cause', () => {
    const covered = new Set(
      [...JIRA_BREAKS, ...ALIGN_BREAKS].flatMap((b) => [b.code, ...(b.also ?? [])] as DiagnosisCode[]),
    );
    const remote = DIAGNOSIS_CODES.filter((c) => !NOT_REMOTE.includes(c));
    expect(remote.filter((c) => !covered.has(c))).toEqual([]);
  });
});

describe('demo connectors', () => {
  it.each([
    ['acme', []],
    ['umbrella', []],
    ['globex', ['auth:JIRA_AUTH_REJECTED', 'align-sync:ALIGN_SYNC_ERRORS']],
    [
      'initech',
      [
        'admin:JIRA_AUTH_ANONYMOUS_FALLBACK',
        'project:JIRA_AUTH_ANONYMOUS_FALLBACK',
        'align-sync:ALIGN_SYNC_ERRORS',
      ],
    ],
    ['stark', ['credential-expiry:TOKEN_EXPIRING_SOON']],
    [
      'wonka',
      ['server:JIRA_IP_NOT_ALLOWLISTED', 'auth:JIRA_IP_NOT_ALLOWLISTED', 'align-sync:ALIGN_SYNC_ERRORS'],
    ],
  ])('%s', async (name, expected) => {
    expect(codes(await test(name))).toEqual(expected);
  });
});
