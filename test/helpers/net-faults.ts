/**
 * Network faults on real loopback sockets: an HTTPS server with a self-signed certificate (TLS_FAILURE), a TCP
 * server that accepts and never says a word (TIMEOUT), a plain HTTP server, and a port nobody listens on
 * (CONNECTION_REFUSED).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import forge from 'node-forge';
import { registerSecret } from './leaks.js';
import { freePort } from './process.js';

/** A self-signed certificate for `host`, made with node-forge over a node:crypto key pair. */
export function selfSigned(host: string): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  registerSecret(privateKey, `TLS key of ${host}`);
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

export async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export interface FaultServers {
  /** The certificate the HTTPS server presents (self-signed for `tlsHost`). */
  tls: { key: string; cert: string };
  httpsPort: number;
  silentPort: number;
  plainPort: number;
  closedPort: number;
  /** ALIGN_BOT_ALLOWED_HOSTS entries admitting `pattern` on each of these ports (none is HTTPS on 443). */
  allowedHosts(pattern?: string): string;
  stop(): Promise<void>;
}

const RUNNING = '{"state":"RUNNING"}';

/** Starts all of them on 127.0.0.1; the HTTPS and plain servers answer `{"state":"RUNNING"}` to anything. */
export async function startFaultServers(tlsHost: string): Promise<FaultServers> {
  const tls = selfSigned(tlsHost);
  const https = createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(RUNNING);
  });
  const sockets = new Set<Socket>();
  const silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const plain = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(RUNNING);
  });
  const ports = {
    httpsPort: await listen(https),
    silentPort: await listen(silent),
    plainPort: await listen(plain),
    closedPort: await freePort(),
  };
  return {
    tls,
    ...ports,
    allowedHosts: (pattern = '*.atlassian.net') =>
      Object.values(ports)
        .map((port) => `${pattern}:${port}`)
        .join(','),
    async stop() {
      for (const socket of sockets) socket.destroy();
      https.closeAllConnections();
      plain.closeAllConnections();
      await Promise.all(
        [https, silent, plain].map((s) => new Promise((resolve) => s.close(() => resolve(undefined)))),
      );
    },
  };
}
