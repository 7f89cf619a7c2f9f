/**
 * OAuth 1.0a RSA-SHA1 signing (RFC 5849) on the npm package `oauth-1.0a`, with its known gaps closed here
 * (reference/atlassian.md §9): the base-string URI is normalised by us (§3.4.1.2), query and form parameters are
 * passed as data (the library's own query parser mis-decodes `+`), nonces come from `crypto.randomBytes`, and the
 * RSA key goes to our `hash_function`, never into `consumer.secret` (where it would arrive percent-encoded).
 */
import { createSign, generateKeyPair, type KeyObject, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import OAuth from 'oauth-1.0a';

export type ParamValue = string | string[];
export type Params = Record<string, ParamValue>;

const OAUTH_KEYS = new Set([
  'oauth_consumer_key',
  'oauth_nonce',
  'oauth_signature',
  'oauth_signature_method',
  'oauth_timestamp',
  'oauth_token',
  'oauth_version',
]);

/** RFC 5849 §3.4.1.2: lower-case scheme and host, default port dropped, path as is (empty ⇒ "/"), no query. */
export function baseStringUri(url: string): string {
  const u = new URL(url);
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  const host = u.hostname.toLowerCase();
  const defaultPort = (scheme === 'http' && u.port === '80') || (scheme === 'https' && u.port === '443');
  const port = u.port && !defaultPort ? `:${u.port}` : '';
  return `${scheme}://${host}${port}${u.pathname || '/'}`;
}

/**
 * RFC 5849 §3.4.1.3.1: the query and (only for a single-part form body) the body parameters, decoded as
 * application/x-www-form-urlencoded ("+" is a space); repeated names keep every value.
 */
export function requestParams(url: string, formBody?: string): Params {
  const out: Params = {};
  const add = (name: string, value: string) => {
    const prior = out[name];
    if (prior === undefined) out[name] = value;
    else out[name] = Array.isArray(prior) ? [...prior, value] : [prior, value];
  };
  for (const [name, value] of new URL(url).searchParams) add(name, value);
  if (formBody) for (const [name, value] of new URLSearchParams(formBody)) add(name, value);
  return out;
}

/** RSASSA-PKCS1-v1_5 with SHA-1 over the base string, base64 (RFC 5849 §3.4.3). */
export function rsaSha1(baseString: string, privateKey: KeyObject | string): string {
  return createSign('RSA-SHA1').update(baseString).sign(privateKey, 'base64');
}

/** 128 random bits as 32 hex characters (the library's default uses Math.random). */
export function cryptoNonce(): string {
  return randomBytes(16).toString('hex');
}

function library(hash: OAuth.HashFunction, consumerKey: string): OAuth {
  return new OAuth({
    consumer: { key: consumerKey, secret: '' },
    signature_method: 'RSA-SHA1',
    hash_function: hash,
  });
}

/**
 * The signature base string for exactly these oauth parameters (no defaults added): the library's algorithm fed
 * with our normalised URI and parameters. Used for test vectors and to compare with the string Jira echoes.
 */
export function signatureBaseString(
  method: string,
  url: string,
  oauthParams: Record<string, string>,
  formBody?: string,
): string {
  const oauth = library((base) => base, oauthParams.oauth_consumer_key ?? '');
  const data = requestParams(url, formBody);
  return oauth.getBaseString({ method, url: baseStringUri(url), data }, {
    ...oauthParams,
  } as unknown as OAuth.Data);
}

export interface SignInput {
  method: string;
  url: string;
  consumerKey: string;
  privateKey: KeyObject | string;
  /** Access token or request token. */
  token?: string;
  /** More protocol parameters to sign and send, e.g. oauth_callback, oauth_verifier. */
  oauthParams?: Record<string, string>;
  /** Only for a single-part application/x-www-form-urlencoded body. */
  formBody?: string;
  /** Fixed values for test vectors; otherwise a crypto nonce and the clock. */
  nonce?: string;
  timestamp?: number;
}

export interface Signed {
  /** The Authorization header value ("OAuth oauth_consumer_key=…, …"). Holds the token, if any. */
  authorization: string;
  /** What was signed. Holds the token, if any. */
  baseString: string;
  signature: string;
  nonce: string;
  timestamp: number;
}

export function signRequest(input: SignInput): Signed {
  let baseString = '';
  const oauth = library((base) => {
    baseString = base;
    return rsaSha1(base, input.privateKey);
  }, input.consumerKey);
  const nonce = input.nonce ?? cryptoNonce();
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  oauth.getNonce = () => nonce;
  oauth.getTimeStamp = () => timestamp;
  const extra = input.oauthParams ?? {};
  const data: Params = { ...requestParams(input.url, input.formBody), ...extra };
  const token = input.token !== undefined ? { key: input.token, secret: '' } : undefined;
  // authorize() returns the oauth parameters merged with `data` (it mutates): keep only the protocol ones.
  const signed = oauth.authorize({ method: input.method, url: baseStringUri(input.url), data }, token);
  const protocol = Object.fromEntries(
    Object.entries(signed).filter(([key]) => OAUTH_KEYS.has(key) || key in extra),
  ) as OAuth.Authorization;
  return {
    authorization: oauth.toHeader(protocol).Authorization,
    baseString,
    signature: signed.oauth_signature,
    nonce,
    timestamp,
  };
}

let probeKey: Promise<KeyObject> | undefined;

/**
 * A throwaway RSA key, generated once per process: probes sign with it so Jira answers consumer_key_unknown for
 * an unknown key and signature_invalid for a known one, without anyone's real private key.
 */
export function throwawayKey(): Promise<KeyObject> {
  probeKey ??= promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then((pair) => pair.privateKey);
  return probeKey;
}
