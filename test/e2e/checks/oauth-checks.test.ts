/**
 * The OAuth checks end to end: `align-bot test … --consumer-key K --public-key-file F --json` in-process against
 * the Jira simulator's OAuth provider, one row per code a remote answer or a pasted key can cause, plus the
 * stored-access-token check with and without the consumer's private key. Everything the CLI printed is then
 * searched for every private key and token the suite used.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, type TestReport, testCommand } from '../../../src/cli/test-command.js';
import { loadConfig } from '../../../src/config.js';
import type { TestTarget } from '../../../src/core/connector-spec.js';
import { runChecks } from '../../../src/core/runbooks/checks/run-checks.js';
import { testChecks } from '../../../src/core/runbooks/test.js';
import { Secret } from '../../../src/core/secret.js';
import { JiraSim } from '../../../src/sandbox/jira-sim.js';
import { oauthState } from '../../../src/sandbox/oauth-provider.js';
import { testContextFactory } from '../../../src/services.js';
import { VECTOR_A, VECTOR_B } from '../../fixtures/oauth-vectors.js';
import { writeConnectors } from '../../helpers/bot.js';
import { recordOutput, registerSecret } from '../../helpers/leaks.js';
import { addOAuthSite, type OAuthSite, rsaPair } from '../../helpers/oauth-site.js';

const KEY = 'jira-align-acme';
let jira: JiraSim;
let dir: string;
/** Everything any CLI run printed. */
const printed: string[] = [];
/** Every secret the suite handed to the bot. */
const secrets: string[] = [VECTOR_A.privateKey, VECTOR_B.privateKey];
const sites: Record<string, OAuthSite> = {};

beforeAll(async () => {
  jira = await new JiraSim().start();
  dir = mkdtempSync(join(tmpdir(), 'align-bot-oauth-'));
  sites.known = addOAuthSite(jira, 'oauth-known.atlassian.net', KEY);
  sites.unknown = addOAuthSite(jira, 'oauth-unknown.atlassian.net', undefined);
  sites.skewed = addOAuthSite(jira, 'oauth-skewed.atlassian.net', KEY);
  sites.skewed.site.fault = 'clock-skew';
  sites.skewed.site.clockSkewMs = 11 * 60_000;
  for (const s of Object.values(sites)) secrets.push(s.privatePem);
});

afterAll(async () => {
  await jira.stop();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ALIGN_BOT_RESOLVE: `*.atlassian.net=127.0.0.1,${jira.gatewayHost}=127.0.0.1`,
    ALIGN_BOT_ALLOWED_HOSTS: jira.allowedHosts().join(','),
    ALIGN_BOT_ATLASSIAN_API_URL: jira.gatewayUrl,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function cli(argv: string[], extraEnv: Record<string, string> = {}) {
  const all = env(extraEnv);
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), env: all };
  const exit = await testCommand([...argv, '--json'], loadConfig(all as NodeJS.ProcessEnv), io);
  printed.push(...out, ...err);
  expect(err.join('')).toBe('');
  const report = JSON.parse(out.join('')) as TestReport;
  return { exit, report, check: (id: string) => report.checks.find((c) => c.id === id)! };
}

function probe(s: OAuthSite, key = KEY, more: string[] = []) {
  return cli(['--jira', s.url, '--consumer-key', key, ...more]);
}

