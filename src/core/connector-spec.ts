/**
 * What a test is aimed at: a connector from the file or Redis, or an ad-hoc URL. Secrets are resolved by the
 * caller at run time and never stored here beyond the run's memory.
 */
import type { AuthType } from './commands.js';
import type { Secret } from './secret.js';

export type JiraKind = 'cloud' | 'datacenter';

export interface ConnectorSpec {
  name: string;
  jira: { url: string; kind: JiraKind; apiUrl?: string };
  align?: { url: string; connectorId?: number };
  auth: AuthType;
  /** Service-account email (Cloud Basic) or user name (Data Center Basic). */
  email?: string;
  project?: string;
  /**
   * consumerKey/publicKey: Jira Align's link (steps 4, 5, 13, 14). tokenConsumerKey: the consumer the stored access
   * token was issued to (Align Bot's own link), when it is not consumerKey.
   */
  oauth?: { consumerKey?: string; publicKey?: string; tokenConsumerKey?: string };
  /** ISO date the credential expires, when known. */
  tokenExpiresAt?: string;
  /** Where each secret comes from; never the secret itself. */
  secrets?: {
    jira?: SecretSource;
    align?: SecretSource;
    oauthAccessToken?: SecretSource;
    /** The private key (PEM) of the consumer that holds the access token; Jira Align's own never leaves Align. */
    oauthPrivateKey?: SecretSource;
  };
  active?: boolean;
  source?: 'file' | 'redis';
}

export type SecretSource = { env: string } | { file: string } | { stored: string };

export interface TestTarget {
  /** Connector name, or the Jira URL for an ad-hoc test. */
  label: string;
  spec: ConnectorSpec;
  /** Resolved credentials; absent ones skip the checks that need them. */
  jiraSecret?: Secret;
  alignSecret?: Secret;
  oauthAccessToken?: Secret;
  oauthPrivateKey?: Secret;
}

export function adhocSpec(jira: string, align?: string, kind: JiraKind = 'cloud'): ConnectorSpec {
  return {
    name: jira,
    jira: { url: jira, kind },
    ...(align ? { align: { url: align } } : {}),
    auth: 'basic',
  };
}
