/**
 * Jira Align's sync, simulated: an active connector with a green Service Light reaches its Jira site with its
 * saved credentials, and each synced project and board records the error it met (or none) in `errorMessage` —
 * what the bot's align-sync check reads. A deactivated connector does not sync: its last messages stay.
 */
import { PROJECT_PERMISSIONS } from '../../core/runbooks/checks/jira.js';
import type { JiraSim } from '../jira-sim.js';
import type { JiraFault, JiraSite, SimAccount } from '../jira-site.js';
import { oauthState } from '../oauth-provider.js';
import type { AdminConnector } from './align-admin.js';
import type { SandboxNetwork } from './network.js';

export interface SyncWorld {
  jira: JiraSim;
  network: SandboxNetwork;
  /** Jira answers slower than this are a timeout for Jira Align too. */
  timeoutMs: number;
}

const FAULT_ERRORS: Partial<Record<JiraFault, string>> = {
  'token-rejected': '401 Unauthorized: Jira rejected the credentials.',
  'anonymous-fallback': 'Jira answered as an anonymous user: the credentials were ignored.',
  captcha: '403 Forbidden: CAPTCHA_CHALLENGE — log in once as the service account in a browser.',
  'ip-blocked': '403 Forbidden: the IP address has been rejected because it is not on the allowed list.',
  'login-page': 'Jira answered a login page instead of data.',
  'rate-limited': '429 Too Many Requests: rate limit exceeded.',
  'server-error': '502 Bad gateway: Jira is not available.',
  renamed: '301 Moved Permanently: the Jira URL has changed.',
  'not-found': '404: Jira site not found.',
};

/** Recomputes the errorMessage of every project and board of an active connector. */
export function syncConnector(world: SyncWorld, c: AdminConnector, failing = false): void {
  if (failing) return markFailing(c);
  if (!c.active || c.serviceLight !== 'green') return;
  const reached = reach(world, c);
  for (const project of c.connector.projects) {
    project.errorMessage =
      c.forced.get(`project:${project.projectKey}`) ??
      ('error' in reached
        ? reached.error
        : projectError(reached.site, reached.account, project.projectKey)) ??
      null;
  }
  for (const board of c.connector.boards) {
    board.errorMessage = c.forced.get(`board:${board.id}`) ?? ('error' in reached ? reached.error : null);
  }
}

/** Errors Jira Align reports whatever the connection does (a field mapping, a deleted board filter). */
function markFailing(c: AdminConnector): void {
  for (const p of c.connector.projects) p.errorMessage = 'Field mapping: the Jira field “Team” is required.';
  for (const b of c.connector.boards) b.errorMessage = 'The board’s filter no longer exists in Jira.';
}

/** What Jira Align's "Test Now" reports: the connection's problem, or undefined when it works. */
export function connectionProblem(world: SyncWorld, c: AdminConnector): string | undefined {
  const reached = reach(world, c);
  return 'error' in reached ? reached.error : undefined;
}

type Reached = { site: JiraSite; account: SimAccount } | { error: string };

function reach(world: SyncWorld, c: AdminConnector): Reached {
  const target = apiTarget(world, c);
  if ('error' in target) return target;
  const { site, host, viaGateway } = target;
  if (world.network.dnsBroken(host)) return { error: `Could not resolve ${host}.` };
  if (site.latencyMs >= world.timeoutMs) return { error: 'Jira did not answer in time.' };
  const oauth = c.settings.authType === 'oauth';
  if (site.fault === 'clock-skew' && oauth)
    return { error: 'oauth_problem=timestamp_refused: the clocks disagree.' };
  const faultError = site.fault ? FAULT_ERRORS[site.fault] : undefined;
  if (faultError) return { error: faultError };
  const account = credentials(site, c, viaGateway);
  if (!account) {
    return {
      error: oauth
        ? '401 Unauthorized: oauth_problem=token_rejected — authorize OAuth again.'
        : '401 Unauthorized: Jira rejected the credentials.',
    };
  }
  if (account.applicationRoles.length === 0)
    return { error: '403 Forbidden: the user does not have access to Jira.' };
  return { site, account };
}

function apiTarget(
  world: SyncWorld,
  c: AdminConnector,
): { site: JiraSite; host: string; viaGateway: boolean } | { error: string } {
  const raw =
    c.settings.authType === 'oauth' ? c.settings.jiraLink : c.settings.apiUrl || c.settings.jiraLink;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: 'The connector has no valid Jira API URL.' };
  }
  const host = url.hostname.toLowerCase();
  if (host === world.jira.gatewayHost) {
    const cloudId = /^\/ex\/jira\/([0-9a-f-]{36})/.exec(url.pathname)?.[1];
    const site = [...world.jira.sites.values()].find((s) => s.cloudId === cloudId);
    return site ? { site, host, viaGateway: true } : { error: '404: no Jira site with that cloud id.' };
  }
  const site = world.jira.sites.get(host);
  return site ? { site, host, viaGateway: false } : { error: `Could not connect to ${host}.` };
}

function credentials(site: JiraSite, c: AdminConnector, viaGateway: boolean): SimAccount | undefined {
  const { authType, username } = c.settings;
  if (authType === 'basic') return site.authenticateBasic(username, c.apiToken ?? '', viaGateway);
  if (authType === 'pat') return site.authenticateBearer(c.apiToken ?? '');
  const token = c.oauth.accessToken ? oauthState(site).tokens.get(c.oauth.accessToken) : undefined;
  const consumer = token ? site.consumerByKey(token.consumerKey) : undefined;
  if (token?.kind !== 'access' || consumer?.publicKey !== token.publicKey) return undefined;
  return site.accounts.find((a) => a.accountId === token.accountId);
}

function projectError(site: JiraSite, account: SimAccount, key: string): string | undefined {
  const granted = account.projectPermissions[key] ?? [];
  const project = site.projects.find((p) => p.key === key);
  if (!project || (!account.admin && !granted.includes('BROWSE_PROJECTS')))
    return `Project ${key} was not found, or the user cannot see it.`;
  const missing = PROJECT_PERMISSIONS.filter((p) => !granted.includes(p));
  return missing.length > 0 ? `The user lacks permissions in ${key}: ${missing.join(', ')}.` : undefined;
}
