/**
 * The simulated Jira admin: what a Jira administrator clicks for the connector (reference/procedure.md, steps 7–15
 * and the service account's tokens), as functions over the Jira simulator's sites. Each one changes exactly what
 * the bot's probes read, so the bot sees the effect as it would in production.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PROJECT_PERMISSIONS } from '../../core/runbooks/checks/jira.js';
import { readPublicKeyLikeJira } from '../applinks.js';
import type { JiraSim } from '../jira-sim.js';
import type { JiraFault, JiraSite, SimAccount, SimApiToken } from '../jira-site.js';
import { oauthState } from '../oauth-provider.js';
import { FaultLayers } from './fault-layers.js';

/** A refusal the admin UI shows as is (like Jira's own validation messages). */
export class AdminError extends Error {
  override name = 'AdminError';
}

const DEFAULT_SKEW_MS = 10 * 60_000;

export const jiraFaults = new FaultLayers<JiraSite>(
  (site) => {
    site.fault = undefined;
    site.renamedTo = undefined;
    site.clockSkewMs = DEFAULT_SKEW_MS;
  },
  (site) => {
    const { fault, renamedTo, clockSkewMs } = site;
    return fault
      ? { by: `preset:${fault}`, set: (s) => Object.assign(s, { fault, renamedTo, clockSkewMs }) }
      : undefined;
  },
);

/** Puts `site` into `fault` on behalf of control `by` (params such as renamedTo go with it). */
export function wantSiteFault(site: JiraSite, by: string, fault: JiraFault, params: Partial<JiraSite> = {}) {
  jiraFaults.want(site, by, (s) => Object.assign(s, { fault, ...params }));
}

export const ONE_YEAR_MS = 365 * 24 * 3600_000;

// ── the service account and its API tokens ──────────────────────────────────────────────────────────────

export function account(site: JiraSite, email: string): SimAccount {
  const found = site.accounts.find((a) => a.email.toLowerCase() === email.toLowerCase());
  if (!found) throw new AdminError(`No account ${email} on ${site.host}.`);
  return found;
}

/** The account the connector acts as: the first service account, else the first account. */
export function serviceAccount(site: JiraSite): SimAccount | undefined {
  return site.accounts.find((a) => a.appType === 'service') ?? site.accounts[0];
}

/** The account's tokens, the one it was created with among them (so it can be listed and revoked too). */
export function tokensOf(a: SimAccount): SimApiToken[] {
  a.apiTokens ??= [];
  if (a.token) {
    a.apiTokens.unshift({ id: 'initial', label: 'Created with the account', value: a.token, createdAt: 0 });
    a.token = '';
  }
  return a.apiTokens;
}

export interface NewToken {
  label?: string;
  /** Epoch ms; Atlassian allows at most a year. */
  expiresAt?: number;
  scoped?: boolean;
}

/** Creates an API token; the value is returned here once and never shown again by the views. */
export function createApiToken(
  site: JiraSite,
  email: string,
  input: NewToken,
  now = Date.now(),
): SimApiToken {
  const tokens = tokensOf(account(site, email));
  const expiresAt = input.expiresAt ?? now + ONE_YEAR_MS;
  if (expiresAt <= now) throw new AdminError('The expiry date must be in the future.');
  if (expiresAt > now + ONE_YEAR_MS + 24 * 3600_000)
    throw new AdminError('API tokens expire after at most one year.');
  const token: SimApiToken = {
    id: randomBytes(4).toString('hex'),
    label: input.label?.trim() || `Token ${tokens.length + 1}`,
    value: `ATATT3x${randomBytes(24).toString('base64url')}`,
    ...(input.scoped ? { scoped: true } : {}),
    createdAt: now,
    expiresAt,
  };
  tokens.push(token);
  return token;
}

function token(site: JiraSite, email: string, id: string): { list: SimApiToken[]; token: SimApiToken } {
  const list = tokensOf(account(site, email));
  const found = list.find((t) => t.id === id);
  if (!found) throw new AdminError('That API token no longer exists.');
  return { list, token: found };
}

export function revokeApiToken(site: JiraSite, email: string, id: string): SimApiToken {
  const { list, token: revoked } = token(site, email, id);
  list.splice(list.indexOf(revoked), 1);
  return revoked;
}

/** Sets (or clears) a token's expiry; a date in the past expires it at once. */
export function setTokenExpiry(site: JiraSite, email: string, id: string, expiresAt: number | undefined) {
  const { token: found } = token(site, email, id);
  if (expiresAt === undefined) delete found.expiresAt;
  else found.expiresAt = expiresAt;
}

export function setProductAccess(site: JiraSite, email: string, on: boolean): void {
  const a = account(site, email);
  a.applicationRoles = on ? ['jira-software'] : [];
  a.groups = on ? ['jira-software-users'] : a.groups.filter((g) => g !== 'jira-software-users');
}

export function setSiteAdmin(site: JiraSite, email: string, on: boolean): void {
  account(site, email).admin = on;
}

/** Grants (or takes away) one project permission of the account. */
export function setProjectPermission(
  site: JiraSite,
  email: string,
  key: string,
  permission: string,
  on: boolean,
) {
  if (!(PROJECT_PERMISSIONS as readonly string[]).includes(permission))
    throw new AdminError(`Unknown permission ${permission}.`);
  const a = account(site, email);
  const granted = new Set(a.projectPermissions[key] ?? []);
  if (on) granted.add(permission);
  else granted.delete(permission);
  a.projectPermissions[key] = PROJECT_PERMISSIONS.filter((p) => granted.has(p));
}

// ── site settings ──────────────────────────────────────────────────────────────────────────────────────

