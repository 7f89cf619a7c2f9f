/**
 * Jira's OAuth 1.0a service provider (application links, incoming authentication) for the simulator: the three
 * legs under /plugins/servlet/oauth/ and OAuth-signed REST calls, verified with RSA-SHA1 against the consumers of
 * the site's application links. Token checks follow Atlassian's provider (reference/atlassian.md §3.2–3.3): request
 * tokens live 10 minutes, access tokens 5 years, and editing a consumer's public key drops its tokens.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JiraRequest, JiraRoute } from './jira-route.js';
import type { JiraSite, SimAccount } from './jira-site.js';
import {
  type Consumer,
  consumerKeyOf,
  type OAuthMessage,
  OAuthProblem,
  readMessage,
  sendForm,
  sendProblem,
  siteNow,
  validate,
} from './oauth-message.js';

const BASE = '/plugins/servlet/oauth';
const REQUEST_TOKEN_TTL_MS = 10 * 60_000;
const ACCESS_TOKEN_TTL_S = 5 * 365 * 24 * 3600;
const SESSION_TTL_S = ACCESS_TOKEN_TTL_S + 30 * 24 * 3600;

export interface SimOAuthToken {
  token: string;
  kind: 'request' | 'access';
  consumerKey: string;
  /** The consumer's public key when the token was issued: a changed key drops the token. */
  publicKey: string;
  createdAt: number;
  callback?: string;
  verifier?: string;
  /** The account that allowed (or denied) access. */
  accountId?: string;
  denied?: boolean;
}

export class OAuthProviderState {
  readonly tokens = new Map<string, SimOAuthToken>();
  readonly nonces = new Map<string, number>();
  /**
   * Set to simulate Jira behind a reverse proxy that rewrites the URL (e.g. "https://jira.internal:8443"): signatures
   * are checked against that origin, so every client's signature_invalid echoes a different base string.
   */
  seenOrigin?: string;

  constructor(private readonly site: JiraSite) {}

  /** An access token as if the OAuth dance had been completed by `email`. */
  issueAccessToken(consumerKey: string, email: string): string {
    const consumer = this.site.consumerByKey(consumerKey);
    const account = accountByEmail(this.site, email);
    if (!consumer || !account) throw new Error(`no consumer ${consumerKey} or account ${email}`);
    return this.add({
      kind: 'access',
      consumerKey,
      publicKey: consumer.publicKey,
      accountId: account.accountId,
    }).token;
  }

  /** As in Jira's "View OAuth Access Tokens" > Revoke. */
  revoke(token: string): boolean {
    return this.tokens.delete(token);
  }

  /** The user's decision on the authorize page; returns the verifier. */
  decide(requestToken: string, account: SimAccount, allow: boolean): string | undefined {
    const token = this.tokens.get(requestToken);
    if (token?.kind !== 'request') return undefined;
    token.accountId = account.accountId;
    token.denied = !allow;
    token.verifier = randomBytes(4).toString('hex');
    return token.verifier;
  }

  add(fields: Omit<SimOAuthToken, 'token' | 'createdAt'>): SimOAuthToken {
    const token: SimOAuthToken = { ...fields, token: randomBytes(16).toString('hex'), createdAt: Date.now() };
    this.tokens.set(token.token, token);
    return token;
  }
}

const states = new WeakMap<JiraSite, OAuthProviderState>();

export function oauthState(site: JiraSite): OAuthProviderState {
  let state = states.get(site);
  if (!state) {
    state = new OAuthProviderState(site);
    states.set(site, state);
  }
  return state;
}

/** For tests: allow a request token as the site account `email`, as the authorize page's "Allow" does. */
export function approveRequestToken(site: JiraSite, requestToken: string, email: string): string {
  const account = accountByEmail(site, email);
  const verifier = account && oauthState(site).decide(requestToken, account, true);
  if (!verifier) throw new Error(`cannot approve ${requestToken} as ${email}`);
  return verifier;
}

export const oauthProvider: JiraRoute = async (r) => {
  if (r.viaGateway) return false;
  try {
    if (r.path === `${BASE}/request-token`) return requestToken(r);
    if (r.path === `${BASE}/authorize`) return authorize(r);
    if (r.path === `${BASE}/access-token`) return accessToken(r);
    if (r.auth.scheme === 'oauth' && r.path.startsWith('/rest/')) return restCall(r);
  } catch (error) {
    if (!(error instanceof OAuthProblem)) throw error;
    sendProblem(r.res, r.site, error);
    return true;
  }
  return false;
};

function consumerFor(r: JiraRequest, message: OAuthMessage): Consumer {
  const consumer = r.site.consumerByKey(consumerKeyOf(message));
  if (!consumer) throw new OAuthProblem('consumer_key_unknown');
  return consumer;
}

function requestToken(r: JiraRequest): boolean {
  const message = readMessage(r, oauthState(r.site).seenOrigin);
  const consumer = consumerFor(r, message);
  validate(message, consumer, r.site, oauthState(r.site).nonces);
  const callback = message.oauth.oauth_callback;
  if (!callback) throw new OAuthProblem('parameter_absent', { oauth_parameters_absent: 'oauth_callback' });
  if (callback !== 'oob' && !/^https?:\/\/[^\s]+$/i.test(callback))
    throw new OAuthProblem('parameter_rejected', { oauth_parameters_rejected: 'oauth_callback' });
  const token = oauthState(r.site).add({
    kind: 'request',
    consumerKey: consumer.key,
    publicKey: consumer.publicKey,
    callback,
  });
  sendForm(r.res, 200, [
    ['oauth_token', token.token],
    ['oauth_token_secret', randomBytes(16).toString('hex')],
    ['oauth_callback_confirmed', 'true'],
  ]);
  return true;
}

