/**
 * Pasted key material (reference/atlassian.md §3.4, §10): what it is, how big, its fingerprint, and the SPKI PEM
 * Jira's application link accepts. A private key is recognised by its shape and never parsed further or kept.
 * Parsing is node-forge (>= 1.4.3, ASN.1 with a depth limit and all bytes consumed): the input is untrusted.
 */
import forge from 'node-forge';
import type { KeyInspection } from '../core/runbooks/checks/oauth-port.js';

const { asn1, pki } = forge;
type Asn1 = forge.asn1.Asn1;

/** Longer than any RSA public key or certificate an admin would paste (16384-bit certificate ≈ 5 KB of PEM). */
const MAX_INPUT = 20_000;
const MAX_DEPTH = 32;
/** A PEM label is echoed in a reason; real ones are a few words. */
const MAX_LABEL = 40;

const KNOWN_ALGORITHMS: Record<string, string> = {
  '1.2.840.10045.2.1': 'an elliptic-curve (EC) key',
  '1.3.101.112': 'an Ed25519 key',
  '1.3.101.113': 'an Ed448 key',
  '1.2.840.10040.4.1': 'a DSA key',
  '1.2.840.113549.1.1.10': 'an RSA-PSS key',
};

type Shape = 'spki' | 'rsa-public' | 'certificate' | 'private' | 'unknown';

export function inspectPublicKey(text: string): KeyInspection {
  const input = text.trim();
  if (!input) return malformed('The text is empty.');
  if (input.length > MAX_INPUT)
    return malformed(`The text has ${input.length} characters; a public key has far fewer.`);
  if (looksPrivate(input)) return { kind: 'private-key', jiraAccepts: false };
  if (/^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-)/.test(input))
    return malformed('It is an OpenSSH public key ("ssh-rsa …"); Jira needs a PEM public key.');
  const pem = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(input);
  if (pem) return fromPem(pem[1]!, pem[2]!);
  if (input.includes('-----')) return malformed('The BEGIN/END lines are damaged or do not match.');
  return fromBase64(input);
}

/** Base64 of "openssh-key-v1", the start of an OpenSSH private key's body. */
const OPENSSH_BODY = 'b3BlbnNzaC1rZXktdjE';

function looksPrivate(input: string): boolean {
  return (
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(input) ||
    /^PuTTY-User-Key-File-/m.test(input) ||
    input.replace(/\s+/g, '').startsWith(OPENSSH_BODY) ||
    privateJwk(input)
  );
}

