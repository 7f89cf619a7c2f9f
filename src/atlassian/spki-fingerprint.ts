/**
 * The SHA-256 fingerprint of a public key's SubjectPublicKeyInfo, as `SHA256:ab:cd:…`, over node:crypto (reference
 * §10: equal to node-forge's SPKI SHA-256). Reads what an admin pastes and what Jira's applinks REST returns: SPKI
 * PEM, a bare base64 SPKI body (Jira's own form), and PKCS#1 `RSA PUBLIC KEY` PEM. Anything else — including a
 * private key, from which a public key could be derived — is undefined: classifying it is the key inspector's job.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----/;
const BASE64_BODY = /^[A-Za-z0-9+/]+={0,2}$/;

export function spkiFingerprint(publicKeyText: string): string | undefined {
  const key = readPublicKey(publicKeyText);
  if (!key) return undefined;
  const der = key.export({ type: 'spki', format: 'der' });
  const hex = createHash('sha256').update(der).digest('hex');
  return `SHA256:${hex.match(/../g)!.join(':')}`;
}

function readPublicKey(text: string): KeyObject | undefined {
  const trimmed = text.trim();
  const label = PEM.exec(trimmed)?.[1];
  try {
    if (label) {
      return label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY' ? createPublicKey(trimmed) : undefined;
    }
    const body = trimmed.replace(/\s+/g, '');
    if (!BASE64_BODY.test(body)) return undefined;
    return createPublicKey({ key: Buffer.from(body, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}
