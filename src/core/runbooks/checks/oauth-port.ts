/**
 * What the OAuth checks need from atlassian/: RSA-SHA1 signing (with a consumer's private key, or a throwaway key
 * for probes) and inspection of pasted key material. Pure types.
 */
import type { Secret } from '../../secret.js';

/** What pasted key material turned out to be (atlassian/keys.ts). Holds no key material but the public key. */
export interface KeyInspection {
  kind: 'spki-pem' | 'pkcs1-pem' | 'bare-base64' | 'certificate' | 'private-key' | 'malformed';
  /** Whether Jira's application link accepts the text as pasted (SPKI, with or without BEGIN/END lines, or a cert). */
  jiraAccepts: boolean;
  /** RSA modulus size. */
  bits?: number;
  /** SHA-256 over the SubjectPublicKeyInfo DER, as "SHA256:ab:cd:…". */
  fingerprint?: string;
  /** The key as the SPKI PEM Jira accepts ("\n" line ends). */
  spkiPem?: string;
  /** Why it is malformed; never quotes the input. */
  problem?: string;
}

export interface OAuthSignRequest {
  method: 'GET' | 'POST';
  /** The URL as it will be requested; normalised for signing by the adapter. */
  url: string;
  consumerKey: string;
  /** An access token (or a request token). */
  token?: Secret;
  /** The consumer's private key (PEM); without it the process's throwaway probe key signs. */
  privateKey?: Secret;
  /** More protocol parameters, e.g. oauth_callback. */
  oauthParams?: Record<string, string>;
}

export interface OAuthSigned {
  /** The Authorization header value; holds the token, if any. */
  authorization: Secret;
  /** The signature base string; holds the token, if any. */
  baseString: Secret;
  /** oauth_timestamp sent, in seconds. */
  timestamp: number;
}

/** Signs OAuth 1.0a requests and inspects key material; provided by atlassian/ when OAuth checks run. */
export interface OAuthPort {
  /** Rejects with an Error whose message is safe to show (it never holds key material). */
  sign(request: OAuthSignRequest): Promise<OAuthSigned>;
  inspectPublicKey(text: string): KeyInspection;
}
