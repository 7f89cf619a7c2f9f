/**
 * "Break it": one click puts a simulated Jira site, its network or a Jira Align instance into a failure the bot
 * diagnoses with a known code (the remote causes of test/diagnosis-table.test.ts), and a second click repairs it.
 * Each break reads its state from the simulators, so a change made in the admin consoles shows here too.
 */
import type { DiagnosisCode } from '../../core/diagnosis.js';
import type { JiraFault, JiraSite, SimApiToken } from '../jira-site.js';
import { oauthState, type SimOAuthToken } from '../oauth-provider.js';
import {
  jiraFaults,
  renameSite,
  serviceAccount,
  setCaptcha,
  setIpAllowlist,
  setProductAccess,
  setProjectPermission,
  setSiteAdmin,
  tokensOf,
  wantSiteFault,
} from './jira-admin.js';
import type { SandboxWorld } from './world.js';

export type BreakSide = 'jira' | 'oauth' | 'network' | 'align';

export interface Break<T> {
  id: string;
  side: BreakSide;
  /** The diagnosis the bot gives while this is broken. */
  code: DiagnosisCode;
  /** Further diagnoses it causes for some connectors (e.g. OAuth ones). */
  also?: DiagnosisCode[];
  label: string;
  /** Offered only where it can matter (OAuth breaks need an OAuth consumer, …). */
  relevant?(world: SandboxWorld, target: T): boolean;
  active(world: SandboxWorld, target: T): boolean;
  apply(world: SandboxWorld, target: T): void | Promise<void>;
  repair(world: SandboxWorld, target: T): void | Promise<void>;
}

const SPRINTS = 'MANAGE_SPRINTS_PERMISSION';
const METADATA = 'http://169.254.169.254';

function faultBreak(
  id: string,
  side: BreakSide,
  code: DiagnosisCode,
  label: string,
  fault: JiraFault,
  params: (
    world: SandboxWorld,
    site: JiraSite,
  ) => Promise<Partial<JiraSite>> | Partial<JiraSite> = () => ({}),
): Break<JiraSite> {
  const by = `break:${id}`;
  return {
    id,
    side,
    code,
    label,
    active: (_w, site) => jiraFaults.has(site, by),
    apply: async (world, site) => wantSiteFault(site, by, fault, await params(world, site)),
    repair: (_w, site) => jiraFaults.drop(site, by),
  };
}

/** What a break took away, to give back on repair. */
const revokedTokens = new WeakMap<JiraSite, SimApiToken[]>();
const hiddenProjects = new WeakMap<JiraSite, JiraSite['projects']>();
const removedConsumers = new WeakMap<
  JiraSite,
  Map<string, NonNullable<JiraSite['appLinks'][number]['consumer']>>
>();
const revokedOAuth = new WeakMap<JiraSite, SimOAuthToken[]>();

function account(site: JiraSite) {
  const found = serviceAccount(site);
  if (!found) throw new Error(`${site.host} has no account`);
  return found;
}

function hasConsumer(site: JiraSite): boolean {
  return site.appLinks.some((l) => l.consumer) || (removedConsumers.get(site)?.size ?? 0) > 0;
}

function accessTokens(site: JiraSite): SimOAuthToken[] {
  return [...oauthState(site).tokens.values()].filter((t) => t.kind === 'access');
}

