/** The OAuthPort of the test checks, over the RSA-SHA1 signer and the key inspector. */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { OAuthPort, OAuthSigned, OAuthSignRequest } from '../core/runbooks/checks/oauth-port.js';
import { Secret } from '../core/secret.js';
import { signRequest, throwawayKey } from './oauth-signer.js';
import { inspectPublicKey } from './rsa-keys.js';

/** A failure to sign; the message never holds key material. */
export class OAuthSigningError extends Error {
  override name = 'OAuthSigningError';
}

export class NodeOAuth implements OAuthPort {
  async sign(request: OAuthSignRequest): Promise<OAuthSigned> {
    const privateKey = request.privateKey ? readPrivateKey(request.privateKey) : await throwawayKey();
    let signed: ReturnType<typeof signRequest>;
    try {
      signed = signRequest({
        method: request.method,
        url: request.url,
        consumerKey: request.consumerKey,
        privateKey,
        ...(request.token ? { token: request.token.reveal() } : {}),
        ...(request.oauthParams ? { oauthParams: request.oauthParams } : {}),
      });
    } catch (error) {
      // e.g. an OpenSSL policy that forbids SHA-1 signatures (FIPS, hardened distributions).
      throw new OAuthSigningError(`RSA-SHA1 signing failed on this machine (${(error as Error).name}).`);
    }
    return {
      authorization: new Secret(signed.authorization),
      baseString: new Secret(signed.baseString),
      timestamp: signed.timestamp,
    };
  }

  inspectPublicKey(text: string) {
    return inspectPublicKey(text);
  }
}

function readPrivateKey(secret: Secret): KeyObject {
  try {
    const key = createPrivateKey(secret.reveal());
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    return key;
  } catch {
    throw new OAuthSigningError('The OAuth private key cannot be read (an unencrypted RSA PEM is needed).');
  }
}
