/**
 * The egress guard (DESIGN.md §7) and the HTTP client that obeys it: loopback, private, link-local and metadata
 * addresses and hosts outside the allow list are refused with EGRESS_BLOCKED (metadata even when private egress
 * is allowed); pinned resolutions are trusted; a DNS answer cannot change between check and connect; a redirect
 * to a metadata address is refused.
 */
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_HOSTS, EgressGuard, type EgressOptions } from '../../../src/atlassian/egress.js';
import { GuardedHttpClient } from '../../../src/atlassian/http.js';
import { adhocSpec } from '../../../src/core/connector-spec.js';
import { NetFailure, systemClock } from '../../../src/core/ports.js';
import { callJira, DEFAULT_LIMITS, type TestContext } from '../../../src/core/runbooks/checks/context.js';
import { JIRA_CHECKS } from '../../../src/core/runbooks/checks/jira.js';
import { runChecks } from '../../../src/core/runbooks/checks/run-checks.js';
import { JiraSim } from '../../../src/sandbox/jira-sim.js';

const PUBLIC = '104.192.141.1';

/** A resolver from a table; unknown names fail like a real NXDOMAIN. */
function table(answers: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    const found = answers[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookup, calls };
}

function guard(options: Partial<EgressOptions> & Pick<EgressOptions, 'lookup'>) {
  return new EgressGuard({ allowedHosts: DEFAULT_ALLOWED_HOSTS, allowPrivate: false, ...options });
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

const ADDRESSES: Array<[string, string[], 'private' | 'metadata' | 'never']> = [
  ['127.0.0.1 (loopback)', ['127.0.0.1'], 'private'],
  ['10.0.0.1 (private)', ['10.0.0.1'], 'private'],
  ['192.168.1.10 (private)', ['192.168.1.10'], 'private'],
  ['100.64.0.1 (carrier-grade NAT)', ['100.64.0.1'], 'private'],
  ['169.254.169.254 (cloud metadata)', ['169.254.169.254'], 'metadata'],
  ['169.254.170.2 (ECS metadata)', ['169.254.170.2'], 'metadata'],
  ['fd00:ec2::254 (EC2 metadata, IPv6)', ['fd00:ec2::254'], 'metadata'],
  ['::ffff:169.254.169.254 (metadata, IPv4-mapped)', ['::ffff:169.254.169.254'], 'metadata'],
  ['::1 (IPv6 loopback)', ['::1'], 'private'],
  ['::ffff:127.0.0.1 (loopback, IPv4-mapped)', ['::ffff:127.0.0.1'], 'private'],
  ['fc00::1 (IPv6 unique local)', ['fc00::1'], 'private'],
  ['a public and a private address', [PUBLIC, '10.0.0.1'], 'private'],
  ['0.0.0.0 (unspecified)', ['0.0.0.0'], 'never'],
  ['64:ff9b::a9fe:a9fe (metadata through NAT64)', ['64:ff9b::a9fe:a9fe'], 'metadata'],
  ['2002:a9fe:a9fe::1 (metadata through 6to4)', ['2002:a9fe:a9fe::1'], 'metadata'],
  ['::a9fe:a9fe (metadata, IPv4-compatible)', ['::a9fe:a9fe'], 'metadata'],
  ['64:ff9b::7f00:1 (loopback through NAT64)', ['64:ff9b::7f00:1'], 'private'],
  // Issue 8, defect 6: metadata forms that private egress let through.
  ['169.254.170.23 (EKS Pod Identity)', ['169.254.170.23'], 'metadata'],
  ['169.254.170.20 (ECS, another agent address)', ['169.254.170.20'], 'metadata'],
  ['169.254.0.23 (Tencent Cloud metadata)', ['169.254.0.23'], 'metadata'],
  ['fd00:ec2::23 (EKS Pod Identity, IPv6)', ['fd00:ec2::23'], 'metadata'],
  ['fd00:ec2::123 (AWS time service, IPv6)', ['fd00:ec2::123'], 'metadata'],
  ['64:ff9b:1::a9fe:a9fe (metadata through a local-use NAT64 /96)', ['64:ff9b:1::a9fe:a9fe'], 'metadata'],
  [
    '64:ff9b:1:a9fe:a9:fe00:: (metadata through a local-use NAT64 /48)',
    ['64:ff9b:1:a9fe:a9:fe00::'],
    'metadata',
  ],
  ['::ffff:0:a9fe:a9fe (metadata, IPv4-translated)', ['::ffff:0:a9fe:a9fe'], 'metadata'],
  ['100.100.100.200 (Alibaba Cloud metadata)', ['100.100.100.200'], 'metadata'],
  ['64:ff9b::6464:64c8 (Alibaba metadata through NAT64)', ['64:ff9b::6464:64c8'], 'metadata'],
  ['::ffff:100.100.100.200 (Alibaba metadata, IPv4-mapped)', ['::ffff:100.100.100.200'], 'metadata'],
  ['fd20:ce::254 (Google Cloud metadata, IPv6)', ['fd20:ce::254'], 'metadata'],
  ['fd00:c1::a9fe:a9fe (Oracle Cloud metadata, IPv6)', ['fd00:c1::a9fe:a9fe'], 'metadata'],
  ['168.63.129.16 (Azure WireServer)', ['168.63.129.16'], 'metadata'],
];

describe('EgressGuard.resolve', () => {
  for (const [name, addresses, kind] of ADDRESSES) {
    it(`a host resolving to ${name}: refused; ${kind === 'private' ? 'allowed' : 'still refused'} with private egress`, async () => {
      const { lookup } = table({ 'acme.atlassian.net': addresses });
      const url = 'https://acme.atlassian.net/rest/api/2/serverInfo';
      expect(await codeOf(guard({ lookup }).resolve(url))).toBe('EGRESS_BLOCKED');
      expect(await codeOf(guard({ lookup, allowPrivate: true }).resolve(url))).toBe(
        kind === 'private' ? 'allowed' : 'EGRESS_BLOCKED',
      );
    });
  }

  it('a public address is allowed (the control case), also through NAT64 (DNS64 networks)', async () => {
    const { lookup } = table({
      'acme.atlassian.net': [PUBLIC],
      'v6only.atlassian.net': ['64:ff9b::68c0:8d01'],
    });
    expect(await guard({ lookup }).resolve('https://acme.atlassian.net')).toEqual({
      host: 'acme.atlassian.net',
      addresses: [PUBLIC],
    });
    expect(await codeOf(guard({ lookup }).resolve('https://v6only.atlassian.net'))).toBe('allowed');
  });

  it('a host outside the allow list is refused before any lookup, private egress or not', async () => {
    const { lookup, calls } = table({ 'evil.example.com': [PUBLIC] });
    for (const allowPrivate of [false, true]) {
      expect(await codeOf(guard({ lookup, allowPrivate }).resolve('https://evil.example.com/'))).toBe(
        'EGRESS_BLOCKED',
      );
    }
    // Look-alikes of the patterns are outside too.
    for (const url of [
      'https://atlassian.net.evil.com',
      'https://evilatlassian.net',
      'https://atlassian.net',
    ]) {
      expect(await codeOf(guard({ lookup }).resolve(url)), url).toBe('EGRESS_BLOCKED');
    }
    expect(calls).toEqual([]);
  });

  it('address literals are checked like answers (including the decimal and hex forms)', async () => {
    const { lookup, calls } = table({});
    // Every host on port 80 and 8080: what is refused here is the address, not the port.
    const anyHost = ['*', '*:80', '*:8080'];
    const any = guard({ lookup, allowedHosts: anyHost, allowPrivate: true });
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://2852039166/',
      'http://0xa9.0xfe.0xa9.0xfe/',
    ]) {
      await expect(any.resolve(url), url).rejects.toThrow(/a cloud metadata address/);
    }
    const strict = guard({ lookup, allowedHosts: anyHost });
    for (const url of ['http://127.0.0.1:8080/', 'http://[::1]/', 'http://10.0.0.1/', 'http://0177.0.0.1/']) {
      await expect(strict.resolve(url), url).rejects.toThrow(/private addresses are not allowed/);
    }
    expect(calls).toEqual([]);
  });

  it('a name that does not resolve is DNS_FAILURE, not a pass', async () => {
    const { lookup } = table({});
    expect(await codeOf(guard({ lookup }).resolve('https://gone.atlassian.net'))).toBe('DNS_FAILURE');
  });

  it('pinned resolutions (ALIGN_BOT_RESOLVE) are trusted configuration and skip DNS', async () => {
    const { lookup, calls } = table({});
    const pinned = guard({ lookup, resolve: { '*.atlassian.net': '127.0.0.1' } });
    expect(await pinned.resolve('https://acme.atlassian.net')).toEqual({
      host: 'acme.atlassian.net',
      addresses: ['127.0.0.1'],
    });
    expect(calls).toEqual([]);
    // Pinning does not widen the allow list.
    expect(
      await codeOf(
        guard({ lookup, resolve: { 'evil.example.com': '127.0.0.1' } }).resolve('https://evil.example.com'),
      ),
    ).toBe('EGRESS_BLOCKED');
  });
});