function accessToken(r: JiraRequest): boolean {
  const message = readMessage(r, oauthState(r.site).seenOrigin);
  const consumer = consumerFor(r, message);
  const state = oauthState(r.site);
  const token = state.tokens.get(message.oauth.oauth_token ?? '');
  if (token?.kind !== 'request' || token.consumerKey !== consumer.key)
    throw new OAuthProblem('token_rejected');
  if (siteNow(r.site) - token.createdAt > REQUEST_TOKEN_TTL_MS) throw new OAuthProblem('token_expired');
  validate(message, consumer, r.site, state.nonces);
  if (!token.accountId) throw new OAuthProblem('permission_unknown');
  if (token.denied) throw new OAuthProblem('permission_denied');
  if (!message.oauth.oauth_verifier)
    throw new OAuthProblem('parameter_absent', { oauth_parameters_absent: 'oauth_verifier' });
  if (message.oauth.oauth_verifier !== token.verifier) throw new OAuthProblem('token_rejected');
  state.tokens.delete(token.token);
  const access = state.add({
    kind: 'access',
    consumerKey: consumer.key,
    publicKey: consumer.publicKey,
    accountId: token.accountId,
  });
  sendForm(r.res, 200, [
    ['oauth_token', access.token],
    ['oauth_token_secret', randomBytes(16).toString('hex')],
    ['oauth_expires_in', String(ACCESS_TOKEN_TTL_S)],
    ['oauth_session_handle', randomBytes(16).toString('hex')],
    ['oauth_authorization_expires_in', String(SESSION_TTL_S)],
  ]);
  return true;
}

/**
 * A 3-legged REST call. As Atlassian's OAuth1Authenticator: the token is checked before the signature; without an
 * oauth_token the request goes on as anonymous. On success the request continues as the token's user.
 */
function restCall(r: JiraRequest): boolean {
  const message = readMessage(r, oauthState(r.site).seenOrigin);
  const tokenValue = message.oauth.oauth_token;
  if (!tokenValue) return false;
  const token = oauthState(r.site).tokens.get(tokenValue);
  const consumer = token && r.site.consumerByKey(token.consumerKey);
  if (
    token?.kind !== 'access' ||
    token.consumerKey !== message.oauth.oauth_consumer_key ||
    consumer?.publicKey !== token.publicKey
  )
    throw new OAuthProblem('token_rejected');
  if (siteNow(r.site) - token.createdAt > ACCESS_TOKEN_TTL_S * 1000) throw new OAuthProblem('token_expired');
  validate(message, consumer, r.site, oauthState(r.site).nonces);
  const account = r.site.accounts.find((a) => a.accountId === token.accountId);
  if (!account) throw new OAuthProblem('token_rejected');
  r.auth.account = account;
  return false;
}

/** The page a logged-in user sees: Allow / Deny. Logged in = Basic credentials of a site account, here. */
function authorize(r: JiraRequest): boolean {
  const params = r.req.method === 'POST' ? new URLSearchParams(r.body) : r.url.searchParams;
  const state = oauthState(r.site);
  const token = state.tokens.get(params.get('oauth_token') ?? '');
  if (token?.kind !== 'request')
    return page(r.res, 400, '<p>The request token is invalid or has expired.</p>');
  const account = loggedIn(r.req, r.site);
  if (!account) {
    r.res
      .writeHead(302, {
        location: `/login.jsp?os_destination=${encodeURIComponent(r.url.pathname + r.url.search)}`,
      })
      .end();
    return true;
  }
  if (r.req.method !== 'POST') return page(r.res, 200, allowForm(token.token, token.consumerKey));
  const allow = params.has('approve');
  const verifier = state.decide(token.token, account, allow)!;
  if (token.callback && token.callback !== 'oob') {
    const back = new URL(token.callback);
    back.searchParams.set('oauth_token', token.token);
    back.searchParams.set('oauth_verifier', allow ? verifier : 'denied');
    r.res.writeHead(302, { location: back.toString() }).end();
    return true;
  }
  return page(
    r.res,
    200,
    allow
      ? `<p>You have allowed access. Your verification code is '<b id="oauth_verifier">${verifier}</b>'.</p>`
      : '<p>You have denied access.</p>',
  );
}

function allowForm(token: string, consumerKey: string): string {
  return `<h1>Allow access?</h1><p>${escapeHtml(consumerKey)} would like to read and write data on your behalf.</p>
<form method="POST" action="${BASE}/authorize"><input type="hidden" name="oauth_token" value="${token}">
<input type="submit" name="approve" value="Allow"><input type="submit" name="deny" value="Deny"></form>`;
}

function page(res: ServerResponse, status: number, body: string): boolean {
  res
    .writeHead(status, { 'content-type': 'text/html;charset=UTF-8' })
    .end(`<!DOCTYPE html><html><head><title>OAuth - Jira</title></head><body>${body}</body></html>`);
  return true;
}

function loggedIn(req: IncomingMessage, site: JiraSite): SimAccount | undefined {
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0
    ? site.authenticateBasic(decoded.slice(0, colon), decoded.slice(colon + 1), false)
    : undefined;
}

function accountByEmail(site: JiraSite, email: string): SimAccount | undefined {
  return site.accounts.find((a) => a.email.toLowerCase() === email.toLowerCase());
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
