/**
 * The secret-leak check itself (test/helpers/leaks.ts): the searcher finds a secret in each form it can take in
 * output, and the errors the bot throws with secrets in reach (NetFailure, OAuthSigningError, VaultError,
 * ConfigError, a connectors-file usage error) are provoked and recorded, so the suite-wide check at the end of the
 * run searches their messages, stacks and properties too. This file also searches its own output right away.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressGuard } from '../../../src/atlassian/egress.js';
import { GuardedHttpClient } from '../../../src/atlassian/http.js';
import { NodeOAuth, OAuthSigningError } from '../../../src/atlassian/oauth-adapter.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { NetFailure } from '../../../src/core/ports.js';
import { Secret } from '../../../src/core/secret.js';
import { oauthState } from '../../../src/sandbox/oauth-provider.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { Vault, VaultError } from '../../../src/store/vault.js';
import { writeConnectors } from '../../helpers/bot.js';
import { CliWorld } from '../../helpers/cli-world.js';
import {
  type Artifact,
  currentArtifact,
  findLeaks,
  formsOf,
  recordError,
  registerSecret,
} from '../../helpers/leaks.js';
import { type FaultServers, startFaultServers } from '../../helpers/net-faults.js';
import { addOAuthSite, rsaPair } from '../../helpers/oauth-site.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';

const TLS_HOST = 'leak-tls.atlassian.net';
const KEY = 'jira-align-leaks';

let w: CliWorld;
let net: FaultServers;

beforeAll(async () => {
  w = await CliWorld.start();
  net = await startFaultServers(TLS_HOST);
});

afterAll(async () => {
  await Promise.all([w?.stop(), net?.stop()]);
});

function leaksIn(secret: string, text: string) {
  const artifact: Artifact = { file: 'x', secrets: [{ label: 's', value: secret }], outputs: { out: text } };
  return findLeaks([artifact]).map((l) => l.form);
}

describe('the searcher', () => {
  const token = 'ATATT3xFfGF0-Zq|w~h<1p7Fj$z]tR@F&qT7b';

  it('finds a token inside a Basic header, whatever the length of the user name before it', () => {
    for (const user of ['a', 'ab', 'abc', 'svc@acme.example']) {
      const header = `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
      expect(leaksIn(token, `sent ${header}`).length, user).toBeGreaterThan(0);
    }
  });

  it('finds it raw, JSON-escaped, URL-encoded and form-encoded, and not where it is absent', () => {
    expect(leaksIn(token, `x ${token} y`)).toContain('raw');
    expect(leaksIn(token, JSON.stringify({ detail: `${token}"` }))).toContain('raw');
    expect(leaksIn('a"quoted\\secret', JSON.stringify({ v: 'a"quoted\\secret' }))).toContain('json');
    expect(leaksIn(token, `?t=${encodeURIComponent(token)}`)).toContain('uri');
    expect(leaksIn(`${token} two`, new URLSearchParams({ t: `${token} two` }).toString())).toContain('form');
    expect(leaksIn(token, `Basic ${Buffer.from('svc:ATATT3xFfGF0-Zq').toString('base64')}`)).toEqual([]);
  });

  it('finds a private key by any of its body lines, and by its body on one line', () => {
    const pem = rsaPair(1024).privatePem;
    const lines = pem.trim().split('\n');
    expect(leaksIn(pem, `…${lines[5]}…`)).toContain('line 5');
    expect(leaksIn(pem, JSON.stringify({ key: lines.slice(1, 3).join('') }))).toContain('body');
    const full = lines.filter((l) => l.length === 64);
    expect(full.length).toBeGreaterThan(10);
    for (const line of full) expect(leaksIn(pem, `x${line}x`).length).toBeGreaterThan(0);
    expect(formsOf(pem).get('raw')).toBe(pem.trim());
  });

  it('ignores values too short to be told from ordinary text', () => {
    expect(leaksIn(registerSecret('short'), 'a short text')).toEqual([]);
  });
});

/** The Error the bot threw, recorded for the leak check; the test fails when nothing is thrown. */
async function thrown(name: string, provoke: () => Promise<unknown>): Promise<Error> {
  let error: Error | undefined;
  try {
    await provoke();
  } catch (e) {
    error = e as Error;
  }
  if (!error) throw new Error(`${name}: nothing was thrown`);
  recordError(`thrown: ${name}`, error);
  return error;
}

