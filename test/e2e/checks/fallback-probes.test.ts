/**
 * Issue 8, defect 7: a fallback probe must not hide the real diagnosis. Behind a proxy that blocks
 * api.atlassian.com, a token rejected on the site URL was reported as DNS_FAILURE ("check the spelling of the site
 * URL"). Rule (DESIGN.md §7): a secondary probe — the Atlassian gateway for scoped tokens, tenant info for the
 * cloud id, tenant info at a renamed site's new address — may sharpen the primary finding when it answers; when it
 * cannot be reached the primary finding stands and its detail says what could not be checked and why, naming the
 * host. Each probe is driven through `align-bot test --json`; the gateway one also through `align-bot report` and a
 * `/align test` chat run, which share the same checks (as connect and rotate do).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../../src/cli/report-command.js';
import { loadConfig } from '../../../src/config.js';
import { type DiagnosisCode, shortHint } from '../../../src/core/diagnosis.js';
import type { ReportData } from '../../../src/core/report.js';
import { ADMIN, type BotHarness, startBot, writeConnectors } from '../../helpers/bot.js';
import { type CliRun, CliWorld } from '../../helpers/cli-world.js';
import { FormClient, formLink, openAsk } from '../../helpers/guided.js';
import { recordOutput, registerSecret } from '../../helpers/leaks.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

/** A gateway this network cannot resolve: what a proxy-only network does to api.atlassian.com. */
const UNRESOLVABLE_GATEWAY = 'https://api.atlassian.invalid';
const GATEWAY_DNS = {
  ALIGN_BOT_ATLASSIAN_API_URL: UNRESOLVABLE_GATEWAY,
  ALIGN_BOT_ALLOWED_HOSTS: 'api.atlassian.invalid',
};
const NOT_SCOPED_CHECKED =
  /Not checked: whether this is a scoped API token, which works only through the Atlassian gateway, because /;

let w: CliWorld;

beforeAll(async () => {
  w = await CliWorld.start();
});

