/**
 * The simulator's token service: RS256 keys published as a JWKS behind OpenID metadata, the way
 * login.botframework.com publishes them, so a real CloudAdapter validates the inbound tokens it signs; and the
 * bot's outbound Bearer tokens (what MSAL would fetch from Entra), checked on every connector call.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from 'node:crypto';

/** The issuer and outbound audience of the public cloud (botbuilder's AuthenticationConstants). */
export const CHANNEL_ISSUER = 'https://api.botframework.com';
export const CHANNEL_SCOPE = 'https://api.botframework.com';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newSigningKey(kid = `sim-${randomBytes(4).toString('hex')}`): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

export type Claims = Record<string, unknown>;

/** A compact JWS (RS256) over `claims`, with `kid` in the header. */
export function signJwt(claims: Claims, key: SigningKey, kid = key.kid): string {
  const header = { alg: 'RS256', typ: 'JWT', kid, x5t: kid };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** Claims of a token signed by `key`, or why it is refused. */
export function verifyJwt(token: string, key: SigningKey): { claims: Claims } | { error: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { error: 'malformed token' };
  const [header, payload, signature] = parts as [string, string, string];
  const ok = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    key.publicKey,
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) return { error: 'bad signature' };
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
    const exp = Number(claims.exp);
    if (!Number.isFinite(exp) || exp * 1000 < Date.now()) return { error: 'expired' };
    return { claims };
  } catch {
    return { error: 'malformed token' };
  }
}

/** The JWKS entry of a key; `endorsements` lists the channels it may sign for (botbuilder checks it). */
export function jwkOf(key: SigningKey, endorsements: string[]): Record<string, unknown> {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return { kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: jwk.n, e: jwk.e, endorsements };
}

export function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export interface TokenOverrides {
  claims?: Claims;
  /** Sign with another key (not in the JWKS) under the published kid: a bad signature. */
  key?: SigningKey;
  kid?: string;
}

/** The simulator's two token roles: the Bot Connector signing activities, Entra issuing the bot's tokens. */
export class SimTokens {
  /** Signs activities sent to the bot (published in the JWKS). */
  readonly channelKey = newSigningKey();
  /** Signs the bot's outbound tokens (what Entra would issue). */
  readonly loginKey = newSigningKey();

  constructor(readonly appId: string) {}

  botToken(issuer: string, ttlS = 3600): string {
    const now = nowS();
    const claims = {
      aud: CHANNEL_SCOPE,
      iss: issuer,
      appid: this.appId,
      iat: now,
      nbf: now,
      exp: now + ttlS,
    };
    return signJwt(claims, this.loginKey);
  }

  inboundToken(serviceUrl: string, overrides: TokenOverrides = {}): string {
    const now = nowS();
    const claims = {
      serviceurl: serviceUrl,
      nbf: now - 5,
      exp: now + 3600,
      iss: CHANNEL_ISSUER,
      aud: this.appId,
      ...overrides.claims,
    };
    return signJwt(claims, overrides.key ?? this.channelKey, overrides.kid ?? this.channelKey.kid);
  }

  /** Why the bot's Bearer token is refused, or undefined when it is good. */
  checkBotToken(header: string | undefined): string | undefined {
    const token = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
    if (!token) return 'missing token';
    const checked = verifyJwt(token, this.loginKey);
    if ('error' in checked) return checked.error;
    if (checked.claims.aud !== CHANNEL_SCOPE) return 'wrong audience';
    if (checked.claims.appid !== this.appId) return 'wrong app id';
    return undefined;
  }
}