describe('align-bot test --consumer-key against the OAuth provider', () => {
  it('OAUTH_CONSUMER_KEY_UNKNOWN when no application link has the key', async () => {
    const { exit, check } = await probe(sites.unknown!);
    expect(check('oauth-consumer')).toMatchObject({ status: 'fail', code: 'OAUTH_CONSUMER_KEY_UNKNOWN' });
    expect(check('oauth-consumer').hint).toBeTruthy();
    expect(exit).toBe(1);
    expect(sites.unknown!.site.hits.get('/plugins/servlet/oauth/request-token')).toBeGreaterThan(0);
  });

  it('pass when the key is registered, saying the public key is proven only by Align’s Authorize step', async () => {
    const { exit, report, check } = await probe(sites.known!);
    const c = check('oauth-consumer');
    expect(c.status).toBe('pass');
    expect(c.code).toBeUndefined();
    expect(c.detail).toMatch(/signature_invalid/);
    expect(c.detail).toContain('Authorize Jira OAuth Access');
    expect(check('oauth-key-format').status).toBe('pass');
    expect(report.checks.map((x) => x.id)).toContain('oauth-token');
    expect(check('oauth-token').status).toBe('skip');
    expect(exit).toBe(0);
  });

  it('OAUTH_TIMESTAMP_REFUSED with the measured skew', async () => {
    const { check } = await probe(sites.skewed!);
    const c = check('oauth-consumer');
    expect(c).toMatchObject({ status: 'fail', code: 'OAUTH_TIMESTAMP_REFUSED' });
    const seconds = Number(/clock is (\d+) s ahead/.exec(c.detail ?? '')?.[1]);
    expect(Math.abs(seconds - 660)).toBeLessThan(30);
    expect(c.detail).toContain('oauth_acceptable_timestamps');
  });

  it('OAUTH_SIGNATURE_INVALID (warning) when Jira, behind a proxy, signs for another URL than the one called', async () => {
    const s = addOAuthSite(jira, 'oauth-proxied.atlassian.net', KEY);
    secrets.push(s.privatePem);
    oauthState(s.site).seenOrigin = 'https://jira.internal:8443';
    const { check, exit } = await probe(s);
    const c = check('oauth-consumer');
    expect(c).toMatchObject({ status: 'warn', code: 'OAUTH_SIGNATURE_INVALID' });
    expect(c.detail).toContain(
      'Jira sees the URL as https://jira.internal:8443/plugins/servlet/oauth/request-token',
    );
    expect(c.detail).toContain('Jira knows the consumer key');
    expect(exit).toBe(0);
  });

  it('OAUTH_CONSUMER_KEY_INVALID for a key with spaces or symbols, with a valid suggestion', async () => {
    const { check } = await probe(sites.unknown!, 'Jira Align!');
    const c = check('oauth-key-format');
    expect(c).toMatchObject({ status: 'fail', code: 'OAUTH_CONSUMER_KEY_INVALID' });
    expect(c.detail).toContain('a space');
    expect(c.detail).toContain('jira-align');
  });
});

describe('align-bot test --public-key-file', () => {
  const keyRun = (text: string, name: string) =>
    probe(sites.known!, KEY, ['--public-key-file', file(name, text)]);

  it('pass for a 2048-bit SPKI key, with its SHA256: fingerprint', async () => {
    const pair = rsaPair(2048);
    const { check } = await keyRun(pair.spkiPem, 'good.pem');
    expect(check('oauth-public-key').status).toBe('pass');
    expect(check('oauth-public-key').detail).toMatch(
      /SHA256:([0-9a-f]{2}:){31}[0-9a-f]{2} \(SHA-256 of the SubjectPublicKeyInfo\)/,
    );
  });

  it('OAUTH_PUBLIC_KEY_MALFORMED for garbage', async () => {
    const { check, exit } = await keyRun('this is not a key\n', 'garbage.pem');
    expect(check('oauth-public-key')).toMatchObject({ status: 'fail', code: 'OAUTH_PUBLIC_KEY_MALFORMED' });
    expect(exit).toBe(1);
  });

  it('OAUTH_PRIVATE_KEY_PASTED for a private key, which never shows up in the output', async () => {
    for (const [name, pem] of [
      ['a.pem', VECTOR_A.privateKey],
      ['b.pem', VECTOR_B.privateKey],
    ] as const) {
      const { check } = await keyRun(pem, name);
      expect(check('oauth-public-key')).toMatchObject({ status: 'fail', code: 'OAUTH_PRIVATE_KEY_PASTED' });
    }
  });

  it('OAUTH_KEY_TOO_SMALL: a warning at 1024 bits, a failure below', async () => {
    const small = await keyRun(rsaPair(1024).spkiPem, 'small.pem');
    expect(small.check('oauth-public-key')).toMatchObject({ status: 'warn', code: 'OAUTH_KEY_TOO_SMALL' });
    expect(small.exit).toBe(0);
    const tiny = await keyRun(rsaPair(512).spkiPem, 'tiny.pem');
    expect(tiny.check('oauth-public-key')).toMatchObject({ status: 'fail', code: 'OAUTH_KEY_TOO_SMALL' });
  });
});

