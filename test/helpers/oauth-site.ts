/** A simulated Jira site with an application link whose incoming OAuth consumer is Jira Align's (or the bot's). */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { request } from 'node:http';
import type { JiraSim } from '../../src/sandbox/jira-sim.js';
import type { JiraSite, SimAccount } from '../../src/sandbox/jira-site.js';
import { registerSecret } from './leaks.js';

export interface OAuthSite {
  site: JiraSite;
  url: string;
  account: SimAccount;
  consumerKey: string;
  privateKey: KeyObject;
  privatePem: string;
}

export function rsaPair(bits = 2048) {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    privateKey: pair.privateKey,
    privatePem: registerSecret(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'RSA key'),
    spkiPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    spkiBase64: (pair.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
  };
}

/** `consumerKey` undefined: the link exists but has no incoming consumer. */
export function addOAuthSite(
  jira: JiraSim,
  host: string,
  consumerKey: string | undefined,
  keys = rsaPair(),
): OAuthSite {
  const site = jira.addSite({ host, baseUrl: jira.siteUrl(host) });
  const account = site.addAccount({
    email: `svc@${host}`,
    token: registerSecret(`tok-${host}`, `Jira token of ${host}`),
    accountType: 'app',
    appType: 'service',
  });
  const link = site.addAppLink('https://acme.jiraalign.com');
  // Jira stores what was pasted: here the bare base64 body, as the applinks REST API takes it.
  if (consumerKey) link.consumer = { key: consumerKey, name: 'Jira Align', publicKey: keys.spkiBase64 };
  return {
    site,
    url: jira.siteUrl(host),
    account,
    consumerKey: consumerKey ?? '',
    privateKey: keys.privateKey,
    privatePem: keys.privatePem,
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP call to the simulator with the site's Host header (no egress guard: this is the test's side). */
export function rawCall(
  jira: JiraSim,
  host: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: jira.port,
        method,
        path,
        headers: { host: `${host}:${jira.port}`, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
