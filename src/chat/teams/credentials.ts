/**
 * Outbound credentials for places without Entra: the sandbox and tests sign connector calls with a token from the
 * Teams simulator instead of MSAL. Inbound validation still checks `aud` against `appId`.
 */
import type { CredentialsFactory } from './credentials-factory.js';

type Credentials = Awaited<ReturnType<CredentialsFactory['createCredentials']>>;
type WebResource = Parameters<Credentials['signRequest']>[0];

/** Credentials that put `Bearer <token()>` on every connector request. */
export function tokenCredentials(appId: string, token: () => string | Promise<string>): CredentialsFactory {
  return {
    isValidAppId: async (candidate: string) => candidate === appId,
    isAuthenticationDisabled: async () => !appId,
    createCredentials: async (candidate: string) => {
      if (candidate !== appId) throw new Error('Invalid appId.');
      return {
        signRequest: async (resource: WebResource) => {
          resource.headers.set('authorization', `Bearer ${await token()}`);
          return resource;
        },
      };
    },
  };
}

/** No app id: inbound auth off and no Authorization header (sandbox only). */
export function noCredentials(): CredentialsFactory {
  return {
    isValidAppId: async () => false,
    isAuthenticationDisabled: async () => true,
    createCredentials: async () => ({ signRequest: async (resource: WebResource) => resource }),
  };
}
