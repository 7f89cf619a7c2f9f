/**
 * One simulated Jira site (Cloud or Data Center): its accounts, tokens, projects and the fault it is switched to.
 * The Jira simulator routes each request to a site by Host header (or cloud id through the gateway).
 */
import { randomUUID } from 'node:crypto';

export const JIRA_FAULTS = [
  'token-rejected',
  'anonymous-fallback',
  'captcha',
  'ip-blocked',
  'login-page',
  'rate-limited',
  'rate-limited-once',
  'server-error',
  'renamed',
  'not-found',
  'clock-skew',
  /** A corporate proxy refuses `/_edge/…` (tenant info) with its own 403 page; the rest passes. */
  'edge-blocked',
  /** The connection is dropped on `/_edge/…` (tenant info): a network failure on that path only. */
  'edge-reset',
] as const;
export type JiraFault = (typeof JIRA_FAULTS)[number];

/** One more API token of an account (the sandbox's Jira admin creates, revokes and dates them). */
export interface SimApiToken {
  id: string;
  label: string;
  value: string;
  /** A scoped token works only through the gateway, like every token of a `scoped` account. */
  scoped?: boolean;
  createdAt: number;
  /** Epoch ms; from then on Jira refuses the token. */
  expiresAt?: number;
}

export interface SimAccount {
  email: string;
  /** Classic API token (site URL) or scoped token (gateway only). Empty: none. */
  token: string;
  scoped?: boolean;
  /** Further API tokens, each accepted like `token` until it expires. */
  apiTokens?: SimApiToken[];
  /** Data Center Personal Access Token (Bearer). */
  pat?: string;
  accountId: string;
  displayName: string;
  accountType: 'atlassian' | 'app';
  appType?: 'service';
  applicationRoles: string[];
  groups: string[];
  admin: boolean;
  /** Project key → granted permission keys. */
  projectPermissions: Record<string, string[]>;
}

export interface SimProject {
  id: string;
  key: string;
  name: string;
}

/** An application link (Jira → Jira Align) with its incoming OAuth 1.0a consumer, as set in steps 9–15. */
export interface SimAppLink {
  id: string;
  name: string;
  /** The Jira Align URL entered at step 9. */
  rpcUrl: string;
  displayUrl: string;
  /** Incoming authentication (steps 13–14): consumer key and public key (SPKI PEM or bare base64). */
  consumer?: { key: string; name: string; publicKey: string };
}

export interface SiteOptions {
  host: string;
  kind?: 'cloud' | 'datacenter';
  version?: string;
  baseUrl?: string;
}

export class JiraSite {
  readonly host: string;
  readonly kind: 'cloud' | 'datacenter';
  readonly cloudId = randomUUID();
  version: string;
  /** What serverInfo reports; differs from the request URL after a rename. */
  baseUrl: string;
  accounts: SimAccount[] = [];
  projects: SimProject[] = [];
  fault?: JiraFault;
  /** With the 'renamed' fault: where requests are redirected. */
  renamedTo?: string;
  /** Added to every answer of this site. */
  latencyMs = 0;
  /** With the 'clock-skew' fault: the Date header is off by this much. */
  clockSkewMs = 10 * 60_000;
  /** Application links; their incoming consumers are what the OAuth provider knows. */
  appLinks: SimAppLink[] = [];
  /** Counts requests per path, for tests that assert what was called. */
  readonly hits = new Map<string, number>();

  constructor(options: SiteOptions) {
    this.host = options.host.toLowerCase();
    this.kind = options.kind ?? 'cloud';
    this.version = options.version ?? (this.kind === 'cloud' ? '1001.0.0-SNAPSHOT' : '9.12.4');
    this.baseUrl = options.baseUrl ?? `https://${this.host}`;
  }

  addAccount(partial: Partial<SimAccount> & { email: string; token: string }): SimAccount {
    const account: SimAccount = {
      accountId: `5b10ac8d82e05b22cc7d${String(this.accounts.length).padStart(4, '0')}`,
      displayName: partial.email.split('@')[0] ?? partial.email,
      accountType: 'atlassian',
      applicationRoles: ['jira-software'],
      groups: ['jira-software-users'],
      admin: true,
      projectPermissions: {},
      ...partial,
    };
    this.accounts.push(account);
    return account;
  }

  addProject(key: string, name = `${key} project`): SimProject {
    const project = { id: String(10000 + this.projects.length), key, name };
    this.projects.push(project);
    return project;
  }

  /** Grants every permission a two-way sync needs in `key`. */
  grantAll(account: SimAccount, key: string, permissions: readonly string[]): void {
    account.projectPermissions[key] = [...permissions];
  }

  addAppLink(rpcUrl: string, name = 'Jira Align'): SimAppLink {
    const link: SimAppLink = { id: randomUUID(), name, rpcUrl, displayUrl: rpcUrl };
    this.appLinks.push(link);
    return link;
  }

  /** The incoming consumer registered under `key` on any application link. */
  consumerByKey(key: string): SimAppLink['consumer'] | undefined {
    return this.appLinks.find((l) => l.consumer?.key === key)?.consumer;
  }

  /** Basic email:token on the site URL; scoped tokens only through the gateway. */
  authenticateBasic(email: string, token: string, viaGateway: boolean): SimAccount | undefined {
    if (!token) return undefined;
    for (const account of this.accounts) {
      if (account.email.toLowerCase() !== email.toLowerCase()) continue;
      const extra = account.apiTokens?.find(
        (t) => t.value === token && (t.expiresAt === undefined || t.expiresAt > Date.now()),
      );
      if (account.token !== token && !extra) continue;
      return (account.scoped || extra?.scoped) && !viaGateway ? undefined : account;
    }
    return undefined;
  }

  authenticateBearer(token: string): SimAccount | undefined {
    return this.kind === 'datacenter'
      ? this.accounts.find((a) => a.pat !== undefined && a.pat === token)
      : undefined;
  }
}
