/**
 * What the admin panels show, as JSON: the simulated Jira sites and Jira Align instances and the "break it"
 * menus. Never a secret: API token values, Jira Align's stored token, private keys and OAuth tokens stay on the
 * server (an OAuth token is shown by a handle, as Jira lists "OAuth access tokens").
 */
import { inspectPublicKey } from '../../atlassian/rsa-keys.js';
import type { AdminConnector } from '../../sandbox/admin/align-admin.js';
import { ALIGN_BREAKS } from '../../sandbox/admin/align-breaks.js';
import { type Break, JIRA_BREAKS } from '../../sandbox/admin/breaks.js';
import { jiraFaults, tokenHandle, tokensOf } from '../../sandbox/admin/jira-admin.js';
import type { SandboxWorld } from '../../sandbox/admin/world.js';
import type { AlignInstance } from '../../sandbox/align-sim.js';
import type { JiraSite, SimAccount } from '../../sandbox/jira-site.js';
import { oauthState } from '../../sandbox/oauth-provider.js';

export function adminView(world: SandboxWorld) {
  return {
    jira: world.sites().map((site) => siteView(world, site)),
    align: [...world.alignSim.instances.values()].map((i) => instanceView(world, i)),
  };
}

function siteView(world: SandboxWorld, site: JiraSite) {
  const current = world.current(site);
  return {
    host: site.host,
    url: world.jira.siteUrl(site.host),
    ...(current !== site ? { renamedTo: current.host } : {}),
    ipAllowlist: jiraFaults.has(site, 'ip-allowlist'),
    captcha: jiraFaults.has(site, 'captcha'),
    projects: site.projects.map((p) => ({ key: p.key, name: p.name })),
    accounts: site.accounts.map((a) => accountView(a, site)),
    appLinks: site.appLinks.map((link) => ({
      id: link.id,
      name: link.name,
      url: link.rpcUrl,
      ...(link.consumer
        ? {
            consumer: {
              key: link.consumer.key,
              name: link.consumer.name,
              publicKey: link.consumer.publicKey,
              fingerprint: fingerprint(link.consumer.publicKey),
            },
          }
        : {}),
      oauthTokens: [...oauthState(site).tokens.values()]
        .filter((t) => t.kind === 'access' && t.consumerKey === link.consumer?.key)
        .map((t) => ({
          handle: tokenHandle(t.token),
          account: site.accounts.find((a) => a.accountId === t.accountId)?.email ?? '?',
          createdAt: t.createdAt,
        })),
    })),
    breaks: breakViews(world, site, JIRA_BREAKS),
  };
}

function accountView(a: SimAccount, site: JiraSite) {
  const now = Date.now();
  return {
    email: a.email,
    displayName: a.displayName,
    service: a.appType === 'service',
    productAccess: a.applicationRoles.length > 0,
    admin: a.admin,
    scopedOnly: a.scoped === true,
    permissions: Object.fromEntries(site.projects.map((p) => [p.key, a.projectPermissions[p.key] ?? []])),
    tokens: tokensOf(a).map((t) => ({
      id: t.id,
      label: t.label,
      scoped: t.scoped === true || a.scoped === true,
      createdAt: t.createdAt,
      ...(t.expiresAt ? { expiresAt: t.expiresAt, expired: t.expiresAt <= now } : {}),
    })),
  };
}

function instanceView(world: SandboxWorld, instance: AlignInstance) {
  return {
    host: instance.host,
    url: world.alignSim.instanceUrl(instance.host),
    connectors: world.align.connectors(instance).map(connectorView),
    breaks: breakViews(world, instance, ALIGN_BREAKS),
  };
}

function connectorView(c: AdminConnector) {
  return {
    id: c.connector.id,
    settings: c.settings,
    hasApiToken: Boolean(c.apiToken),
    publicKey: c.key?.publicPem ?? null,
    oauth: {
      status: c.oauth.status,
      ...(c.oauth.message ? { message: c.oauth.message } : {}),
      ...(c.oauth.authorizedAs ? { authorizedAs: c.oauth.authorizedAs } : {}),
    },
    active: c.active,
    serviceLight: c.serviceLight,
    projects: c.connector.projects.map((p) => ({
      key: p.projectKey,
      errorMessage: p.errorMessage,
      forced: c.forced.has(`project:${p.projectKey}`),
    })),
    boards: c.connector.boards.map((b) => ({ id: b.id, name: b.boardName, errorMessage: b.errorMessage })),
  };
}

function breakViews<T>(world: SandboxWorld, target: T, breaks: Break<T>[]) {
  return breaks
    .filter((b) => b.relevant?.(world, target) ?? true)
    .map((b) => ({
      id: b.id,
      side: b.side,
      code: b.code,
      ...(b.also ? { also: b.also } : {}),
      label: b.label,
      active: b.active(world, target),
    }));
}

function fingerprint(publicKey: string): string | undefined {
  const inspected = inspectPublicKey(publicKey);
  return inspected.kind === 'private-key' || inspected.kind === 'malformed'
    ? undefined
    : inspected.fingerprint;
}