/** Jira Cloud Premium's IP allowlist, without Jira Align's (and Align Bot's) egress addresses on it. */
export function setIpAllowlist(site: JiraSite, on: boolean): void {
  if (on) wantSiteFault(site, 'ip-allowlist', 'ip-blocked');
  else jiraFaults.drop(site, 'ip-allowlist');
}

/** After failed logins Jira demands a CAPTCHA from the account: API calls with credentials are refused. */
export function setCaptcha(site: JiraSite, on: boolean): void {
  if (on) wantSiteFault(site, 'captcha', 'captcha');
  else jiraFaults.drop(site, 'captcha');
}

/**
 * Renames the site: a new host with the same accounts, projects and links; the old name redirects to it (301),
 * as Atlassian does. Renaming back to the original name undoes it.
 */
export function renameSite(jira: JiraSim, site: JiraSite, newName: string): JiraSite {
  const name = newName.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{1,61}$/.test(name))
    throw new AdminError('A site name has 2–62 letters, digits and hyphens.');
  const host = `${name}.atlassian.net`;
  const original = originOf(jira, site);
  const current = currentSite(jira, original);
  if (host === current.host) throw new AdminError('That is the site’s current name.');
  if (host !== original.host && jira.sites.has(host)) throw new AdminError(`${host} is taken.`);
  if (current !== original) jira.sites.delete(current.host);
  if (host === original.host) {
    jiraFaults.drop(original, 'rename');
    return original;
  }
  const renamed = jira.addSite({ host, baseUrl: jira.siteUrl(host) });
  Object.assign(renamed, {
    accounts: original.accounts,
    projects: original.projects,
    appLinks: original.appLinks,
  });
  renamedFrom.set(renamed, original);
  wantSiteFault(original, 'rename', 'renamed', { renamedTo: jira.siteUrl(host) });
  return renamed;
}

const renamedFrom = new WeakMap<JiraSite, JiraSite>();

/** The site a renamed one was created from (itself when never renamed). */
export function originOf(jira: JiraSim, site: JiraSite): JiraSite {
  const origin = renamedFrom.get(site);
  return origin && jira.sites.get(origin.host) === origin ? origin : site;
}

/** The site under its current name: the renamed one, or the original. */
export function currentSite(jira: JiraSim, original: JiraSite): JiraSite {
  return [...jira.sites.values()].find((s) => renamedFrom.get(s) === original) ?? original;
}

/** True for a site that exists only as another's new name. */
export function isRenamedCopy(site: JiraSite): boolean {
  return renamedFrom.has(site);
}

// ── application links (steps 7–15) ────────────────────────────────────────────────────────────────────

/** Step 9: "Create new link" with the Jira Align URL; Jira says it got no response (step 10), which is expected. */
export function createAppLink(site: JiraSite, url: string, name?: string) {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new AdminError('Enter a valid URL, e.g. https://<name>.jiraalign.com');
  }
  if (!/^https?:$/.test(parsed.protocol))
    throw new AdminError('The application URL must start with http(s)://');
  const clean = parsed.toString().replace(/\/+$/, '');
  if (site.appLinks.some((l) => l.rpcUrl === clean))
    throw new AdminError('A link to that URL already exists.');
  return site.addAppLink(clean, name?.trim() || 'Jira Align');
}

export interface LinkEdit {
  name?: string;
  consumerKey?: string;
  consumerName?: string;
  publicKey?: string;
}

/** Steps 11–15: the link's name and its incoming authentication (consumer key and public key), then Save. */
export function updateAppLink(site: JiraSite, id: string, edit: LinkEdit): void {
  const link = site.appLinks.find((l) => l.id === id);
  if (!link) throw new AdminError('That application link no longer exists.');
  if (edit.name !== undefined) {
    if (!edit.name.trim()) throw new AdminError('The application name is required.');
    link.name = edit.name.trim();
  }
  if (edit.consumerKey === undefined && edit.publicKey === undefined) return;
  const key = (edit.consumerKey ?? link.consumer?.key ?? '').trim();
  const publicKey = (edit.publicKey ?? link.consumer?.publicKey ?? '').trim();
  if (!key) throw new AdminError('Consumer Key is required.');
  if (!publicKey) throw new AdminError('Public Key is required.');
  if (!readPublicKeyLikeJira(publicKey))
    throw new AdminError(
      'Jira cannot read this public key: paste the public key (BEGIN PUBLIC KEY) exactly as Jira Align shows it.',
    );
  const name = edit.consumerName?.trim() || link.consumer?.name || link.name;
  // A new public key invalidates the tokens issued under the old one: the OAuth provider compares them.
  link.consumer = { key, name, publicKey };
}

/** Incoming authentication removed: Jira no longer knows the consumer key. */
export function clearIncomingAuth(site: JiraSite, id: string): void {
  const link = site.appLinks.find((l) => l.id === id);
  if (!link) throw new AdminError('That application link no longer exists.');
  delete link.consumer;
}

export function deleteAppLink(site: JiraSite, id: string): void {
  const index = site.appLinks.findIndex((l) => l.id === id);
  if (index < 0) throw new AdminError('That application link no longer exists.');
  site.appLinks.splice(index, 1);
}

/** An OAuth access token's public handle: never the token itself. */
export function tokenHandle(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

/** "View OAuth Access Tokens" › Revoke. */
export function revokeOAuthToken(site: JiraSite, handle: string): void {
  const state = oauthState(site);
  const found = [...state.tokens.values()].find(
    (t) => t.kind === 'access' && tokenHandle(t.token) === handle,
  );
  if (!found) throw new AdminError('That OAuth access token no longer exists.');
  state.revoke(found.token);
}
