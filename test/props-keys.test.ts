/**
 * Property tests of key inspection (src/atlassian/keys.ts, issue 12 item 6): whatever is pasted — arbitrary text,
 * random bytes as base64 with or without PEM lines, valid keys cut off or mutated, private keys in every form —
 * inspectPublicKey returns a result with a kind and never throws; a malformed result says why in a short sentence
 * that quotes nothing pasted; a readable key is self-consistent; and no part of a private key comes back.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { inspectPublicKey } from '../src/atlassian/rsa-keys.js';
import type { KeyInspection } from '../src/core/runbooks/checks/oauth-port.js';
import { VECTOR_A, VECTOR_B } from './fixtures/oauth-vectors.js';
import { hostileText } from './helpers/hostile.js';
import { registerSecret } from './helpers/leaks.js';

const SEED = 0x12_06_03;
/** A failing run, shrinking included, reports within this time (fast-check stops and prints what it has). */
const BOUNDED = { interruptAfterTimeLimit: 10_000 };
const KINDS = ['spki-pem', 'pkcs1-pem', 'bare-base64', 'certificate', 'private-key', 'malformed'];

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;
const bodyOf = (text: string) => text.replace(/-----[A-Z0-9 ]+-----|\s/g, '');

function certificateFor(privatePem: string): string {
  const privateKey = forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2026-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2027-01-01T00:00:00Z');
  cert.setSubject([{ name: 'commonName', value: 'props.example' }]);
  cert.setIssuer([{ name: 'commonName', value: 'props.example' }]);
  cert.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_FORMS = [
  rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
  rsa2048.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  bodyOf(rsa2048.publicKey.export({ type: 'spki', format: 'pem' }) as string),
  certificateFor(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string),
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string,
  generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string,
];

/** Private keys in every form someone might paste: PEM, bare base64 body, DER mislabelled, JWK, OpenSSH, PuTTY. */
function privateForms(): Array<{ name: string; text: string; body: string }> {
  const keys: Array<[string, KeyObject]> = [
    // Not the public keys' key pair: a public key's modulus is inside its private key.
    ['rsa', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey],
    ['ec', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
    ['ed25519', generateKeyPairSync('ed25519').privateKey],
    ['dsa', generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey],
  ];
  const forms: Array<{ name: string; text: string }> = [
    { name: 'vector A pkcs8', text: VECTOR_A.privateKey },
    { name: 'vector B pkcs1', text: VECTOR_B.privateKey },
  ];
  for (const [name, key] of keys) {
    const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
    forms.push(
      { name: `${name} pkcs8 pem`, text: key.export({ type: 'pkcs8', format: 'pem' }) as string },
      { name: `${name} pkcs8 body`, text: pkcs8.toString('base64') },
      { name: `${name} pkcs8 as PUBLIC KEY`, text: pem('PUBLIC KEY', pkcs8) },
      { name: `${name} pkcs8 as CERTIFICATE`, text: pem('CERTIFICATE', pkcs8) },
      {
        name: `${name} encrypted pkcs8 pem`,
        text: key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string,
      },
      {
        name: `${name} encrypted pkcs8 body`,
        text: bodyOf(
          key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string,
        ),
      },
    );
    if (name !== 'dsa')
      forms.push({ name: `${name} jwk`, text: JSON.stringify(key.export({ format: 'jwk' })) });
    if (name === 'rsa' || name === 'ec') {
      const type = name === 'rsa' ? 'pkcs1' : 'sec1';
      const der = key.export({ type, format: 'der' });
      forms.push(
        { name: `${name} ${type} pem`, text: key.export({ type, format: 'pem' }) as string },
        { name: `${name} ${type} body`, text: der.toString('base64') },
        { name: `${name} ${type} as PUBLIC KEY`, text: pem('PUBLIC KEY', der) },
        { name: `${name} ${type} as RSA PUBLIC KEY`, text: pem('RSA PUBLIC KEY', der) },
      );
    }
  }
  forms.push(...openSshForms());
  forms.push({
    name: 'putty',
    text: `PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: props\nPublic-Lines: 2\nAAAAB3NzaC1yc2EAAAADAQABAAAAgQC\nx\nPrivate-Lines: 1\n${bodyOf(VECTOR_A.privateKey).slice(0, 64)}\n`,
  });
  return forms.map((f) => ({
    ...f,
    text: registerSecret(f.text, `private key (${f.name})`),
    body: bodyOf(f.text),
  }));
}

function openSshForms(): Array<{ name: string; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'props-keys-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'props', '-f', join(dir, 'k')]);
    const text = readFileSync(join(dir, 'k'), 'utf8');
    return [
      { name: 'openssh pem', text },
      { name: 'openssh body', text: bodyOf(text) },
    ];
  } catch {
    return []; // no ssh-keygen here
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PRIVATE = privateForms();

/** Every 16-character run of a private key's body: none may come back in any field. */
function expectNoPartOf(secretBody: string, result: KeyInspection) {
  const out = JSON.stringify(result);
  const compact = out.replace(/\\n|\s/g, '');
  for (let i = 0; i + 16 <= secretBody.length; i += 8) {
    const part = secretBody.slice(i, i + 16);
    if (compact.includes(part)) throw new Error(`part of a private key came back: ${part}`);
  }
}

function expectWellFormed(result: KeyInspection, input: string) {
  expect(KINDS).toContain(result.kind);
  expect(typeof result.jiraAccepts).toBe('boolean');
  if (result.kind === 'malformed') {
    expect(result.problem).toBeTruthy();
    expect(result.problem!.length, result.problem).toBeLessThanOrEqual(200);
    expect(result.jiraAccepts).toBe(false);
    expect(result.fingerprint).toBeUndefined();
    // The problem names what is wrong, never what was pasted (beyond a PEM label of at most a few words).
    const pasted = input.trim();
    for (let i = 0; i + 24 <= pasted.length; i += 12) {
      const part = pasted.slice(i, i + 24);
      if (/^[A-Z0-9 -]+$/.test(part)) continue; // PEM labels and dashes
      expect(result.problem, 'the reason quotes the input').not.toContain(part);
    }
  } else if (result.kind === 'private-key') {
    expect(result).toEqual({ kind: 'private-key', jiraAccepts: false });
  } else {
    expect(result.bits).toBeGreaterThan(0);
    expect(result.fingerprint).toMatch(/^SHA256:([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(result.spkiPem).toMatch(
      /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/,
    );
    const again = inspectPublicKey(result.spkiPem!);
    expect(again).toMatchObject({ kind: 'spki-pem', fingerprint: result.fingerprint, bits: result.bits });
  }
}

const LABELS = [
  'PUBLIC KEY',
  'RSA PUBLIC KEY',
  'CERTIFICATE',
  'CERTIFICATE REQUEST',
  'PRIVATE KEY',
  'X',
  'A'.repeat(5000),
  '',
];

describe('inspectPublicKey on anything', () => {
  it('arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(hostileText({ long: 25_000 }), fc.string({ unit: 'binary', maxLength: 500 })),
        (text) => {
          expectWellFormed(inspectPublicKey(text), text);
        },
      ),
      { seed: SEED, numRuns: 800, ...BOUNDED },
    );
  });

  it('random bytes as base64, bare or between PEM lines of any label', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.option(fc.constantFrom(...LABELS), { nil: undefined }),
        fc.option(fc.constantFrom(...LABELS), { nil: undefined }),
        fc.constantFrom('\n', '\r\n', '', ' '),
        (bytes, begin, end, newline) => {
          const body = Buffer.from(bytes).toString('base64');
          const text =
            begin === undefined
              ? body
              : `-----BEGIN ${begin}-----${newline}${body}${newline}-----END ${end ?? begin}-----`;
          expectWellFormed(inspectPublicKey(text), text);
        },
      ),
      { seed: SEED, numRuns: 800, ...BOUNDED },
    );
  });

  it('DER-shaped random structures (nested SEQUENCEs of INTEGERs, BIT and OCTET STRINGs)', () => {
    const asn1 = forge.asn1;
    const T = asn1.Type;
    const node: fc.Arbitrary<forge.asn1.Asn1> = fc.letrec<{ node: forge.asn1.Asn1 }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc
          .uint8Array({ maxLength: 40 })
          .map((b) =>
            asn1.create(
              asn1.Class.UNIVERSAL,
              T.INTEGER,
              false,
              forge.util.binary.raw.encode(new Uint8Array([1, ...b])),
            ),
          ),
        fc
          .uint8Array({ maxLength: 40 })
          .map((b) =>
            asn1.create(asn1.Class.UNIVERSAL, T.OCTETSTRING, false, forge.util.binary.raw.encode(b)),
          ),
        fc
          .uint8Array({ maxLength: 40 })
          .map((b) =>
            asn1.create(asn1.Class.UNIVERSAL, T.BITSTRING, false, `\u0000${forge.util.binary.raw.encode(b)}`),
          ),
        fc
          .constantFrom('1.2.840.113549.1.1.1', '1.2.840.10045.2.1', '1.3.101.112', '2.5.4.3')
          .map((oid) => asn1.create(asn1.Class.UNIVERSAL, T.OID, false, asn1.oidToDer(oid).getBytes())),
        fc.constant(asn1.create(asn1.Class.UNIVERSAL, T.NULL, false, '')),
        fc
          .array(tie('node'), { maxLength: 10 })
          .map((kids) => asn1.create(asn1.Class.UNIVERSAL, T.SEQUENCE, true, kids)),
      ),
    })).node;
    fc.assert(
      fc.property(node, fc.constantFrom(...LABELS.slice(0, 4), undefined), (structure, label) => {
        const der = Buffer.from(asn1.toDer(structure).getBytes(), 'binary');
        const text = label === undefined ? der.toString('base64') : pem(label, der);
        expectWellFormed(inspectPublicKey(text), text);
      }),
      { seed: SEED, numRuns: 800, ...BOUNDED },
    );
  });

  it('valid public keys cut off, with characters flipped, lines dropped or text around them', () => {
    const mutate = (text: string) =>
      fc.oneof(
        fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
        fc.nat({ max: text.length }).map((n) => text.slice(n)),
        fc
          .tuple(
            fc.nat({ max: text.length - 1 }),
            fc.constantFrom('A', '/', '+', '=', '-', ' ', '\n', '!', 'é'),
          )
          .map(([i, c]) => text.slice(0, i) + c + text.slice(i + 1)),
        fc.nat({ max: 40 }).map((n) =>
          text
            .split('\n')
            .filter((_, i) => i !== n)
            .join('\n'),
        ),
        fc.tuple(hostileText({ long: 100 }), hostileText({ long: 100 })).map(([a, b]) => `${a}${text}${b}`),
        fc.constant(text.replace(/\n/g, '\r\n')),
        fc.constant(`${text}${text}`),
      );
    fc.assert(
      fc.property(fc.constantFrom(...PUBLIC_FORMS).chain(mutate), (text) => {
        expectWellFormed(inspectPublicKey(text), text);
      }),
      { seed: SEED, numRuns: 1500, ...BOUNDED },
    );
  });
});