describe('GuardedHttpClient connects only to addresses the guard cleared', () => {
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

  /** The guard of the section above, admitting plain HTTP on the local server's port. */
  function local(options: Partial<EgressOptions> & Pick<EgressOptions, 'lookup'>) {
    return guard({ allowedHosts: [...DEFAULT_ALLOWED_HOSTS, `*.atlassian.net:${port}`], ...options });
  }

  async function send(g: EgressGuard, url: string) {
    const http = new GuardedHttpClient({ guard: g, defaultTimeoutMs: 3000 });
    try {
      return await http.send({ method: 'GET', url });
    } finally {
      await http.close();
    }
  }

  it('a host resolving to 127.0.0.1: EGRESS_BLOCKED and the local server never sees a request', async () => {
    const before = hits;
    const { lookup } = table({ 'loop.atlassian.net': ['127.0.0.1'] });
    expect(await codeOf(send(local({ lookup }), `http://loop.atlassian.net:${port}/`))).toBe(
      'EGRESS_BLOCKED',
    );
    expect(hits).toBe(before);
    // With private egress allowed, the same request arrives.
    const answer = await send(local({ lookup, allowPrivate: true }), `http://loop.atlassian.net:${port}/`);
    expect(answer.status).toBe(200);
    expect(hits).toBe(before + 1);
  });

  it('a host outside the allow list: EGRESS_BLOCKED without a lookup', async () => {
    const { lookup, calls } = table({ 'localhost.example.com': ['127.0.0.1'] });
    expect(
      await codeOf(send(local({ lookup, allowPrivate: true }), `http://localhost.example.com:${port}/`)),
    ).toBe('EGRESS_BLOCKED');
    expect(calls).toEqual([]);
  });

  it('a pinned resolution is dialled without DNS, even to loopback', async () => {
    const before = hits;
    const { lookup, calls } = table({});
    const answer = await send(
      local({ lookup, resolve: { 'pinned.atlassian.net': '127.0.0.1' } }),
      `http://pinned.atlassian.net:${port}/`,
    );
    expect(answer.status).toBe(200);
    expect(hits).toBe(before + 1);
    expect(calls).toEqual([]);
  });

  it('DNS rebinding: a name that was public when checked and private when dialled is refused', async () => {
    const before = hits;
    let n = 0;
    const calls: string[] = [];
    const lookup = async (host: string): Promise<LookupAddress[]> => {
      calls.push(host);
      n += 1;
      return [{ address: n === 1 ? PUBLIC : '127.0.0.1', family: 4 }];
    };
    const g = local({ lookup });
    const url = `http://rebind.atlassian.net:${port}/`;
    // The runbook's DNS check sees the public answer…
    expect(await g.resolve(url)).toEqual({ host: 'rebind.atlassian.net', addresses: [PUBLIC] });
    // …but the connection uses its own, checked answer: loopback, refused, nothing reaches the server.
    expect(await codeOf(send(g, url))).toBe('EGRESS_BLOCKED');
    expect(hits).toBe(before);
    expect(calls).toEqual(['rebind.atlassian.net', 'rebind.atlassian.net']);
  });

  it('the address dialled is the one the guard checked (one lookup per connection, no second resolution)', async () => {
    const before = hits;
    const answers = ['127.0.0.1', '10.255.255.1'];
    const calls: string[] = [];
    const lookup = async (host: string): Promise<LookupAddress[]> => {
      calls.push(host);
      return [{ address: answers[Math.min(calls.length - 1, 1)]!, family: 4 }];
    };
    const answer = await send(local({ lookup, allowPrivate: true }), `http://dialled.atlassian.net:${port}/`);
    expect(answer.status).toBe(200);
    expect(hits).toBe(before + 1);
    expect(calls).toEqual(['dialled.atlassian.net']);
  });
});

