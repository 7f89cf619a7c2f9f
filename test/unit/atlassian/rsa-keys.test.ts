/**
 * Key material an admin may paste (reference/atlassian.md §3.4, §10), the check outcomes it leads to, and the
 * consumer-key rules. Fingerprints are checked against the reference's SPKI SHA-256 of vector B's key.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { inspectPublicKey } from '../../../src/atlassian/rsa-keys.js';
import { CONSUMER_KEY_MAX, checkConsumerKey, suggestConsumerKey } from '../../../src/core/consumer-key.js';
import { keyOutcome } from '../../../src/core/runbooks/checks/oauth.js';
import { VECTOR_A, VECTOR_B } from '../../fixtures/oauth-vectors.js';
import { registerSecret } from '../../helpers/leaks.js';

for (const v of [VECTOR_A, VECTOR_B]) registerSecret(v.privateKey, 'golden vector key');
const colons = (hex: string) => `SHA256:${hex.match(/../g)!.join(':')}`;
const B_FINGERPRINT = colons(VECTOR_B.spkiSha256Hex);
const bPublic = createPublicKey(VECTOR_B.privateKey);
const B_SPKI_PEM = bPublic.export({ type: 'spki', format: 'pem' }) as string;
const B_PKCS1_PEM = bPublic.export({ type: 'pkcs1', format: 'pem' }) as string;
const bodyOf = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');

function certificateFor(privatePem: string): string {
  const privateKey = forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2026-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2027-01-01T00:00:00Z');
  const attrs = [{ name: 'commonName', value: 'jira-align.example' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

describe('what was pasted', () => {
  it('an SPKI PEM: vector B’s key, with the reference’s SPKI SHA-256 fingerprint', () => {
    const key = inspectPublicKey(B_SPKI_PEM);
    expect(key).toMatchObject({
      kind: 'spki-pem',
      jiraAccepts: true,
      bits: 1024,
      fingerprint: B_FINGERPRINT,
    });
    expect(key.spkiPem).toBe(B_SPKI_PEM);
  });

  it('the same key as a bare base64 body, with CRLF line ends, or on one line', () => {
    expect(inspectPublicKey(bodyOf(B_SPKI_PEM))).toMatchObject({
      kind: 'bare-base64',
      fingerprint: B_FINGERPRINT,
    });
    expect(inspectPublicKey(B_SPKI_PEM.replace(/\n/g, '\r\n'))).toMatchObject({
      kind: 'spki-pem',
      fingerprint: B_FINGERPRINT,
    });
    const oneLine = `-----BEGIN PUBLIC KEY-----${bodyOf(B_SPKI_PEM)}-----END PUBLIC KEY-----`;
    expect(inspectPublicKey(`  ${oneLine}  `)).toMatchObject({
      kind: 'spki-pem',
      fingerprint: B_FINGERPRINT,
    });
  });

  it('a PKCS#1 PEM: same fingerprint (SPKI convention), not accepted by Jira, normalised to SPKI', () => {
    const key = inspectPublicKey(B_PKCS1_PEM);
    expect(key).toMatchObject({
      kind: 'pkcs1-pem',
      jiraAccepts: false,
      bits: 1024,
      fingerprint: B_FINGERPRINT,
    });
    expect(key.spkiPem).toBe(B_SPKI_PEM);
    expect(key.spkiPem).not.toContain('\r');
  });

  it('an X.509 certificate: the fingerprint of the key inside', () => {
    const key = inspectPublicKey(certificateFor(VECTOR_B.privateKey));
    expect(key).toMatchObject({
      kind: 'certificate',
      jiraAccepts: true,
      bits: 1024,
      fingerprint: B_FINGERPRINT,
    });
    expect(key.spkiPem).toBe(B_SPKI_PEM);
  });

  it('vector A’s bare SPKI: the fingerprint equals SHA-256 of the DER', () => {
    const hex = createHash('sha256').update(Buffer.from(VECTOR_A.publicKeyBase64, 'base64')).digest('hex');
    expect(inspectPublicKey(VECTOR_A.publicKeyBase64)).toMatchObject({
      kind: 'bare-base64',
      bits: 1024,
      fingerprint: colons(hex),
    });
  });

  it('private keys in every form are refused and nothing of them is returned', () => {
    const fresh = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const forms = [
      VECTOR_B.privateKey,
      VECTOR_A.privateKey,
      bodyOf(VECTOR_A.privateKey),
      bodyOf(VECTOR_B.privateKey),
      fresh.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string,
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      `${B_SPKI_PEM}\n${VECTOR_B.privateKey}`,
    ];
    for (const text of forms) {
      const key = inspectPublicKey(text);
      expect(key).toEqual({ kind: 'private-key', jiraAccepts: false });
    }
  });

  it('garbage, cut-off keys and other algorithms are malformed, with a reason that quotes nothing', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    const cut = B_SPKI_PEM.slice(0, 120) + B_SPKI_PEM.slice(-26);
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['hello world, this is not a key', /neither/],
      [bodyOf(B_SPKI_PEM).slice(0, 100), /does not decode/],
      [cut, /not valid|damaged|does not/],
      [ec as string, /elliptic-curve/],
      [ed as string, /Ed25519/],
      ['ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC secret@host', /OpenSSH/],
      ['-----BEGIN PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----', /BEGIN\/END/],
      ['-----BEGIN CERTIFICATE REQUEST-----\nQUJD\n-----END CERTIFICATE REQUEST-----', /not valid DER/],
      ['A'.repeat(30_000), /characters/],
    ];
    for (const [text, reason] of cases) {
      const key = inspectPublicKey(text);
      expect(key.kind, text.slice(0, 40)).toBe('malformed');
      expect(key.problem).toMatch(reason);
      expect(key.fingerprint).toBeUndefined();
      if (text.length > 8) expect(key.problem).not.toContain(text.slice(0, 12).trim() || '\u0000');
    }
  });
});

describe('the check outcome for a pasted key', () => {
  const rsa = (bits: number) =>
    inspectPublicKey(
      generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({
        type: 'spki',
        format: 'pem',
      }) as string,
    );

  it('2048 bits pass and show the labelled fingerprint', () => {
    const key = rsa(2048);
    const outcome = keyOutcome(key);
    expect(outcome.status).toBe('pass');
    expect(outcome.detail).toContain(`${key.fingerprint} (SHA-256 of the SubjectPublicKeyInfo)`);
    expect(outcome.detail).toMatch(/RSA 2048 bits/);
  });

  it('1024 bits warn and 512 bits fail, both OAUTH_KEY_TOO_SMALL', () => {
    expect(keyOutcome(inspectPublicKey(B_SPKI_PEM))).toMatchObject({
      status: 'warn',
      code: 'OAUTH_KEY_TOO_SMALL',
    });
    expect(keyOutcome(rsa(512))).toMatchObject({ status: 'fail', code: 'OAUTH_KEY_TOO_SMALL' });
  });

  it('PKCS#1 warns OAUTH_PUBLIC_KEY_MALFORMED and offers the SPKI body', () => {
    const outcome = keyOutcome(inspectPublicKey(B_PKCS1_PEM));
    expect(outcome).toMatchObject({ status: 'warn', code: 'OAUTH_PUBLIC_KEY_MALFORMED' });
    expect(outcome.detail).toContain(bodyOf(B_SPKI_PEM));
  });

  it('a private key fails OAUTH_PRIVATE_KEY_PASTED and the detail holds none of it', () => {
    const outcome = keyOutcome(inspectPublicKey(VECTOR_B.privateKey));
    expect(outcome).toMatchObject({ status: 'fail', code: 'OAUTH_PRIVATE_KEY_PASTED' });
    expect(outcome.detail).toMatch(/leaked/);
    expect(outcome.detail).not.toMatch(/MII|BEGIN/);
  });

  it('garbage fails OAUTH_PUBLIC_KEY_MALFORMED', () => {
    expect(keyOutcome(inspectPublicKey('nope'))).toMatchObject({
      status: 'fail',
      code: 'OAUTH_PUBLIC_KEY_MALFORMED',
    });
  });
});

describe('consumer key', () => {
  it('accepts letters, digits, "-" and "_" up to 255 characters', () => {
    for (const key of ['jira-align', 'JiraAlign_01', 'a', 'x'.repeat(CONSUMER_KEY_MAX)])
      expect(checkConsumerKey(key)).toEqual({ ok: true });
  });

  it('refuses empty, too long, spaces and symbols, naming the offender', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['x'.repeat(CONSUMER_KEY_MAX + 1), /256 characters/],
      ['jira align', /a space/],
      [' jira-align', /a space/],
      ['jira.align', /“\.”/],
      ['jira/align:prod', /“\/”, “:”/],
      ['jira\talign', /tab or line break/],
      ['jïra', /“ï”/],
    ];
    for (const [key, reason] of bad) {
      const verdict = checkConsumerKey(key);
      expect(verdict.ok, key).toBe(false);
      if (!verdict.ok) expect(verdict.problem).toMatch(reason);
    }
  });

  it('suggests a valid key for any name', () => {
    expect(suggestConsumerKey('Acme Corp (prod)')).toBe('jira-align-acme-corp-prod');
    expect(suggestConsumerKey('Café Münster')).toBe('jira-align-cafe-munster');
    expect(suggestConsumerKey('jira-align-acme')).toBe('jira-align-acme');
    for (const name of ['', '***', '  ', 'x'.repeat(500), '日本', 'a--b__c', 'https://acme.atlassian.net']) {
      const key = suggestConsumerKey(name);
      expect(checkConsumerKey(key), `${name} → ${key}`).toEqual({ ok: true });
      expect(key.length).toBeLessThanOrEqual(64);
    }
  });
});
