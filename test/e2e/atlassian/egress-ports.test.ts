/**
 * Issue 8, defect 6: the egress guard admits Atlassian Cloud and Jira Align hosts on HTTPS port 443 only; another
 * port (and plain HTTP) only for a host listed with that port in ALIGN_BOT_ALLOWED_HOSTS, private egress or not.
 * The HTTP client checks the address it dials for address literals too (net.connect skips `lookup` for them), and
 * a pinned resolution may be private but never a cloud metadata address.
 */
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_HOSTS, EgressGuard, type EgressOptions } from '../../../src/atlassian/egress.js';
import { GuardedHttpClient } from '../../../src/atlassian/http.js';
import { type TestReport, testCommand } from '../../../src/cli/test-command.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { NetFailure } from '../../../src/core/ports.js';
import { recordOutput } from '../../helpers/leaks.js';

const PUBLIC = '104.192.141.1';

/** Public answers for every name: what is judged here is the host, scheme and port. */
const publicDns = async (): Promise<LookupAddress[]> => [{ address: PUBLIC, family: 4 }];

function guard(options: Partial<EgressOptions> = {}) {
  return new EgressGuard({
    allowedHosts: DEFAULT_ALLOWED_HOSTS,
    allowPrivate: false,
    lookup: publicDns,
    ...options,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'allowed';
  } catch (error) {
    if (error instanceof NetFailure) return error.code;
    throw error;
  }
}

/** [url, extra ALLOWED_HOSTS entries, allowed?] — private egress on and off give the same verdict. */
const PORT_ROWS: Array<[string, string[], boolean]> = [
  ['https://acme.atlassian.net/', [], true],
  ['https://acme.atlassian.net:443/', [], true],
  ['http://acme.atlassian.net:6379/', [], false],
  ['https://acme.atlassian.net:6379/', [], false],
  ['http://acme.atlassian.net/', [], false],
  ['https://api.atlassian.com:8443/ex/jira/x', [], false],
  ['http://api.atlassian.com/', [], false],
  ['https://acme.jiraalign.com:8080/', [], false],
  ['http://acme.jiraalign.com/', [], false],
  // A Data Center host without a port: HTTPS on 443 only.
  ['https://jira.corp.example/', ['jira.corp.example'], true],
  ['https://jira.corp.example:8443/', ['jira.corp.example'], false],
  ['http://jira.corp.example/', ['jira.corp.example'], false],
  // With a port: that port, HTTPS or plain HTTP, and no other.
  ['https://jira.corp.example:8443/', ['jira.corp.example:8443'], true],
  ['http://jira.corp.example:8443/', ['jira.corp.example:8443'], true],
  ['https://jira.corp.example/', ['jira.corp.example:8443'], false],
  ['https://jira.corp.example:6379/', ['jira.corp.example:8443'], false],
  ['http://jira.lab.example/', ['*.lab.example:80'], true],
  ['http://acme.atlassian.net:8080/', ['*.atlassian.net:8080'], true],
  ['http://acme.atlassian.net:6379/', ['*.atlassian.net:8080'], false],
  ['http://[2606:4700::1111]:8080/', ['[2606:4700::1111]:8080'], true],
  ['http://[2606:4700::1111]:8081/', ['[2606:4700::1111]:8080'], false],
  ['ftp://acme.atlassian.net/', ['*.atlassian.net:21'], false],
];

describe('ports and schemes', () => {
  for (const [url, extra, allowed] of PORT_ROWS) {
    const listed = extra.length > 0 ? ` with ${extra.join(',')}` : '';
    it(`${url}${listed}: ${allowed ? 'allowed' : 'EGRESS_BLOCKED'}, private egress or not`, async () => {
      for (const allowPrivate of [false, true]) {
        const g = guard({ allowedHosts: [...DEFAULT_ALLOWED_HOSTS, ...extra], allowPrivate });
        expect(await codeOf(g.resolve(url))).toBe(allowed ? 'allowed' : 'EGRESS_BLOCKED');
        expect(await codeOf(Promise.resolve().then(() => g.checkHost(url)))).toBe(
          allowed ? 'allowed' : 'EGRESS_BLOCKED',
        );
      }
    });
  }

  it('the refusal says why and what to configure', () => {
    expect(() => guard().checkHost('http://acme.atlassian.net:6379/')).toThrow(
      /acme\.atlassian\.net is allowed on HTTPS port 443 only, not plain HTTP on port 6379.*ALIGN_BOT_ALLOWED_HOSTS \(acme\.atlassian\.net:6379\)/,
    );
  });
});

describe('ALIGN_BOT_ALLOWED_HOSTS entries', () => {
  const problems = (value: string) => {
    try {
      loadConfig({ ALIGN_BOT_ALLOWED_HOSTS: value } as NodeJS.ProcessEnv, '/nonexistent/.env');
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('host, *.domain, host:port, an address and [IPv6]:port are accepted', () => {
    expect(problems('jira.example.com,*.corp.example:8443,10.0.0.5:8080,[fd00::5]:8080,fd00::6')).toEqual([]);
  });

  it.each([
    ['a URL', 'https://jira.example.com'],
    ['a port out of range', 'jira.example.com:70000'],
    ['port zero', 'jira.example.com:0'],
    ['a path', 'jira.example.com/jira'],
  ])('%s is a configuration error naming the variable and the fix', (_name, value) => {
    const found = problems(value);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^ALIGN_BOT_ALLOWED_HOSTS: .*host patterns separated by commas/);
  });
});

describe('GuardedHttpClient', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function send(g: EgressGuard, url: string, timeoutMs = 3000) {
    const http = new GuardedHttpClient({ guard: g, defaultTimeoutMs: timeoutMs });
    try {
      return await http.send({ method: 'GET', url });
    } finally {
      await http.close();
    }
  }

  it('a pinned Atlassian host on another port (Redis, say) is refused and the server sees nothing', async () => {
    const before = hits;
    const g = guard({ resolve: { 'acme.atlassian.net': '127.0.0.1' } });
    expect(await codeOf(send(g, `http://acme.atlassian.net:${port}/`))).toBe('EGRESS_BLOCKED');
    expect(await codeOf(send(g, `https://acme.atlassian.net:${port}/`))).toBe('EGRESS_BLOCKED');
    expect(hits).toBe(before);
    // Listed with its port, the same host is reached.
    const listed = guard({
      allowedHosts: [...DEFAULT_ALLOWED_HOSTS, `acme.atlassian.net:${port}`],
      resolve: { 'acme.atlassian.net': '127.0.0.1' },
    });
    expect((await send(listed, `http://acme.atlassian.net:${port}/`)).status).toBe(200);
    expect(hits).toBe(before + 1);
  });

  it('an allowed loopback address literal is checked at dial time: refused without private egress', async () => {
    const before = hits;
    const allowedHosts = ['127.0.0.1', `127.0.0.1:${port}`];
    for (const url of [`http://127.0.0.1:${port}/`, `http://2130706433:${port}/`]) {
      expect(await codeOf(send(guard({ allowedHosts }), url)), url).toBe('EGRESS_BLOCKED');
    }
    expect(hits).toBe(before);
    expect(
      (await send(guard({ allowedHosts, allowPrivate: true }), `http://127.0.0.1:${port}/`)).status,
    ).toBe(200);
    expect(hits).toBe(before + 1);
  });

  it('a metadata address literal is refused before any connection, even allowed and with private egress', async () => {
    // Port 9 (discard) and no path: should a build dial these, it asks the metadata service for nothing.
    const allowedHosts = ['*', '*:9'];
    for (const url of [
      'http://169.254.169.254:9/',
      'http://[::ffff:169.254.169.254]:9/',
      'http://[64:ff9b::a9fe:a9fe]:9/',
      'http://169.254.170.2:9/',
      'http://100.100.100.200:9/',
      'http://[fd00:ec2::254]:9/',
    ]) {
      const failure = await send(guard({ allowedHosts, allowPrivate: true }), url, 1500).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure, url).toBeInstanceOf(NetFailure);
      expect((failure as NetFailure).code, url).toBe('EGRESS_BLOCKED');
      expect((failure as NetFailure).message, url).toMatch(/a cloud metadata address/);
    }
  });

  it('a pinned resolution to a metadata address is refused (pins may be private, never metadata)', async () => {
    const g = guard({ resolve: { 'acme.atlassian.net': '169.254.169.254' }, allowPrivate: true });
    await expect(g.resolve('https://acme.atlassian.net/')).rejects.toThrow(/a cloud metadata address/);
    expect(await codeOf(send(g, 'https://acme.atlassian.net/', 1500))).toBe('EGRESS_BLOCKED');
    expect(await codeOf(g.addressesOf('acme.atlassian.net'))).toBe('EGRESS_BLOCKED');
  });
});