export const JIRA_BREAKS: Break<JiraSite>[] = [
  {
    id: 'token-revoked',
    side: 'jira',
    code: 'JIRA_AUTH_REJECTED',
    label: 'Revoke the service account’s API tokens',
    active: (_w, site) => (revokedTokens.get(site)?.length ?? 0) > 0,
    apply: (_w, site) => {
      const tokens = tokensOf(account(site));
      revokedTokens.set(site, [...(revokedTokens.get(site) ?? []), ...tokens.splice(0)]);
    },
    repair: (_w, site) => {
      tokensOf(account(site)).unshift(...(revokedTokens.get(site) ?? []));
      revokedTokens.delete(site);
    },
  },
  faultBreak(
    'anonymous',
    'jira',
    'JIRA_AUTH_ANONYMOUS_FALLBACK',
    'Jira ignores the credentials and answers as anonymous',
    'anonymous-fallback',
  ),
  {
    id: 'scoped',
    side: 'jira',
    code: 'JIRA_SCOPED_TOKEN_WRONG_URL',
    label: 'Make the service account’s tokens scoped (they work only through api.atlassian.com)',
    active: (_w, site) => account(site).scoped === true,
    apply: (_w, site) => {
      account(site).scoped = true;
    },
    repair: (_w, site) => {
      account(site).scoped = false;
    },
  },
  {
    id: 'captcha',
    side: 'jira',
    code: 'JIRA_CAPTCHA_REQUIRED',
    label: 'Jira demands a CAPTCHA after failed logins',
    active: (_w, site) => jiraFaults.has(site, 'captcha'),
    apply: (_w, site) => setCaptcha(site, true),
    repair: (_w, site) => setCaptcha(site, false),
  },
  {
    id: 'ip-allowlist',
    side: 'jira',
    code: 'JIRA_IP_NOT_ALLOWLISTED',
    label: 'Turn the IP allowlist on (without Jira Align’s addresses)',
    active: (_w, site) => jiraFaults.has(site, 'ip-allowlist'),
    apply: (_w, site) => setIpAllowlist(site, true),
    repair: (_w, site) => setIpAllowlist(site, false),
  },
  {
    id: 'no-product',
    side: 'jira',
    code: 'JIRA_NO_PRODUCT_ACCESS',
    label: 'Remove the service account’s Jira product access',
    active: (_w, site) => account(site).applicationRoles.length === 0,
    apply: (_w, site) => setProductAccess(site, account(site).email, false),
    repair: (_w, site) => setProductAccess(site, account(site).email, true),
  },
  {
    id: 'not-admin',
    side: 'jira',
    code: 'JIRA_NOT_ADMIN',
    label: 'Remove the service account’s admin rights',
    active: (_w, site) => !account(site).admin,
    apply: (_w, site) => setSiteAdmin(site, account(site).email, false),
    repair: (_w, site) => setSiteAdmin(site, account(site).email, true),
  },
  {
    id: 'sprints',
    side: 'jira',
    code: 'JIRA_MISSING_PROJECT_PERMISSION',
    label: 'Take “Manage sprints” away in the test project',
    relevant: (_w, site) => site.projects.length > 0,
    active: (_w, site) => {
      const key = site.projects[0]?.key;
      return key !== undefined && !(account(site).projectPermissions[key] ?? []).includes(SPRINTS);
    },
    apply: (_w, site) =>
      setProjectPermission(site, account(site).email, site.projects[0]!.key, SPRINTS, false),
    repair: (_w, site) =>
      setProjectPermission(site, account(site).email, site.projects[0]!.key, SPRINTS, true),
  },
  {
    id: 'project-gone',
    side: 'jira',
    code: 'JIRA_PROJECT_NOT_VISIBLE',
    label: 'Archive the test project',
    relevant: (_w, site) => site.projects.length > 0 || hiddenProjects.has(site),
    active: (_w, site) => hiddenProjects.has(site),
    apply: (_w, site) => void hiddenProjects.set(site, site.projects.splice(0)),
    repair: (_w, site) => {
      site.projects.push(...(hiddenProjects.get(site) ?? []));
      hiddenProjects.delete(site);
    },
  },
  faultBreak(
    'rate-limited',
    'jira',
    'JIRA_RATE_LIMITED',
    'Jira rate-limits every call (429)',
    'rate-limited',
  ),
  faultBreak('login-page', 'jira', 'JIRA_LOGIN_PAGE', 'An SSO proxy answers with a login page', 'login-page'),
  faultBreak('not-found', 'jira', 'JIRA_SITE_NOT_FOUND', 'Delete the site (“Page unavailable”)', 'not-found'),
  {
    id: 'renamed',
    side: 'jira',
    code: 'JIRA_SITE_RENAMED',
    label: 'Rename the site (the old name redirects)',
    active: (_w, site) => jiraFaults.has(site, 'rename'),
    apply: (world, site) => void renameSite(world.jira, site, `${site.host.split('.')[0]}-new`),
    repair: (world, site) => void renameSite(world.jira, site, site.host.split('.')[0]!),
  },
  {
    ...faultBreak(
      'clock',
      'jira',
      'CLOCK_SKEW',
      'Jira’s clock runs 11 minutes ahead (OAuth also refuses the timestamps)',
      'clock-skew',
      () => ({ clockSkewMs: 11 * 60_000 }),
    ),
    also: ['OAUTH_TIMESTAMP_REFUSED'],
  },
  {
    id: 'consumer-unknown',
    side: 'oauth',
    code: 'OAUTH_CONSUMER_KEY_UNKNOWN',
    label: 'Remove the application link’s incoming authentication',
    relevant: (_w, site) => hasConsumer(site),
    active: (_w, site) => (removedConsumers.get(site)?.size ?? 0) > 0,
    apply: (_w, site) => {
      const removed = removedConsumers.get(site) ?? new Map();
      for (const link of site.appLinks) {
        if (!link.consumer) continue;
        removed.set(link.id, link.consumer);
        delete link.consumer;
      }
      removedConsumers.set(site, removed);
    },
    repair: (_w, site) => {
      for (const [id, consumer] of removedConsumers.get(site) ?? []) {
        const link = site.appLinks.find((l) => l.id === id);
        if (link && !link.consumer) link.consumer = consumer;
      }
      removedConsumers.delete(site);
    },
  },
  {
    id: 'proxy',
    side: 'oauth',
    code: 'OAUTH_SIGNATURE_INVALID',
    label: 'Put Jira behind a proxy that rewrites its URL',
    relevant: (_w, site) => hasConsumer(site),
    active: (_w, site) => oauthState(site).seenOrigin !== undefined,
    apply: (_w, site) => {
      oauthState(site).seenOrigin = 'https://jira.internal:8443';
    },
    repair: (_w, site) => {
      oauthState(site).seenOrigin = undefined;
    },
  },
  {
    id: 'oauth-token-revoked',
    side: 'oauth',
    code: 'OAUTH_TOKEN_REJECTED',
    label: 'Revoke the OAuth access tokens (View OAuth Access Tokens › Revoke)',
    relevant: (_w, site) => accessTokens(site).length > 0 || revokedOAuth.has(site),
    active: (_w, site) => revokedOAuth.has(site),
    apply: (_w, site) => {
      const tokens = accessTokens(site);
      for (const t of tokens) oauthState(site).revoke(t.token);
      revokedOAuth.set(site, [...(revokedOAuth.get(site) ?? []), ...tokens]);
    },
    repair: (_w, site) => {
      for (const t of revokedOAuth.get(site) ?? []) oauthState(site).tokens.set(t.token, t);
      revokedOAuth.delete(site);
    },
  },
  {
    id: 'dns',
    side: 'network',
    code: 'DNS_FAILURE',
    label: 'The site’s name stops resolving',
    active: (world, site) => world.network.dnsBroken(site.host),
    apply: (world, site) => world.network.breakDns(site.host),
    repair: (world, site) => world.network.repairDns(site.host),
  },
  faultBreak(
    'tls',
    'network',
    'TLS_FAILURE',
    'Jira moves to HTTPS with a certificate nobody trusts',
    'renamed',
    async (world, site) => ({ renamedTo: await world.network.untrustedOrigin(site.host) }),
  ),
  {
    id: 'timeout',
    side: 'network',
    code: 'TIMEOUT',
    label: 'Jira stops answering (the bot times out)',
    active: (world, site) => site.latencyMs >= world.timeoutMs,
    apply: (world, site) => {
      site.latencyMs = world.timeoutMs + 1000;
    },
    repair: (_w, site) => {
      site.latencyMs = 0;
    },
  },
  faultBreak('down', 'network', 'CONNECTION_REFUSED', 'Jira is down (502 from its edge)', 'server-error'),
  faultBreak(
    'metadata',
    'network',
    'EGRESS_BLOCKED',
    'Jira redirects to a cloud metadata address',
    'renamed',
    () => ({ renamedTo: METADATA }),
  ),
];