describe('redirects to a metadata address', () => {
  let jira: JiraSim;

  beforeAll(async () => {
    jira = await new JiraSim([
      ({ path, res, site }) => {
        if (path === '/rest/api/2/serverInfo') {
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
          return true;
        }
        if (path === '/rest/api/2/myself') {
          res.writeHead(301, { location: 'https://internal.atlassian.net/rest/api/2/myself' }).end();
          return true;
        }
        if (path === '/rest/api/2/mypermissions' && site.host === 'acme.atlassian.net') {
          res
            .writeHead(302, { location: `${jira.siteUrl('other.atlassian.net')}/rest/api/2/mypermissions` })
            .end();
          return true;
        }
        if (path === '/hop') {
          res.writeHead(302, { location: '/status' }).end();
          return true;
        }
        return false;
      },
    ]).start();
    jira.addSite({ host: 'acme.atlassian.net', baseUrl: jira.siteUrl('acme.atlassian.net') });
    jira.addSite({ host: 'other.atlassian.net', baseUrl: jira.siteUrl('other.atlassian.net') });
  });

  afterAll(async () => {
    await jira?.stop();
  });

  function context(options: Partial<EgressOptions>) {
    const { lookup } = table({ 'internal.atlassian.net': ['10.1.2.3'] });
    const g = new EgressGuard({
      allowPrivate: false,
      resolve: { 'acme.atlassian.net': '127.0.0.1', 'other.atlassian.net': '127.0.0.1' },
      lookup,
      ...options,
      allowedHosts: [...(options.allowedHosts ?? DEFAULT_ALLOWED_HOSTS), ...jira.allowedHosts()],
    });
    const http = new GuardedHttpClient({ guard: g, defaultTimeoutMs: 3000 });
    const ctx: TestContext = {
      target: { label: 'acme', spec: adhocSpec(jira.siteUrl('acme.atlassian.net')) },
      http,
      egress: g,
      clock: systemClock,
      limits: DEFAULT_LIMITS,
      gatewayUrl: jira.gatewayUrl,
      facts: {},
      deadline: Date.now() + 20_000,
      now: () => Date.now(),
    };
    return { ctx, http };
  }

  const settings: Array<[string, Partial<EgressOptions>]> = [
    ['default settings', {}],
    ['private egress allowed', { allowPrivate: true }],
    [
      'every host and port allowed and private egress allowed',
      { allowedHosts: ['*', '*:80'], allowPrivate: true },
    ],
  ];

  for (const [name, options] of settings) {
    it(`callJira refuses a redirect to http://169.254.169.254/latest/meta-data (${name})`, async () => {
      const { ctx, http } = context(options);
      try {
        const failure = await callJira(ctx, { path: 'rest/api/2/serverInfo' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failure).toBeInstanceOf(NetFailure);
        expect((failure as NetFailure).code).toBe('EGRESS_BLOCKED');
        expect((failure as NetFailure).message).toMatch(/169\.254\.169\.254/);
      } finally {
        await http.close();
      }
    });
  }

  it('a redirect to an allowed name that resolves privately is refused too, unless private egress is allowed', async () => {
    for (const [allowPrivate, expected] of [
      [false, 'EGRESS_BLOCKED'],
      [true, 'allowed'],
    ] as const) {
      const { ctx, http } = context({ allowPrivate });
      try {
        expect(await codeOf(callJira(ctx, { path: 'rest/api/2/myself' }))).toBe(expected);
      } finally {
        await http.close();
      }
    }
  });

  it('a redirect to another allowed host is returned, not followed; one within the origin is followed', async () => {
    const { ctx, http } = context({});
    try {
      const other = jira.sites.get('other.atlassian.net')!;
      const moved = await callJira(ctx, { path: 'rest/api/2/mypermissions' });
      expect(moved.status).toBe(302);
      expect(other.hits.size).toBe(0);
      const hop = await callJira(ctx, { path: 'hop' });
      expect(hop.status).toBe(200);
      expect(hop.url).toMatch(/\/status$/);
    } finally {
      await http.close();
    }
  });

  it('through the runbook: the server-info check fails with EGRESS_BLOCKED', async () => {
    const { ctx, http } = context({ allowPrivate: true });
    try {
      const results = await runChecks(JIRA_CHECKS, ctx);
      const server = results.find((r) => r.id === 'server');
      expect(server).toMatchObject({ status: 'fail', code: 'EGRESS_BLOCKED' });
      expect(results.find((r) => r.id === 'reach')?.status).toBe('pass');
    } finally {
      await http.close();
    }
  });
});