describe('align-bot test --jira with a port', () => {
  let redisLike: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    redisLike = createServer((_req, res) => {
      hits += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"RUNNING"}');
    });
    await new Promise<void>((resolve) => redisLike.listen(0, '127.0.0.1', resolve));
    port = (redisLike.address() as AddressInfo).port;
  });

  afterAll(async () => {
    redisLike.closeAllConnections();
    await new Promise<void>((resolve) => redisLike.close(() => resolve()));
  });

  it('acme.atlassian.net pinned to 127.0.0.1 and a chat-supplied port: the egress check fails, nothing is sent', async () => {
    const env = { ALIGN_BOT_RESOLVE: 'acme.atlassian.net=127.0.0.1', LOG_LEVEL: 'silent' };
    const out: string[] = [];
    const code = await testCommand(
      ['--jira', `http://acme.atlassian.net:${port}/`, '--json'],
      loadConfig(env as NodeJS.ProcessEnv, '/nonexistent/.env'),
      { out: (t) => out.push(t), err: (t) => out.push(t), env: env as NodeJS.ProcessEnv },
    );
    recordOutput('CLI test command', out.join('\n'));
    const report = JSON.parse(out.join('')) as TestReport;
    const egress = report.checks.find((c) => c.id === 'egress');
    expect(code).toBe(1);
    expect(egress).toMatchObject({ status: 'fail', code: 'EGRESS_BLOCKED' });
    expect(egress?.detail).toMatch(new RegExp(`not plain HTTP on port ${port}`));
    expect(report.checks.find((c) => c.id === 'reach')?.status).toBe('skip');
    expect(hits).toBe(0);
  });
});
