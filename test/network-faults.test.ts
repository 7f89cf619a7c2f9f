/**
 * Network faults through the CLI's test command and the runbook, against real sockets on loopback: a self-signed
 * certificate (TLS_FAILURE), a server that never answers (TIMEOUT), a closed port (CONNECTION_REFUSED), a name
 * under .invalid (DNS_FAILURE), and the egress guard refusing loopback unless private egress is allowed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressGuard } from '../src/atlassian/egress.js';
import { GuardedHttpClient } from '../src/atlassian/http.js';
import { type TestReport, testCommand } from '../src/cli/test-command.js';
import { loadConfig } from '../src/config.js';
import { freePort } from './helpers/process.js';

/** A self-signed certificate for `host`, made with node-forge over a node:crypto key pair. */
function selfSigned(host: string): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const subject = [{ name: 'commonName', value: host }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: host }] }]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}

const TLS_HOST = 'tls.atlassian.net';
let tls: { key: string; cert: string };
let httpsServer: Server;
let httpsPort: number;
let silent: TcpServer;
let silentPort: number;
const silentSockets = new Set<Socket>();
let plain: Server;
let plainPort: number;
let closedPort: number;

beforeAll(async () => {
  tls = selfSigned(TLS_HOST);
  httpsServer = createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"RUNNING"}');
  });
  httpsPort = await listen(httpsServer);
  // Accepts connections and never says a word.
  silent = createTcpServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  silentPort = await listen(silent);
  plain = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"RUNNING"}');
  });
  plainPort = await listen(plain);
  closedPort = await freePort();
});

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  httpsServer?.closeAllConnections();
  plain?.closeAllConnections();
  await Promise.all(
    [httpsServer, silent, plain].map((s) => new Promise((r) => s?.close(() => r(undefined)))),
  );
});

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Runs `align-bot test <args> --json` in-process with its own environment. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const full = {
    ALIGN_BOT_RESOLVE: '*.atlassian.net=127.0.0.1',
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
      allowedHosts: ['*.atlassian.net'],
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
    const blocked = await cli(['--jira', url], { ALIGN_BOT_ALLOWED_HOSTS: '127.0.0.1' });
    expect(blocked.code).toBe(1);
    expect(blocked.byId.get('dns')).toMatchObject({ status: 'fail', code: 'EGRESS_BLOCKED' });
    const allowed = await cli(['--jira', url], {
      ALIGN_BOT_ALLOWED_HOSTS: '127.0.0.1',
      ALIGN_BOT_ALLOW_PRIVATE_EGRESS: 'true',
    });
    expect(allowed.byId.get('dns')?.status).toBe('pass');
    expect(allowed.byId.get('reach')?.status).toBe('pass');
  });
});
