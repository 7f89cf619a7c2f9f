/**
 * The simulator's OAuth 1.0a provider over real loopback HTTP: the three-legged dance, OAuth-signed REST, and the
 * net.oauth answers (status map, WWW-Authenticate, form bodies, echoed base string, timestamp window, nonce
 * replay, revoked tokens) of reference/atlassian.md §3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../../src/atlassian/oauth-signer.js';
import { JiraSim } from '../../../src/sandbox/jira-sim.js';
import { approveRequestToken, oauthState } from '../../../src/sandbox/oauth-provider.js';
import { addOAuthSite, type OAuthSite, type RawAnswer, rawCall, rsaPair } from '../../helpers/oauth-site.js';

const HOST = 'oauth-provider.atlassian.net';
let jira: JiraSim;
let s: OAuthSite;

beforeAll(async () => {
  jira = await new JiraSim().start();
  s = addOAuthSite(jira, HOST, 'jira-align-acme');
});

afterAll(async () => {
  await jira.stop();
});

const REQUEST_TOKEN = '/plugins/servlet/oauth/request-token';
const ACCESS_TOKEN = '/plugins/servlet/oauth/access-token';
const MYSELF = '/rest/api/2/myself';

function sign(
  method: string,
  path: string,
  extra: {
    token?: string;
    oauthParams?: Record<string, string>;
    key?: OAuthSite['privateKey'];
    consumerKey?: string;
    timestamp?: number;
    nonce?: string;
  } = {},
) {
  return signRequest({
    method,
    url: `${s.url}${path}`,
    consumerKey: extra.consumerKey ?? s.consumerKey,
    privateKey: extra.key ?? s.privateKey,
    ...(extra.token ? { token: extra.token } : {}),
    ...(extra.oauthParams ? { oauthParams: extra.oauthParams } : {}),
    ...(extra.timestamp ? { timestamp: extra.timestamp } : {}),
    ...(extra.nonce ? { nonce: extra.nonce } : {}),
  });
}

async function signedCall(method: string, path: string, extra: Parameters<typeof sign>[2] = {}) {
  const signed = sign(method, path, extra);
  const answer = await rawCall(jira, HOST, method, path, { authorization: signed.authorization });
  return { signed, answer };
}

function form(answer: RawAnswer): URLSearchParams {
  expect(answer.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  return new URLSearchParams(answer.body);
}

function expectProblem(answer: RawAnswer, status: number, problem: string): URLSearchParams {
  expect(answer.status).toBe(status);
  const params = form(answer);
  expect(params.get('oauth_problem')).toBe(problem);
  const challenge = String(answer.headers['www-authenticate']);
  expect(challenge).toMatch(new RegExp(`^OAuth realm="${s.site.baseUrl}", oauth_problem="${problem}"`));
  return params;
}

async function dance(): Promise<string> {
  const rt = await signedCall('POST', REQUEST_TOKEN, { oauthParams: { oauth_callback: 'oob' } });
  expect(rt.answer.status).toBe(200);
  const temp = form(rt.answer);
  expect(temp.get('oauth_callback_confirmed')).toBe('true');
  const requestToken = temp.get('oauth_token')!;
  // The authorize page, as the service account logged into Jira: Allow.
  const basic = `Basic ${Buffer.from(`${s.account.email}:${s.account.token}`).toString('base64')}`;
  const pageAnswer = await rawCall(
    jira,
    HOST,
    'GET',
    `/plugins/servlet/oauth/authorize?oauth_token=${requestToken}`,
    { authorization: basic },
  );
  expect(pageAnswer.body).toContain('name="approve"');
  const allowed = await rawCall(
    jira,
    HOST,
    'POST',
    '/plugins/servlet/oauth/authorize',
    { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    `oauth_token=${requestToken}&approve=Allow`,
  );
  const verifier = /id="oauth_verifier">([0-9a-f]+)</.exec(allowed.body)?.[1];
  expect(verifier).toBeDefined();
  const at = await signedCall('POST', ACCESS_TOKEN, {
    token: requestToken,
    oauthParams: { oauth_verifier: verifier! },
  });
  expect(at.answer.status).toBe(200);
  const access = form(at.answer);
  expect(access.get('oauth_expires_in')).toBe('157680000');
  return access.get('oauth_token')!;
}

describe('the three legs and OAuth-signed REST', () => {
  it('request-token → authorize (Allow as the service account) → access-token → myself as that account', async () => {
    const token = await dance();
    const me = await signedCall('GET', MYSELF, { token });
    expect(me.answer.status).toBe(200);
    expect(JSON.parse(me.answer.body).accountId).toBe(s.account.accountId);
  });

  it('the authorize page sends a logged-out browser to the login page; a callback URL gets a redirect', async () => {
    const rt = await signedCall('POST', REQUEST_TOKEN, {
      oauthParams: { oauth_callback: 'https://acme.jiraalign.com/cb' },
    });
    const requestToken = form(rt.answer).get('oauth_token')!;
    const anonymous = await rawCall(
      jira,
      HOST,
      'GET',
      `/plugins/servlet/oauth/authorize?oauth_token=${requestToken}`,
    );
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toMatch(/^\/login\.jsp\?os_destination=/);
    const basic = `Basic ${Buffer.from(`${s.account.email}:${s.account.token}`).toString('base64')}`;
    const allowed = await rawCall(
      jira,
      HOST,
      'POST',
      '/plugins/servlet/oauth/authorize',
      { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      `oauth_token=${requestToken}&approve=Allow`,
    );
    expect(allowed.status).toBe(302);
    const back = new URL(String(allowed.headers.location));
    expect(back.origin + back.pathname).toBe('https://acme.jiraalign.com/cb');
    expect(back.searchParams.get('oauth_verifier')).toMatch(/^[0-9a-f]+$/);
  });

  it('access-token before the user decided: permission_unknown; with a wrong verifier: token_rejected', async () => {
    const rt = await signedCall('POST', REQUEST_TOKEN, { oauthParams: { oauth_callback: 'oob' } });
    const requestToken = form(rt.answer).get('oauth_token')!;
    const early = await signedCall('POST', ACCESS_TOKEN, {
      token: requestToken,
      oauthParams: { oauth_verifier: 'x' },
    });
    expectProblem(early.answer, 401, 'permission_unknown');
    approveRequestToken(s.site, requestToken, s.account.email);
    const wrong = await signedCall('POST', ACCESS_TOKEN, {
      token: requestToken,
      oauthParams: { oauth_verifier: 'nope' },
    });
    expectProblem(wrong.answer, 401, 'token_rejected');
  });
});

describe('net.oauth answers', () => {
  it('consumer_key_unknown: 401, WWW-Authenticate and a form body', async () => {
    const { answer } = await signedCall('POST', REQUEST_TOKEN, {
      consumerKey: 'nobody',
      oauthParams: { oauth_callback: 'oob' },
    });
    expectProblem(answer, 401, 'consumer_key_unknown');
  });

  it('signature_invalid with another key: 401, echoing the very base string that was signed', async () => {
    const { signed, answer } = await signedCall('POST', REQUEST_TOKEN, {
      key: rsaPair().privateKey,
      oauthParams: { oauth_callback: 'oob' },
    });
    const params = expectProblem(answer, 401, 'signature_invalid');
    expect(params.get('oauth_signature_base_string')).toBe(signed.baseString);
    expect(params.get('oauth_signature')).toBe(signed.signature);
    expect(params.get('oauth_signature_method')).toBe('RSA-SHA1');
  });

  it('a parameter added after signing: signature_invalid with a different base string', async () => {
    const signed = sign('GET', `${MYSELF}?expand=groups`, {
      token: oauthState(s.site).issueAccessToken(s.consumerKey, s.account.email),
    });
    const answer = await rawCall(jira, HOST, 'GET', `${MYSELF}?expand=groups,applicationRoles`, {
      authorization: signed.authorization,
    });
    const params = expectProblem(answer, 401, 'signature_invalid');
    expect(params.get('oauth_signature_base_string')).not.toBe(signed.baseString);
  });

  it('timestamp_refused outside ±5 minutes: 400 with oauth_acceptable_timestamps around Jira’s clock', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { answer } = await signedCall('POST', REQUEST_TOKEN, {
      timestamp: now - 400,
      oauthParams: { oauth_callback: 'oob' },
    });
    const params = expectProblem(answer, 400, 'timestamp_refused');
    const [min, max] = params.get('oauth_acceptable_timestamps')!.split('-').map(Number);
    expect(max! - min!).toBeGreaterThanOrEqual(600);
    expect(Math.abs((min! + max!) / 2 - now)).toBeLessThan(30);
    const inside = await signedCall('POST', REQUEST_TOKEN, {
      timestamp: now - 200,
      oauthParams: { oauth_callback: 'oob' },
    });
    expect(inside.answer.status).toBe(200);
  });

  it('nonce_used when a nonce comes back within the window', async () => {
    const fixed = {
      nonce: 'replayed-nonce',
      timestamp: Math.floor(Date.now() / 1000),
      oauthParams: { oauth_callback: 'oob' },
    };
    const first = await signedCall('POST', REQUEST_TOKEN, fixed);
    expect(first.answer.status).toBe(200);
    const again = await signedCall('POST', REQUEST_TOKEN, fixed);
    expectProblem(again.answer, 401, 'nonce_used');
  });

  it('parameter_absent without oauth_callback, and with no OAuth parameters at all', async () => {
    const { answer } = await signedCall('POST', REQUEST_TOKEN);
    const params = expectProblem(answer, 400, 'parameter_absent');
    expect(params.get('oauth_parameters_absent')).toBe('oauth_callback');
    const bare = await rawCall(jira, HOST, 'POST', REQUEST_TOKEN);
    expect(expectProblem(bare, 400, 'parameter_absent').get('oauth_parameters_absent')).toBe(
      'oauth_consumer_key',
    );
  });

  it('token_rejected for an unknown, a revoked, and a re-keyed consumer’s token — before any signature check', async () => {
    const state = oauthState(s.site);
    const unknown = await signedCall('GET', MYSELF, { token: 'no-such-token', key: rsaPair().privateKey });
    expectProblem(unknown.answer, 401, 'token_rejected');
    const revoked = state.issueAccessToken(s.consumerKey, s.account.email);
    expect((await signedCall('GET', MYSELF, { token: revoked })).answer.status).toBe(200);
    state.revoke(revoked);
    expectProblem((await signedCall('GET', MYSELF, { token: revoked })).answer, 401, 'token_rejected');
  });

  it('editing the link’s public key drops its tokens', async () => {
    const other = addOAuthSite(jira, 'oauth-rekey.atlassian.net', 'jira-align-rekey');
    const token = oauthState(other.site).issueAccessToken(other.consumerKey, other.account.email);
    const call = () => {
      const signed = signRequest({
        method: 'GET',
        url: `${other.url}${MYSELF}`,
        consumerKey: other.consumerKey,
        privateKey: other.privateKey,
        token,
      });
      return rawCall(jira, 'oauth-rekey.atlassian.net', 'GET', MYSELF, {
        authorization: signed.authorization,
      });
    };
    expect((await call()).status).toBe(200);
    other.site.appLinks[0]!.consumer!.publicKey = rsaPair().spkiBase64;
    const after = await call();
    expect(after.status).toBe(401);
    expect(new URLSearchParams(after.body).get('oauth_problem')).toBe('token_rejected');
  });
});