afterAll(async () => {
  await w?.stop();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every code in the report, as "check:CODE". */
function codes(run: CliRun): string[] {
  return run.report.checks.filter((c) => c.code).map((c) => `${c.id}:${c.code}`);
}

function expectPrimary(run: CliRun, check: string, code: DiagnosisCode, detail: RegExp) {
  const found = run.check(check);
  expect({ status: found.status, code: found.code }, found.detail).toEqual({ status: 'fail', code });
  expect(found.detail).toMatch(detail);
  expect(found.hint).toBe(shortHint(code));
  // No other check names a cause the probe ran into.
  expect(codes(run)).toEqual([`${check}:${code}`]);
}

describe('the gateway probe (scoped tokens) on a rejected token', () => {
  it('the gateway does not resolve: JIRA_AUTH_REJECTED stands, and says the gateway could not be checked', async () => {
    const s = w.cloudSite('fb-dns');
    s.site.fault = 'token-rejected';
    const run = await w.run(s.args, GATEWAY_DNS);
    expectPrimary(run, 'auth', 'JIRA_AUTH_REJECTED', /^Jira answered 401: /);
    expect(run.check('auth').detail).toMatch(NOT_SCOPED_CHECKED);
    expect(run.check('auth').detail).toMatch(/api\.atlassian\.invalid does not resolve \(ENOTFOUND\)\.$/);
    expect(run.code).toBe(1);
  });

  it('the gateway refuses the connection: JIRA_AUTH_REJECTED, naming the gateway host and port', async () => {
    const port = await closedPort();
    const s = w.cloudSite('fb-refused');
    s.site.fault = 'token-rejected';
    const run = await w.run(s.args, {
      ALIGN_BOT_ATLASSIAN_API_URL: `http://${w.jira.gatewayHost}:${port}`,
      ALIGN_BOT_ALLOWED_HOSTS: `${w.jira.gatewayHost}:${port}`,
    });
    expectPrimary(run, 'auth', 'JIRA_AUTH_REJECTED', NOT_SCOPED_CHECKED);
    expect(run.check('auth').detail).toContain(`api.atlassian.com:${port} refused the connection.`);
  });

  it.each([
    [
      'a proxy answers its 403 page for the gateway',
      'blocked',
      /api\.atlassian\.com:\d+ answered 403: an HTML page\.$/,
    ],
    [
      'a proxy drops the gateway connection',
      'reset',
      /api\.atlassian\.com:\d+ closed the connection \([A-Z_]+\)\.$/,
    ],
  ] as const)('%s: JIRA_AUTH_REJECTED, saying so', async (_how, fault, detail) => {
    const s = w.cloudSite(`fb-gw-${fault}`);
    s.site.fault = 'token-rejected';
    w.jira.gatewayFault = fault;
    try {
      const run = await w.run(s.args);
      expectPrimary(run, 'auth', 'JIRA_AUTH_REJECTED', NOT_SCOPED_CHECKED);
      expect(run.check('auth').detail).toMatch(detail);
    } finally {
      w.jira.gatewayFault = undefined;
    }
  });

  it('the gateway answers 401 too: the rejection is sharpened (not a scoped token)', async () => {
    const s = w.cloudSite('fb-gw-401');
    s.site.fault = 'token-rejected';
    const run = await w.run(s.args);
    expectPrimary(run, 'auth', 'JIRA_AUTH_REJECTED', /^Jira answered 401: /);
    expect(run.check('auth').detail).toMatch(
      /The Atlassian gateway \(api\.atlassian\.com:\d+\) rejects it too, so it is not a scoped token used with the site URL\.$/,
    );
  });

  it('a scoped token while the gateway does not resolve: the 401 stands, not DNS_FAILURE', async () => {
    const s = w.cloudSite('fb-scoped-dns');
    s.account.scoped = true;
    const run = await w.run(s.args, GATEWAY_DNS);
    expectPrimary(run, 'auth', 'JIRA_AUTH_REJECTED', NOT_SCOPED_CHECKED);
  });
});

describe('tenant info (the cloud id) as a probe', () => {
  it('a proxy refuses /_edge/tenant_info: not checked, and the healthy credential still passes', async () => {
    const s = w.cloudSite('fb-edge-403');
    s.site.fault = 'edge-blocked';
    const run = await w.run(s.args);
    expect(run.check('tenant')).toMatchObject({ status: 'skip' });
    expect(run.check('tenant').detail).toMatch(
      /^Not checked: whether a Jira Cloud site is at this address, and its cloud id, because fb-edge-403\.atlassian\.net:\d+ answered 403: an HTML page/,
    );
    expect(run.check('auth').status).toBe('pass');
    expect(run.check('project').status).toBe('pass');
    expect(codes(run)).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('the tenant info connection drops and the token is rejected: JIRA_AUTH_REJECTED, the probe not checked', async () => {
    const s = w.cloudSite('fb-edge-reset');
    s.site.fault = 'edge-reset';
    s.account.token = 'no-longer-this-token';
    const run = await w.run(s.args);
    expect(run.check('tenant').status).toBe('skip');
    expect(run.check('tenant').detail).toMatch(/closed the connection \([A-Z_]+\)\.$/);
    expectPrimary(run, 'auth', 'JIRA_AUTH_REJECTED', NOT_SCOPED_CHECKED);
    expect(run.check('auth').detail).toMatch(/because the site’s cloud id is unknown/);
  });

  it('a renamed site whose new address refuses connections: JIRA_SITE_RENAMED on tenant, naming the new host', async () => {
    const port = await closedPort();
    const target = `fb-renamed-new.atlassian.net:${port}`;
    w.allow(target);
    const s = w.cloudSite('fb-renamed-old');
    Object.assign(s.site, { fault: 'renamed', renamedTo: `http://${target}` });
    const run = await w.run(s.args);
    const tenant = run.check('tenant');
    expect({ status: tenant.status, code: tenant.code }).toEqual({
      status: 'warn',
      code: 'JIRA_SITE_RENAMED',
    });
    expect(tenant.detail).toMatch(
      new RegExp(
        `redirects to http://${target}; the remaining checks use http://${target}\\. Not checked: .*${target} refused the connection\\.$`,
      ),
    );
    expect(tenant.hint).toBe(shortHint('JIRA_SITE_RENAMED'));
    // The checks that go to the new address fail there, and say which host.
    const server = run.check('server');
    expect(server).toMatchObject({ status: 'fail', code: 'CONNECTION_REFUSED' });
    expect(server.detail).toContain(target);
  });
});

describe('a renamed site whose new name does not resolve', () => {
  it('tenant and server info report the rename; the checks that go there fail naming the new host', async () => {
    const s = w.cloudSite('fb-renamed-dns');
    Object.assign(s.site, { fault: 'renamed', renamedTo: 'https://fb-renamed-dns.atlassian.invalid' });
    const run = await w.run(s.args, { ALIGN_BOT_ALLOWED_HOSTS: '*.invalid' });
    const tenant = run.check('tenant');
    expect({ status: tenant.status, code: tenant.code }, tenant.detail).toEqual({
      status: 'warn',
      code: 'JIRA_SITE_RENAMED',
    });
    expect(tenant.detail).toMatch(
      /because fb-renamed-dns\.atlassian\.invalid does not resolve \(ENOTFOUND\)\.$/,
    );
    const server = run.check('server');
    expect(server).toMatchObject({ status: 'fail', code: 'DNS_FAILURE' });
    expect(server.detail).toMatch(/^fb-renamed-dns\.atlassian\.invalid does not resolve/);
    expect(server.hint).toMatch(/the host named in the details/);
  });
});

describe('Jira Align: its own failures, named by its host, never the Jira checks’', () => {
  let proxy: Server;
  let proxyPort: number;

  beforeAll(async () => {
    proxy = createHttpServer((_req, res) => {
      res
        .writeHead(403, { 'content-type': 'text/html', via: '1.1 proxy.corp.example' })
        .end('<html><head><title>Access Denied</title></head><body>Blocked by policy.</body></html>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyPort = (proxy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  function withAlign(name: string, alignUrl: string, env: Record<string, string> = {}) {
    const jira = w.cloudSite(`${name}-jira`);
    const token = w.secret(`${name}_align`, `user:7|${name}-align-token`);
    return w.run(['--jira', jira.url, '--align', alignUrl, '--align-token-env', token], env);
  }

  it('a proxy answers its 403 page for Jira Align: ALIGN_UNREACHABLE on reach, not a token without rights', async () => {
    const host = `fb-al-proxy.jiraalign.com:${proxyPort}`;
    w.allow(host);
    const run = await withAlign('fb-al-proxy', `http://${host}`);
    expectPrimary(
      run,
      'align-reach',
      'ALIGN_UNREACHABLE',
      new RegExp(`^${host} answered 403 with an HTML page that is not Jira Align’s: a proxy`),
    );
    expect(run.check('align-token').status).toBe('skip');
    expect(run.check('reach').status).toBe('pass');
  });

  it('Jira Align does not resolve: ALIGN_UNREACHABLE naming its host; the Jira checks are unaffected', async () => {
    const run = await withAlign('fb-al-dns', 'https://blocked.jiraalign.invalid', {
      ALIGN_BOT_ALLOWED_HOSTS: '*.invalid',
    });
    expectPrimary(run, 'align-host', 'ALIGN_UNREACHABLE', /^blocked\.jiraalign\.invalid does not resolve/);
    expect(run.check('server').status).toBe('pass');
  });
});

describe('the same checks in a report and in a chat run', () => {
  it('align-bot report: the rejected token is JIRA_AUTH_REJECTED with the note, not DNS_FAILURE', async () => {
    const s = w.cloudSite('fb-report');
    s.site.fault = 'token-rejected';
    const token = s.account.token;
    const file = writeConnectors([
      {
        name: 'fb-report',
        jira: s.url,
        kind: 'cloud',
        auth: 'basic',
        email: s.email,
        project: 'ALIGN',
        secrets: { jira: { env: 'FB_REPORT_TOKEN' } },
      },
    ]);
    const env = {
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      ALIGN_BOT_CONNECTORS_FILE: file,
      ALIGN_BOT_RESOLVE: '*.atlassian.net=127.0.0.1',
      ALIGN_BOT_ALLOWED_HOSTS: [...w.jira.allowedHosts(), 'api.atlassian.invalid'].join(','),
      ALIGN_BOT_ATLASSIAN_API_URL: UNRESOLVABLE_GATEWAY,
      FB_REPORT_TOKEN: token,
      LOG_LEVEL: 'silent',
    };
    const out: string[] = [];
    const code = await reportCommand(['--json'], loadConfig(env as NodeJS.ProcessEnv), {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      env: env as NodeJS.ProcessEnv,
    });
    recordOutput('align-bot report', out.join('\n'));
    expect(code).toBe(1);
    const { report } = JSON.parse(out.join('')) as { report: ReportData };
    expect(report.rows.map((r) => [r.name, r.code, r.check])).toEqual([
      ['fb-report', 'JIRA_AUTH_REJECTED', 'Service account credentials work'],
    ]);
    expect(report.rows[0]!.detail).toMatch(NOT_SCOPED_CHECKED);
    expect(report.rows[0]!.detail).toContain('api.atlassian.invalid');
  });

  describe('in chat: /align test and /align connect', () => {
    let bot: BotHarness;

    beforeAll(async () => {
      bot = await startBot({
        prefix: testPrefix('fallback-probes'),
        connectors: [
          { name: 'globex', host: 'fb-chat.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
        ],
        env: GATEWAY_DNS,
      });
    });

    afterAll(async () => {
      await bot?.stop();
    });

    it('the root message and the fix reply name JIRA_AUTH_REJECTED, never DNS_FAILURE', async () => {
      const channel = 'CFALLBACK';
      const ack = await bot.slack.sendCommand({ text: 'test globex', userId: ADMIN, channelId: channel });
      expect(ack.status).toBe(200);
      const root = await waitFor(
        () =>
          bot.slack
            .channel(channel)
            .find(
              (m) =>
                m.text.includes('test globex:') &&
                /failed|passed/.test(m.text) &&
                !m.text.includes('running'),
            ),
        { what: 'the final root message' },
      );
      const reply = await waitFor(() => bot.slack.thread(channel, root.ts)[0], { what: 'the fix reply' });
      const all = JSON.stringify([root.blocks, reply.blocks]);
      expect(all).toContain('JIRA_AUTH_REJECTED');
      expect(all).not.toContain('DNS_FAILURE');
      expect(all).not.toContain('spelling of the site URL');
      expect(JSON.stringify(reply.blocks)).toMatch(/Not checked: whether this is a scoped API token/);
      expect(JSON.stringify(reply.blocks)).toContain('Fix (on Jira)');
    });

    it('connect: a rejected token at the service-account step is asked again as JIRA_AUTH_REJECTED', async () => {
      const channel = 'CFALLBACKCONN';
      const host = 'fb-connect.atlassian.net';
      bot.jira.addSite({ host, baseUrl: bot.jira.siteUrl(host) });
      bot.align.addInstance('fb-connect.jiraalign.com');
      const ack = await bot.slack.sendCommand({
        text: `connect fbconn --jira ${bot.jira.siteUrl(host)} --align ${bot.align.instanceUrl('fb-connect.jiraalign.com')} --auth basic --email svc@${host}`,
        userId: ADMIN,
        channelId: channel,
      });
      const runId = /Run (r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)![1]!;
      const ask = await openAsk(bot.slack, channel, runId, 'service-account');
      const { url } = await formLink(bot.slack, ask, ADMIN);
      const wrong = registerSecret('fb-connect-wrong-token', 'a rejected token (connect)');
      expect((await new FormClient().submit(url!, { value: wrong })).status).toBe(200);
      const again = await openAsk(bot.slack, channel, runId, 'service-account', 15_000, 1);
      const thread = JSON.stringify(bot.slack.thread(channel, again.message.threadTs!).map((m) => m.blocks));
      expect(thread).toContain('JIRA_AUTH_REJECTED');
      expect(thread).not.toContain('DNS_FAILURE');
      expect(thread).toMatch(/Not checked: whether this is a scoped API token/);
    });
  });
});
