/**
 * The signer against the RSA-SHA1 golden vectors of reference/atlassian.md §8, plus the RFC 5849 details the
 * oauth-1.0a library gets wrong on its own (URL normalisation, "+" in queries, nonces, the PEM in the secret).
 */
import { createPublicKey, createVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  baseStringUri,
  requestParams,
  rsaSha1,
  signatureBaseString,
  signRequest,
  throwawayKey,
} from '../../../src/atlassian/oauth-signer.js';
import { VECTOR_A, VECTOR_B } from '../../fixtures/oauth-vectors.js';

function headerParams(authorization: string): Record<string, string> {
  expect(authorization.startsWith('OAuth ')).toBe(true);
  const out: Record<string, string> = {};
  for (const m of authorization.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g))
    out[m[1]!] = decodeURIComponent(m[2]!);
  return out;
}

describe('golden vector A (OAuth Core 1.0 §9.3, RSA-SHA1)', () => {
  const signed = signRequest({
    method: VECTOR_A.method,
    url: VECTOR_A.url,
    consumerKey: VECTOR_A.consumerKey,
    privateKey: VECTOR_A.privateKey,
    nonce: VECTOR_A.nonce,
    timestamp: VECTOR_A.timestamp,
  });

  it('builds the exact base string', () => {
    expect(signed.baseString).toBe(VECTOR_A.baseString);
  });

  it('produces the exact signature, and the header carries it percent-encoded', () => {
    expect(signed.signature).toBe(VECTOR_A.signature);
    expect(signed.authorization).toContain(`oauth_signature="${encodeURIComponent(VECTOR_A.signature)}"`);
    expect(headerParams(signed.authorization)).toEqual({
      oauth_consumer_key: VECTOR_A.consumerKey,
      oauth_nonce: VECTOR_A.nonce,
      oauth_signature: VECTOR_A.signature,
      oauth_signature_method: 'RSA-SHA1',
      oauth_timestamp: String(VECTOR_A.timestamp),
      oauth_version: '1.0',
    });
  });

  it('the header carries only protocol parameters, not the query', () => {
    expect(signed.authorization).not.toContain('file=');
    expect(signed.authorization).not.toContain('size=');
  });

  it('verifies with the vector’s public key', () => {
    const pub = createPublicKey({
      key: Buffer.from(VECTOR_A.publicKeyBase64, 'base64'),
      format: 'der',
      type: 'spki',
    });
    const ok = createVerify('RSA-SHA1').update(VECTOR_A.baseString).verify(pub, signed.signature, 'base64');
    expect(ok).toBe(true);
  });
});

describe('golden vector B (RFC 5849 §3.4.1 example, oauthlib key)', () => {
  it('builds the exact base string from query, form body and header parameters', () => {
    const base = signatureBaseString(VECTOR_B.method, VECTOR_B.url, VECTOR_B.oauthParams, VECTOR_B.formBody);
    expect(base).toBe(VECTOR_B.baseString);
  });

  it('produces the exact RSA-SHA1 signature', () => {
    expect(rsaSha1(VECTOR_B.baseString, VECTOR_B.privateKey)).toBe(VECTOR_B.signature);
  });

  it('the full signer, fed the same values, lands on the same base string apart from its own oauth_version', () => {
    const signed = signRequest({
      method: VECTOR_B.method,
      url: VECTOR_B.url,
      formBody: VECTOR_B.formBody,
      consumerKey: VECTOR_B.oauthParams.oauth_consumer_key,
      token: VECTOR_B.oauthParams.oauth_token,
      privateKey: VECTOR_B.privateKey,
      nonce: VECTOR_B.oauthParams.oauth_nonce,
      timestamp: Number(VECTOR_B.oauthParams.oauth_timestamp),
    });
    const expected = VECTOR_B.baseString
      .replace('HMAC-SHA1', 'RSA-SHA1')
      .replace('oauth_token%3Dkkk9d7dh3k39sjv7', 'oauth_token%3Dkkk9d7dh3k39sjv7%26oauth_version%3D1.0');
    expect(signed.baseString).toBe(expected);
    expect(headerParams(signed.authorization).oauth_token).toBe('kkk9d7dh3k39sjv7');
  });
});

describe('RFC 5849 details', () => {
  it('normalises the base string URI (§3.4.1.2), as in oauthlib’s cases', () => {
    expect(baseStringUri('http://EXAMPLE.COM:80/r%20v/X?id=123')).toBe('http://example.com/r%20v/X');
    expect(baseStringUri('HTTP://www.example.com:443/')).toBe('http://www.example.com:443/');
    expect(baseStringUri('HTTPS://Example.COM:443/Path#frag')).toBe('https://example.com/Path');
    expect(baseStringUri('https://www.example.net:8080/?q=1')).toBe('https://www.example.net:8080/');
    expect(baseStringUri('http://example.com')).toBe('http://example.com/');
  });

  it('signs the normalised URI even when the caller’s URL is not', () => {
    const fixed = { consumerKey: 'k', privateKey: VECTOR_A.privateKey, nonce: 'n', timestamp: 1 };
    const a = signRequest({
      ...fixed,
      method: 'get',
      url: 'HTTPS://Acme.Atlassian.NET:443/rest/api/2/myself',
    });
    const b = signRequest({ ...fixed, method: 'GET', url: 'https://acme.atlassian.net/rest/api/2/myself' });
    expect(a.baseString).toBe(b.baseString);
    expect(a.baseString.startsWith('GET&https%3A%2F%2Facme.atlassian.net%2Frest%2Fapi%2F2%2Fmyself&')).toBe(
      true,
    );
  });

  it('decodes "+" in the query as a space and keeps repeated names', () => {
    expect(requestParams('http://x/?q=a+b&q=c&e=')).toEqual({ q: ['a b', 'c'], e: '' });
  });

  it('signs extra protocol parameters (oauth_callback) and sends them in the header', () => {
    const signed = signRequest({
      method: 'POST',
      url: 'https://acme.atlassian.net/plugins/servlet/oauth/request-token',
      consumerKey: 'align',
      privateKey: VECTOR_A.privateKey,
      oauthParams: { oauth_callback: 'oob' },
    });
    expect(signed.baseString).toContain('oauth_callback%3Doob');
    expect(headerParams(signed.authorization).oauth_callback).toBe('oob');
  });

  it('uses fresh 128-bit crypto nonces and the current time', () => {
    const sign = () =>
      signRequest({
        method: 'GET',
        url: 'https://a.atlassian.net/',
        consumerKey: 'k',
        privateKey: VECTOR_A.privateKey,
      });
    const nonces = new Set(Array.from({ length: 50 }, () => sign().nonce));
    expect(nonces.size).toBe(50);
    for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{32}$/);
    expect(Math.abs(sign().timestamp - Date.now() / 1000)).toBeLessThan(5);
  });

  it('never puts the key into the signing-key slot (the header holds no PEM)', () => {
    const signed = signRequest({
      method: 'GET',
      url: 'https://a.atlassian.net/',
      consumerKey: 'k',
      privateKey: VECTOR_A.privateKey,
    });
    expect(signed.authorization).not.toMatch(/BEGIN|PRIVATE|MIIC/);
  });

  it('generates the throwaway probe key once per process', async () => {
    const [a, b] = await Promise.all([throwawayKey(), throwawayKey()]);
    expect(a).toBe(b);
    expect(a.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});
