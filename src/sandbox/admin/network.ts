/**
 * The sandbox's network: its name service is the bot's pinned resolutions (config.egress.resolve, changed here in
 * place: the egress guard reads them at every lookup) and nothing else — a name no pin matches does not resolve,
 * so the sandbox never reaches a real host. It can also drop one host's name (DNS_FAILURE) and serve HTTPS with a
 * certificate nobody trusts (TLS_FAILURE). That HTTPS server listens on a port of its own, which the egress guard
 * admits only as a `host:port` entry: the sandbox starts it up front to know the port (allowedHosts()).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { matchHost } from '../../atlassian/egress.js';

/** The sandbox's lookup for names no pin matches: none resolves. */
export async function sandboxLookup(host: string): Promise<LookupAddress[]> {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
}

export class SandboxNetwork {
  private readonly original: Array<[string, string]>;
  private readonly unresolvable = new Set<string>();
  private tls?: Promise<{ server: Server; port: number }>;

  /** `pins` is the live object the egress guard reads; `knownHosts` lists every simulated host name. */
  constructor(
    private readonly pins: Record<string, string>,
    private readonly knownHosts: () => string[],
  ) {
    this.original = Object.entries(pins);
  }

  dnsBroken(host: string): boolean {
    return this.unresolvable.has(host.toLowerCase());
  }

  /** The host's name stops resolving (its DNS record is gone). */
  breakDns(host: string): void {
    this.unresolvable.add(host.toLowerCase());
    this.rebuild();
  }

  repairDns(host: string): void {
    this.unresolvable.delete(host.toLowerCase());
    this.rebuild();
  }

  /**
   * Pins are matched in order and a wildcard cannot be told to skip one name: while any name is dropped, every
   * other known host gets a pin of its own and the wildcards covering a dropped name are left out.
   */
  private rebuild(): void {
    for (const key of Object.keys(this.pins)) delete this.pins[key];
    if (this.unresolvable.size === 0) {
      for (const [pattern, address] of this.original) this.pins[pattern] = address;
      return;
    }
    const dropped = [...this.unresolvable];
    for (const host of this.knownHosts()) {
      if (!this.unresolvable.has(host)) this.pins[host] = '127.0.0.1';
    }
    for (const [pattern, address] of this.original) {
      if (!dropped.some((host) => matchHost(pattern.toLowerCase(), host))) this.pins[pattern] = address;
    }
  }

  /** An HTTPS origin for `host` whose certificate is self-signed (started on first use). */
  async untrustedOrigin(host: string): Promise<string> {
    return `https://${host}:${await this.tlsPort()}`;
  }

  /** ALIGN_BOT_ALLOWED_HOSTS entries for the untrusted HTTPS server (starts it): Jira sites only, on its port. */
  async allowedHosts(): Promise<string[]> {
    return [`*.atlassian.net:${await this.tlsPort()}`];
  }

  private async tlsPort(): Promise<number> {
    this.tls ??= startUntrustedServer();
    return (await this.tls).port;
  }

  async stop(): Promise<void> {
    const tls = await this.tls;
    if (!tls) return;
    tls.server.closeAllConnections();
    await new Promise((resolve) => tls.server.close(resolve));
  }
}

async function startUntrustedServer(): Promise<{ server: Server; port: number }> {
  const server = createServer(selfSigned('*.atlassian.net'), (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"RUNNING"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A certificate for `host` signed by its own key, as an internal CA's would look to anyone else. */
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
  cert.validity.notAfter = new Date(Date.now() + 30 * 24 * 3600_000);
  const subject = [{ name: 'commonName', value: host }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: host }] }]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}
