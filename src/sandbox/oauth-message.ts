/**
 * The service-provider side of OAuth 1.0a for the Jira simulator, written independently of the bot's signer:
 * reading a signed message, RFC 5849 base strings, net.oauth's validation order (parameters → version →
 * timestamp → nonce → signature method → signature) and its problem answers (reference/atlassian.md §3.3).
 */
import { createPublicKey, createVerify, type KeyObject, X509Certificate } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JiraRequest } from './jira-route.js';
import type { JiraSite, SimAppLink } from './jira-site.js';

export type Consumer = NonNullable<SimAppLink['consumer']>;

/** net.oauth's problem → HTTP status map; unmapped problems answer 403. */
const STATUS: Record<string, number> = {
  version_rejected: 400,
  parameter_absent: 400,
  parameter_rejected: 400,
  timestamp_refused: 400,
  signature_method_rejected: 400,
  nonce_used: 401,
  token_used: 401,
  token_expired: 401,
  token_revoked: 401,
  token_rejected: 401,
  token_not_authorized: 401,
  signature_invalid: 401,
  consumer_key_unknown: 401,
  consumer_key_rejected: 401,
  additional_authorization_required: 401,
  permission_unknown: 401,
  permission_denied: 401,
  user_refused: 503,
  consumer_key_refused: 503,
};

/** net.oauth's DEFAULT_MAX_TIMESTAMP_AGE. */
export const TIMESTAMP_WINDOW_MS = 5 * 60_000;

export class OAuthProblem extends Error {
  constructor(
    readonly problem: string,
    readonly params: Record<string, string> = {},
  ) {
    super(problem);
  }
}

export interface OAuthMessage {
  method: string;
  /** The base string URI as this server sees the request. */
  uri: string;
  /** Every parameter: Authorization header (without realm), query, form body. */
  pairs: Array<[string, string]>;
  /** The oauth_* parameters, first value of each. */
  oauth: Record<string, string>;
}

/** RFC 5849 §3.6. */
export function pct(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function authorizationParams(header: string): Array<[string, string]> {
  const m = /^OAuth\s+(.*)$/is.exec(header.trim());
  if (!m) return [];
  const out: Array<[string, string]> = [];
  for (const part of m[1]!.matchAll(/([A-Za-z0-9_%.~-]+)\s*=\s*"([^"]*)"/g)) {
    out.push([decodeURIComponent(part[1]!), decodeURIComponent(part[2]!)]);
  }
  return out;
}

/**
 * `seenOrigin`: the scheme://host[:port] Jira believes it is at (a reverse proxy that rewrites the URL); by default
 * the request's own Host header over http.
 */
export function readMessage(r: JiraRequest, seenOrigin?: string): OAuthMessage {
  const host = (r.req.headers.host ?? r.site.host).toLowerCase().replace(/:80$/, '');
  const origin = seenOrigin ?? `http://${host}`;
  const pairs = authorizationParams(r.req.headers.authorization ?? '').filter(([k]) => k !== 'realm');
  pairs.push(...r.url.searchParams);
  const type = r.req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded') && r.body)
    pairs.push(...new URLSearchParams(r.body));
  const oauth: Record<string, string> = {};
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const [k, v] of pairs) {
    if (!k.startsWith('oauth_')) continue;
    if (seen.has(k)) repeated.push(k);
    seen.add(k);
    oauth[k] ??= v;
  }
  if (repeated.length > 0)
    throw new OAuthProblem('parameter_rejected', { oauth_parameters_rejected: repeated.join('&') });
  return { method: (r.req.method ?? 'GET').toUpperCase(), uri: `${origin}${r.url.pathname}`, pairs, oauth };
}