describe('a stored access token (connectors file)', () => {
  async function tokenRun(s: OAuthSite, token: string, name: string) {
    const variable = `T_${name.toUpperCase().replace(/-/g, '_')}_OAUTH`;
    secrets.push(token);
    const connectors = writeConnectors([
      {
        name,
        jira: s.url,
        auth: 'oauth',
        consumerKey: s.consumerKey,
        secrets: { oauthAccessToken: { env: variable } },
      },
    ]);
    return cli([name], { ALIGN_BOT_CONNECTORS_FILE: connectors, [variable]: token });
  }

  it('OAUTH_TOKEN_REJECTED for a revoked token', async () => {
    const s = sites.known!;
    const token = oauthState(s.site).issueAccessToken(s.consumerKey, s.account.email);
    oauthState(s.site).revoke(token);
    const { check, exit } = await tokenRun(s, token, 'revoked');
    expect(check('oauth-token')).toMatchObject({ status: 'fail', code: 'OAUTH_TOKEN_REJECTED' });
    expect(exit).toBe(1);
  });

  it('a live token, without the consumer’s private key: pass, Jira knows the token', async () => {
    const s = sites.known!;
    const token = oauthState(s.site).issueAccessToken(s.consumerKey, s.account.email);
    const { check } = await tokenRun(s, token, 'live');
    expect(check('oauth-token').status).toBe('pass');
    expect(check('oauth-token').detail).toMatch(/knows this access token/);
  });
});

describe('a stored access token with the consumer’s private key (check level)', () => {
  async function run(s: OAuthSite, token: string, privatePem: string) {
    const config = loadConfig(env() as NodeJS.ProcessEnv);
    const target: TestTarget = {
      label: 'bot-link',
      spec: {
        name: 'bot-link',
        jira: { url: s.url, kind: 'cloud' },
        auth: 'oauth',
        oauth: { tokenConsumerKey: s.consumerKey },
      },
      oauthAccessToken: new Secret(token),
      oauthPrivateKey: new Secret(privatePem),
    };
    const results = await runChecks(testChecks(target), testContextFactory(config)(target, {}));
    printed.push(JSON.stringify(results));
    return results.find((r) => r.id === 'oauth-token')!;
  }

  it('pass: Jira answers myself as the account that authorized the token', async () => {
    const s = sites.known!;
    const token = oauthState(s.site).issueAccessToken(s.consumerKey, s.account.email);
    secrets.push(token);
    const result = await run(s, token, s.privatePem);
    expect(result.status).toBe('pass');
    expect(result.detail).toContain(s.account.displayName);
  });

  it('OAUTH_SIGNATURE_INVALID when the private key does not match the link’s public key', async () => {
    const s = sites.known!;
    const token = oauthState(s.site).issueAccessToken(s.consumerKey, s.account.email);
    const wrong = rsaPair(1024).privatePem;
    secrets.push(token, wrong);
    const result = await run(s, token, wrong);
    expect(result).toMatchObject({ status: 'fail', code: 'OAUTH_SIGNATURE_INVALID' });
    expect(result.detail).toMatch(/same base string, so the private key does not match/);
  });

  it('OAUTH_TOKEN_REJECTED after the link’s key changed', async () => {
    const s = addOAuthSite(jira, 'oauth-rekeyed.atlassian.net', KEY);
    const token = oauthState(s.site).issueAccessToken(s.consumerKey, s.account.email);
    secrets.push(token, s.privatePem);
    s.site.appLinks[0]!.consumer!.publicKey = rsaPair(1024).spkiBase64;
    const result = await run(s, token, s.privatePem);
    expect(result).toMatchObject({ status: 'fail', code: 'OAUTH_TOKEN_REJECTED' });
  });
});

describe('no secret in any output', () => {
  it('no private key, no body line of one, and no token appears in what the CLI and the checks printed', () => {
    expect(printed.length).toBeGreaterThan(10);
    for (const s of secrets) registerSecret(s, 'oauth-checks secret');
    recordOutput('CLI test command (oauth-checks)', printed.join('\n'));
    const all = printed.join('\n');
    for (const secret of secrets) {
      expect(all).not.toContain(secret.trim());
      for (const line of secret.split('\n').filter((l) => l.length >= 32 && !l.startsWith('-----')))
        expect(all).not.toContain(line);
    }
    expect(all).not.toMatch(/PRIVATE KEY/);
  });
});