describe('private keys', () => {
  it(`are refused in every form (${PRIVATE.length} forms), with nothing of them returned`, () => {
    const misread = PRIVATE.filter((form) => inspectPublicKey(form.text).kind !== 'private-key');
    expect(misread.map((form) => `${form.name}: ${inspectPublicKey(form.text).problem}`)).toEqual([]);
  });

  it('cut off, mutated or next to a public key, nothing of them is ever returned', () => {
    const mutated = fc.constantFrom(...PRIVATE).chain((form) =>
      fc
        .oneof(
          fc.nat({ max: form.text.length }).map((n) => form.text.slice(0, n)),
          fc.nat({ max: form.text.length }).map((n) => form.text.slice(n)),
          fc
            .tuple(fc.nat({ max: form.text.length - 1 }), fc.constantFrom('A', '/', '-', ' ', '\n', '!'))
            .map(([i, c]) => form.text.slice(0, i) + c + form.text.slice(i + 1)),
          fc.nat({ max: 40 }).map((n) =>
            form.text
              .split('\n')
              .filter((_, i) => i !== n)
              .join('\n'),
          ),
          fc.constant(form.text.replace(/-----[A-Z0-9 ]+-----/g, '')),
          fc.constant(form.text.replace(/PRIVATE/g, 'PUBLIC')),
          fc
            .tuple(hostileText({ long: 100 }), fc.constantFrom(...PUBLIC_FORMS))
            .map(([a, pub]) => `${pub}\n${a}\n${form.text}`),
        )
        .map((text) => ({ form, text })),
    );
    fc.assert(
      fc.property(mutated, ({ form, text }) => {
        const result = inspectPublicKey(text);
        expectWellFormed(result, text);
        expectNoPartOf(form.body, result);
      }),
      { seed: SEED, numRuns: 1500, ...BOUNDED },
    );
  });
});