describe('errors the bot throws, with secrets in reach, go to the leak check', () => {
  const password = registerSecret(
    `pw-${randomBytes(12).toString('base64url')}`,
    'Basic password (thrown errors)',
  );
  const basic = { scheme: 'basic' as const, user: 'svc@leak.example', secret: new Secret(password) };

  it('NetFailure for each network fault, on a request carrying Basic credentials', async () => {
    const guard = new EgressGuard({
      allowedHosts: ['*.atlassian.net', '*.invalid', ...net.allowedHosts().split(',')],
      allowPrivate: false,
      resolve: { '*.atlassian.net': '127.0.0.1' },
    });
    const http = new GuardedHttpClient({ guard, defaultTimeoutMs: 400 });
    const cases: Array<[string, string]> = [
      ['TLS_FAILURE', `https://${TLS_HOST}:${net.httpsPort}/rest/api/2/myself`],
      ['TIMEOUT', `http://leak-silent.atlassian.net:${net.silentPort}/rest/api/2/myself`],
      ['CONNECTION_REFUSED', `http://leak-closed.atlassian.net:${net.closedPort}/rest/api/2/myself`],
      ['DNS_FAILURE', 'https://jira.leak.invalid/rest/api/2/myself'],
      ['EGRESS_BLOCKED', 'http://169.254.169.254/latest/meta-data/'],
    ];
    try {
      for (const [code, url] of cases) {
        const error = await thrown(code, () => http.send({ method: 'GET', url, auth: basic }));
        expect(error).toBeInstanceOf(NetFailure);
        expect((error as NetFailure).code).toBe(code);
      }
    } finally {
      await http.close();
    }
  });

  it('OAuthSigningError for a private key that is not RSA, with an access token to sign', async () => {
    const ec = registerSecret(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string,
      'EC private key',
    );
    const token = registerSecret(randomBytes(16).toString('hex'), 'OAuth access token (thrown errors)');
    const error = await thrown('OAuthSigningError', () =>
      new NodeOAuth().sign({
        method: 'GET',
        url: 'https://leak.atlassian.net/rest/api/2/myself',
        consumerKey: KEY,
        token: new Secret(token),
        privateKey: new Secret(ec),
      }),
    );
    expect(error).toBeInstanceOf(OAuthSigningError);
  });

  it('OAuthSigningError through the CLI: the bot’s own link with an unreadable private key', async () => {
    const s = addOAuthSite(w.jira, 'leak-badkey.atlassian.net', KEY);
    const token = oauthState(s.site).issueAccessToken(KEY, s.account.email);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const file = writeConnectors([
      {
        name: 'leak-badkey',
        jira: s.url,
        auth: 'oauth',
        tokenConsumerKey: KEY,
        secrets: {
          oauthAccessToken: { env: w.secret('leak_badkey_token', token) },
          oauthPrivateKey: { env: w.secret('leak_badkey_private', ec as string) },
        },
      },
    ]);
    const run = await w.run(['leak-badkey'], { ALIGN_BOT_CONNECTORS_FILE: file });
    expect(run.check('oauth-token')).toMatchObject({ status: 'fail', code: 'OAUTH_SIGNATURE_INVALID' });
    expect(run.check('oauth-token').detail).toMatch(
      /could not sign the request: The OAuth private key cannot be read/,
    );
  });

  it('VaultError for a record read with the wrong master key', async () => {
    const prefix = testPrefix('diagtable');
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const masterKey = () => ({
      id: 'k1',
      key: Buffer.from(registerSecret(randomBytes(32).toString('base64'), 'master key'), 'base64'),
    });
    try {
      const value = registerSecret(`ATATT3x${randomBytes(20).toString('base64url')}`, 'vaulted token');
      const id = await new Vault(redis, new RedisKeys(prefix), [masterKey()]).put(
        new Secret(value),
        'a token',
      );
      const error = await thrown('VaultError', () =>
        new Vault(redis, new RedisKeys(prefix), [masterKey()]).get(id),
      );
      expect(error).toBeInstanceOf(VaultError);
    } finally {
      redis.disconnect();
      await deleteKeys(prefix);
    }
  });

  it('ConfigError for a master key of the wrong length', async () => {
    const short = registerSecret(randomBytes(31).toString('base64'), 'short master key');
    const error = await thrown('ConfigError', async () =>
      loadConfig({ ALIGN_BOT_MASTER_KEY: `k1:${short}` }),
    );
    expect(error).toBeInstanceOf(ConfigError);
  });

  it('a usage error for a connectors file holding the token itself instead of where to read it', async () => {
    const token = registerSecret(`ATATT3x${randomBytes(20).toString('base64url')}`, 'token pasted into YAML');
    const file = writeConnectors([
      {
        name: 'leak-inline',
        jira: 'https://leak-inline.atlassian.net',
        email: 'a@b.example',
        secrets: { jira: token },
      },
    ]);
    const error = await thrown('connectors file', () =>
      w.run(['leak-inline'], { ALIGN_BOT_CONNECTORS_FILE: file }),
    );
    expect(error.message).toMatch(/^usage error: .*connectors\.yaml: connectors\.0\.secrets\.jira: /);
  });
});

describe('this file’s own output', () => {
  it('holds none of the secrets registered here (the suite-wide check searches everything again)', () => {
    const artifact = currentArtifact('secret-leaks.test.ts');
    expect(artifact.secrets.length).toBeGreaterThan(8);
    expect(Object.keys(artifact.outputs)).toEqual(
      expect.arrayContaining(['CLI test command', 'thrown: OAuthSigningError', 'thrown: VaultError']),
    );
    expect(
      findLeaks([artifact]).map((l) => `${l.source}: ${l.form} form of ${l.secret.slice(0, 6)}…`),
    ).toEqual([]);
  });
});