/** A JSON Web Key (or set) holding a private part: "d" (RSA, EC, OKP) or "k" (a symmetric key). */
function privateJwk(input: string): boolean {
  return /^[[{]/.test(input) && /"kty"\s*:/.test(input) && /"[dk]"\s*:/.test(input);
}

function fromPem(fullLabel: string, body: string): KeyInspection {
  const label = fullLabel.length <= MAX_LABEL ? fullLabel : `${fullLabel.slice(0, MAX_LABEL)}…`;
  const der = decodeBase64(body);
  if (der === undefined) return malformed(`The ${label} block is not valid base64.`);
  const parsed = parseDer(der);
  if (!parsed) return malformed(`The ${label} block is not valid DER.`);
  const shape = shapeOf(parsed);
  if (shape === 'private') return { kind: 'private-key', jiraAccepts: false };
  if (fullLabel === 'PUBLIC KEY' && shape === 'spki')
    return describe('spki-pem', () => spkiKey(parsed), true);
  if (fullLabel === 'RSA PUBLIC KEY' && shape === 'rsa-public')
    return describe('pkcs1-pem', () => rsaKey(parsed), false);
  if (fullLabel === 'CERTIFICATE' && shape === 'certificate')
    return describe('certificate', () => certKey(parsed), true);
  return malformed(`A "${label}" block holding ${SHAPE_TEXT[shape]} is not an RSA public key.`);
}

function fromBase64(input: string): KeyInspection {
  const der = decodeBase64(input);
  if (der === undefined) return malformed('The text is neither a PEM block nor base64.');
  const parsed = parseDer(der);
  if (!parsed)
    return malformed(
      'The base64 text does not decode to a key (it may be cut off or have extra characters).',
    );
  switch (shapeOf(parsed)) {
    case 'private':
      return { kind: 'private-key', jiraAccepts: false };
    case 'spki':
      return describe('bare-base64', () => spkiKey(parsed), true);
    case 'rsa-public':
      // Jira parses bare base64 as SubjectPublicKeyInfo only: a PKCS#1 body fails there.
      return describe('pkcs1-pem', () => rsaKey(parsed), false);
    case 'certificate':
      // Jira reads a certificate only with its BEGIN CERTIFICATE line.
      return describe('certificate', () => certKey(parsed), false);
    default:
      return malformed('The base64 text decodes to something that is not a public key.');
  }
}

const SHAPE_TEXT: Record<Shape, string> = {
  spki: 'a public key',
  'rsa-public': 'a PKCS#1 RSA public key',
  certificate: 'a certificate',
  private: 'a private key',
  unknown: 'unknown data',
};

function decodeBase64(body: string): string | undefined {
  const compact = body.replace(/\s+/g, '');
  if (!compact || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  return forge.util.decode64(compact);
}

function parseDer(der: string): Asn1 | undefined {
  try {
    const options = { strict: true, parseAllBytes: true, decodeBitStrings: true, maxDepth: MAX_DEPTH };
    return asn1.fromDer(forge.util.createBuffer(der), options as unknown as boolean);
  } catch {
    return undefined;
  }
}

/** Recognises the structure without interpreting it, so a private key is never turned into a key object. */
function shapeOf(obj: Asn1): Shape {
  const kids = Array.isArray(obj.value) ? (obj.value as Asn1[]) : [];
  if (obj.type !== asn1.Type.SEQUENCE || kids.length === 0) return 'unknown';
  const types = kids.map((k) => k.type);
  const T = asn1.Type;
  if (types.length >= 9 && types.every((t) => t === T.INTEGER)) return 'private';
  if (types[0] === T.INTEGER && types[1] === T.SEQUENCE && types[2] === T.OCTETSTRING) return 'private';
  // SEC 1 ECPrivateKey: { version INTEGER, privateKey OCTET STRING, [0] parameters, [1] publicKey }.
  if (types[0] === T.INTEGER && types[1] === T.OCTETSTRING) return 'private';
  // EncryptedPrivateKeyInfo: { AlgorithmIdentifier, OCTET STRING }.
  if (types.length === 2 && types[0] === T.SEQUENCE && types[1] === T.OCTETSTRING) return 'private';
  if (types.length === 2 && types[0] === T.SEQUENCE && types[1] === T.BITSTRING) return 'spki';
  if (types.length === 2 && types[0] === T.INTEGER && types[1] === T.INTEGER) return 'rsa-public';
  if (types.length === 3 && types[0] === T.SEQUENCE && types[1] === T.SEQUENCE && types[2] === T.BITSTRING)
    return 'certificate';
  return 'unknown';
}

class NotRsa extends Error {}

function spkiKey(obj: Asn1): forge.pki.rsa.PublicKey {
  const algorithm = ((obj.value as Asn1[])[0]?.value as Asn1[] | undefined)?.[0];
  const oid = algorithm?.type === asn1.Type.OID ? asn1.derToOid(algorithm.value as string) : '';
  if (oid !== pki.oids.rsaEncryption)
    throw new NotRsa(KNOWN_ALGORITHMS[oid] ?? `a key of type ${oid || '?'}`);
  return pki.publicKeyFromAsn1(obj) as forge.pki.rsa.PublicKey;
}

function rsaKey(obj: Asn1): forge.pki.rsa.PublicKey {
  return pki.publicKeyFromAsn1(obj) as forge.pki.rsa.PublicKey;
}

function certKey(obj: Asn1): forge.pki.rsa.PublicKey {
  try {
    return pki.certificateFromAsn1(obj).publicKey as forge.pki.rsa.PublicKey;
  } catch (error) {
    throw new NotRsa(
      /RSA/i.test((error as Error).message) ? 'a certificate for a non-RSA key' : 'a damaged certificate',
    );
  }
}

function describe(
  kind: KeyInspection['kind'],
  getKey: () => forge.pki.rsa.PublicKey,
  jiraAccepts: boolean,
): KeyInspection {
  let key: forge.pki.rsa.PublicKey;
  try {
    key = getKey();
  } catch (error) {
    if (error instanceof NotRsa)
      return malformed(`It is ${error.message}; Jira’s OAuth 1.0a needs an RSA key.`);
    return malformed('The key structure cannot be read.');
  }
  return {
    kind,
    jiraAccepts,
    bits: key.n.bitLength(),
    fingerprint: spkiFingerprint(key),
    // forge writes "\r\n"; Jira's key parser strips "\n" but not "\r".
    spkiPem: pki.publicKeyToPem(key).replace(/\r\n/g, '\n'),
  };
}

/** "SHA256:" + colon-separated lower-case hex of SHA-256 over the SubjectPublicKeyInfo DER. */
export function spkiFingerprint(key: forge.pki.PublicKey): string {
  const hex = pki.getPublicKeyFingerprint(key, {
    md: forge.md.sha256.create(),
    type: 'SubjectPublicKeyInfo',
    encoding: 'hex',
    delimiter: ':',
  });
  return `SHA256:${hex}`;
}

/** The convention, for labels next to a fingerprint. */
export const FINGERPRINT_LABEL = 'SHA-256 of the SubjectPublicKeyInfo (DER)';

function malformed(problem: string): KeyInspection {
  return { kind: 'malformed', jiraAccepts: false, problem };
}
