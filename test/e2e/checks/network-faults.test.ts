/**
 * Network faults through the CLI's test command and the runbook, against real sockets on loopback: a self-signed
 * certificate (TLS_FAILURE), a server that never answers (TIMEOUT), a closed port (CONNECTION_REFUSED), a name
 * under .invalid (DNS_FAILURE), and the egress guard refusing loopback unless private egress is allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressGuard } from '../../../src/atlassian/egress.js';
import { GuardedHttpClient } from '../../../src/atlassian/http.js';
import { type TestReport, testCommand } from '../../../src/cli/test-command.js';
import { loadConfig } from '../../../src/config.js';
import { recordOutput } from '../../helpers/leaks.js';
import { type FaultServers, startFaultServers } from '../../helpers/net-faults.js';

const TLS_HOST = 'tls.atlassian.net';
let servers: FaultServers;
let tls: FaultServers['tls'];
let httpsPort: number;
let silentPort: number;
let plainPort: number;
let closedPort: number;

beforeAll(async () => {
  servers = await startFaultServers(TLS_HOST);
  ({ tls, httpsPort, silentPort, plainPort, closedPort } = servers);
});

afterAll(async () => {
  await servers?.stop();
});

/** Runs `align-bot test <args> --json` in-process with its own environment. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const full = {
    ALIGN_BOT_RESOLVE: '*.atlassian.net=127.0.0.1',
    ALIGN_BOT_ALLOWED_HOSTS: servers.allowedHosts(),
    LOG_LEVEL: 'silent',
    ...env,
  };
  const out: string[] = [];
  const err: string[] = [];
  const started = Date.now();
  const code = await testCommand([...args, '--json'], loadConfig(full as NodeJS.ProcessEnv), {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: full as NodeJS.ProcessEnv,
  });
  recordOutput('CLI test command', [...out, ...err].join('\n'));
  expect(err.join('\n')).toBe('');
  const report = JSON.parse(out.join('\n')) as TestReport;
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  return { code, report, byId, ms: Date.now() - started };
}

describe('network faults through align-bot test', () => {
  it('TLS_FAILURE: a self-signed certificate', async () => {
    const { code, byId } = await cli(['--jira', `https://${TLS_HOST}:${httpsPort}`]);
    expect(code).toBe(1);
    expect(byId.get('dns')?.status).toBe('pass');
    expect(byId.get('reach')).toMatchObject({ status: 'fail', code: 'TLS_FAILURE' });
    expect(byId.get('reach')?.hint).toBeDefined();
    expect(byId.get('tenant')?.status).toBe('skip');
  });

  it('the same server is fine once its certificate is trusted (so the failure above was TLS)', async () => {
    const guard = new EgressGuard({
      allowedHosts: [`*.atlassian.net:${httpsPort}`],
      allowPrivate: false,
      resolve: { [TLS_HOST]: '127.0.0.1' },
    });
    const http = new GuardedHttpClient({ guard, ca: [tls.cert], defaultTimeoutMs: 3000 });
    try {
      const answer = await http.send({ method: 'GET', url: `https://${TLS_HOST}:${httpsPort}/status` });
      expect(answer.status).toBe(200);
    } finally {
      await http.close();
    }
  });

  it('TIMEOUT: a server that accepts and never answers, with --timeout-ms 400', async () => {
    const { code, byId, ms } = await cli([
      '--jira',
      `http://silent.atlassian.net:${silentPort}`,
      '--timeout-ms',
      '400',
    ]);
    expect(code).toBe(1);
    expect(byId.get('reach')).toMatchObject({ status: 'fail', code: 'TIMEOUT' });
    expect(byId.get('reach')?.detail).toMatch(/400 ms/);
    expect(ms).toBeLessThan(5000);
  });

  it('CONNECTION_REFUSED: a closed port', async () => {
    const { code, byId } = await cli(['--jira', `http://closed.atlassian.net:${closedPort}`]);
    expect(code).toBe(1);
    expect(byId.get('reach')).toMatchObject({ status: 'fail', code: 'CONNECTION_REFUSED' });
  });

  it('DNS_FAILURE: a name under .invalid', async () => {
    const { code, byId } = await cli(['--jira', 'https://jira.nothing.invalid'], {
      ALIGN_BOT_ALLOWED_HOSTS: '*.invalid',
    });
    expect(code).toBe(1);
    expect(byId.get('egress')?.status).toBe('pass');
    expect(byId.get('dns')).toMatchObject({ status: 'fail', code: 'DNS_FAILURE' });
    expect(byId.get('reach')?.status).toBe('skip');
  });

  it('EGRESS_BLOCKED: a host outside the allow list', async () => {
    const { code, byId } = await cli(['--jira', 'https://jira.example.com']);
    expect(code).toBe(1);
    expect(byId.get('egress')).toMatchObject({ status: 'fail', code: 'EGRESS_BLOCKED' });
    expect(byId.get('dns')?.status).toBe('skip');
  });

  it('EGRESS_BLOCKED: an allowed address literal on loopback, unless private egress is allowed', async () => {
    const url = `http://127.0.0.1:${plainPort}`;
    const blocked = await cli(['--jira', url], { ALIGN_BOT_ALLOWED_HOSTS: `127.0.0.1:${plainPort}` });
    expect(blocked.code).toBe(1);
    expect(blocked.byId.get('dns')).toMatchObject({ status: 'fail', code: 'EGRESS_BLOCKED' });
    const allowed = await cli(['--jira', url], {
      ALIGN_BOT_ALLOWED_HOSTS: `127.0.0.1:${plainPort}`,
      ALIGN_BOT_ALLOW_PRIVATE_EGRESS: 'true',
    });
    expect(allowed.byId.get('dns')?.status).toBe('pass');
    expect(allowed.byId.get('reach')?.status).toBe('pass');
  });
});