export function baseString(message: OAuthMessage): string {
  const normalized = message.pairs
    .filter(([k]) => k !== 'oauth_signature')
    .map(([k, v]) => [pct(k), pct(v)] as const)
    .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${message.method}&${pct(message.uri)}&${pct(normalized)}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The consumer key, or parameter_absent. */
export function consumerKeyOf(message: OAuthMessage): string {
  const key = message.oauth.oauth_consumer_key;
  if (!key) throw new OAuthProblem('parameter_absent', { oauth_parameters_absent: 'oauth_consumer_key' });
  return key;
}

/** What Jira's RSAKeys does: BEGIN/END lines and newlines dropped, base64 parsed as SPKI (or a certificate). */
export function consumerPublicKey(consumer: Consumer): KeyObject | undefined {
  try {
    if (consumer.publicKey.trim().startsWith('-----BEGIN CERTIFICATE-----'))
      return new X509Certificate(consumer.publicKey).publicKey;
    const body = consumer.publicKey.replace(/-----[A-Z ]*-----/g, '').replace(/\n/g, '');
    return createPublicKey({ key: Buffer.from(body, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** Jira's clock: off by the site's skew when it is switched to the clock-skew fault. */
export function siteNow(site: JiraSite): number {
  return Date.now() + (site.fault === 'clock-skew' ? site.clockSkewMs : 0);
}

/** net.oauth's SimpleOAuthValidator, for RSA-SHA1 consumers. Remembers nonces within the window. */
export function validate(
  message: OAuthMessage,
  consumer: Consumer,
  site: JiraSite,
  nonces: Map<string, number>,
): void {
  const o = message.oauth;
  if (o.oauth_version && o.oauth_version !== '1.0')
    throw new OAuthProblem('version_rejected', { oauth_acceptable_versions: '1.0-1.0' });
  const absent = ['oauth_signature_method', 'oauth_signature', 'oauth_timestamp', 'oauth_nonce'].filter(
    (k) => !o[k],
  );
  if (absent.length > 0)
    throw new OAuthProblem('parameter_absent', { oauth_parameters_absent: absent.join('&') });
  checkTimestamp(o.oauth_timestamp!, site);
  checkNonce(message, nonces, siteNow(site));
  if (o.oauth_signature_method !== 'RSA-SHA1') {
    throw new OAuthProblem('signature_method_rejected', { oauth_acceptable_signature_methods: 'RSA-SHA1' });
  }
  const base = baseString(message);
  const key = consumerPublicKey(consumer);
  const ok =
    key !== undefined &&
    createVerify('RSA-SHA1').update(base).verify(key, Buffer.from(o.oauth_signature!, 'base64'));
  if (!ok) {
    throw new OAuthProblem('signature_invalid', {
      oauth_signature: o.oauth_signature!,
      oauth_signature_base_string: base,
      oauth_signature_method: 'RSA-SHA1',
    });
  }
}

function checkTimestamp(raw: string, site: JiraSite): void {
  const now = siteNow(site);
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || Math.abs(seconds * 1000 - now) > TIMESTAMP_WINDOW_MS) {
    const min = Math.floor((now - TIMESTAMP_WINDOW_MS) / 1000);
    const max = Math.ceil((now + TIMESTAMP_WINDOW_MS) / 1000);
    throw new OAuthProblem('timestamp_refused', { oauth_acceptable_timestamps: `${min}-${max}` });
  }
}

function checkNonce(message: OAuthMessage, nonces: Map<string, number>, now: number): void {
  for (const [key, at] of nonces) if (now - at > TIMESTAMP_WINDOW_MS * 2) nonces.delete(key);
  const o = message.oauth;
  const id = [o.oauth_timestamp, o.oauth_nonce, o.oauth_consumer_key, o.oauth_token ?? ''].join('&');
  if (nonces.has(id)) throw new OAuthProblem('nonce_used');
  nonces.set(id, now);
}

/** OAuthServlet.handleException: status from the map, WWW-Authenticate with every parameter, a form body. */
export function sendProblem(res: ServerResponse, site: JiraSite, problem: OAuthProblem): void {
  const params: Array<[string, string]> = [
    ['oauth_problem', problem.problem],
    ...Object.entries(problem.params),
  ];
  const header = [`realm="${site.baseUrl}"`, ...params.map(([k, v]) => `${pct(k)}="${pct(v)}"`)].join(', ');
  res.setHeader('www-authenticate', `OAuth ${header}`);
  sendForm(res, STATUS[problem.problem] ?? 403, params);
}

export function sendForm(res: ServerResponse, status: number, params: Array<[string, string]>): void {
  res
    .writeHead(status, { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' })
    .end(params.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&'));
}
