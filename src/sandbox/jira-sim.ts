/**
 * A Jira simulator on loopback HTTP, serving any number of sites by Host header, plus the Atlassian gateway
 * (api.atlassian.com/ex/jira/{cloudId}) for scoped tokens. Answers follow reference/atlassian.md §1: Basic auth,
 * 401 shapes, the anonymous fallback header, CAPTCHA, the IP-allowlist body, 429 with Retry-After, login pages.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applinksRoute } from './applinks.js';
import { dataCenterRoute } from './jira-dc.js';
import type { AuthResult, JiraRequest, JiraRoute } from './jira-route.js';
import { JiraSite, type SimAccount, type SiteOptions } from './jira-site.js';
import { json, LoopbackServer, readBody, send } from './loopback-server.js';
import { oauthProvider } from './oauth-provider.js';

const PAGE_UNAVAILABLE =
  '<!DOCTYPE html><html><head><title>Atlassian Cloud Notifications - Page Unavailable</title></head><body><h1>Page unavailable</h1></body></html>';
const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>Log in - Jira</title></head><body><form id="login-form" action="/login.jsp"></form></body></html>';
/** What a corporate web proxy answers for a host or path its policy blocks. */
const PROXY_BLOCKED =
  '<!DOCTYPE html><html><head><title>Access Denied</title></head><body><h1>Access Denied</h1><p>The requested URL is blocked by your organization’s web proxy policy.</p></body></html>';
const IP_REJECTED = {
  errorMessages: [
    'The IP address has been rejected because it is not on the allowed list. See your admin for more information.',
  ],
  errors: {},
};

/** The gateway behind a proxy that blocks it with a 403 page, or drops the connection. */
export type GatewayFault = 'blocked' | 'reset';

export class JiraSim extends LoopbackServer {
  readonly sites = new Map<string, JiraSite>();
  gatewayHost = 'api.atlassian.com';
  gatewayFault: GatewayFault | undefined;
  private readonly routes: JiraRoute[] = [];

  /** Every simulator has the OAuth 1.0a provider; `routes` come after it. */
  constructor(routes: JiraRoute[] = []) {
    super();
    this.routes.push(oauthProvider, dataCenterRoute, applinksRoute, ...routes);
  }

  addSite(options: SiteOptions): JiraSite {
    const site = new JiraSite(options);
    this.sites.set(site.host, site);
    return site;
  }

  /** Extra endpoints (OAuth provider, application links) are plugged in as routes. */
  use(route: JiraRoute): void {
    this.routes.push(route);
  }

  /** The URL a client uses for `host` (which must resolve to this server: ALIGN_BOT_RESOLVE). */
  siteUrl(host: string): string {
    return `http://${host}:${this.port}`;
  }

  get gatewayUrl(): string {
    return `http://${this.gatewayHost}:${this.port}`;
  }

  /**
   * ALIGN_BOT_ALLOWED_HOSTS entries that admit this simulator: plain HTTP on its port for the gateway and for
   * `patterns` (the site host names served here).
   */
  allowedHosts(patterns: string[] = ['*.atlassian.net']): string[] {
    return [...patterns, this.gatewayHost].map((pattern) => `${pattern}:${this.port}`);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://jira');
    const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const body = await readBody(req);
    if (hostname === this.gatewayHost && this.gatewayFault) return blocked(req, res, this.gatewayFault);
    const target = this.locate(hostname, url.pathname);
    if (!target) return send(res, 404, PAGE_UNAVAILABLE, 'text/html;charset=UTF-8');
    const { site, path, viaGateway } = target;
    site.hits.set(path, (site.hits.get(path) ?? 0) + 1);
    if (site.latencyMs > 0) await new Promise((r) => setTimeout(r, site.latencyMs));
    if (site.fault === 'clock-skew')
      res.setHeader('date', new Date(Date.now() + site.clockSkewMs).toUTCString());
    if (site.kind === 'cloud') res.setHeader('server', 'AtlassianEdge');
    const request: JiraRequest = {
      req,
      res,
      url,
      path,
      body,
      site,
      viaGateway,
      auth: authenticate(req, site, viaGateway),
    };
    if (await this.siteFault(request)) return;
    for (const route of this.routes) if (await route(request)) return;
    await coreRoutes(request);
  }

  private locate(
    hostname: string,
    pathname: string,
  ): { site: JiraSite; path: string; viaGateway: boolean } | undefined {
    if (hostname === this.gatewayHost) {
      const m = /^\/ex\/jira\/([0-9a-f-]{36})(\/.*)$/.exec(pathname);
      const site = m
        ? [...this.sites.values()].find((s) => s.cloudId === m[1] && s.kind === 'cloud')
        : undefined;
      return site && m ? { site, path: m[2]!, viaGateway: true } : undefined;
    }
    const site = this.sites.get(hostname);
    return site ? { site, path: pathname, viaGateway: false } : undefined;
  }

  /** Faults that answer before any endpoint does. */
  private siteFault(r: JiraRequest): boolean {
    const { site, res, path } = r;
    const rest = path.startsWith('/rest/');
    switch (site.fault) {
      case 'edge-blocked':
      case 'edge-reset':
        if (!path.startsWith('/_edge/')) return false;
        blocked(r.req, res, site.fault === 'edge-blocked' ? 'blocked' : 'reset');
        return true;
      case 'renamed':
        res
          .writeHead(301, {
            location: `${site.renamedTo ?? 'https://renamed.atlassian.net'}${path}${r.url.search}`,
          })
          .end();
        return true;
      case 'not-found':
        send(res, 404, PAGE_UNAVAILABLE, 'text/html;charset=UTF-8');
        return true;
      case 'server-error':
        send(res, 502, '<html><body>Bad gateway</body></html>', 'text/html');
        return true;
      case 'ip-blocked':
        if (!rest) return false;
        json(res, 403, IP_REJECTED);
        return true;
      case 'rate-limited':
        if (!rest) return false;
        res.setHeader('retry-after', '1');
        res.setHeader('ratelimit-reason', 'jira-burst-based');
        json(res, 429, { errorMessages: ['Rate limit exceeded.'] });
        return true;
      case 'rate-limited-once':
        if (!rest) return false;
        site.fault = undefined;
        res.setHeader('retry-after', '1');
        json(res, 429, { errorMessages: ['Rate limit exceeded.'] });
        return true;
      case 'captcha':
        if (!rest || !r.auth.sent) return false;
        res.setHeader('x-seraph-loginreason', 'AUTHENTICATION_DENIED');
        res.setHeader(
          'x-authentication-denied-reason',
          `CAPTCHA_CHALLENGE; login-url=https://${site.host}/login.jsp`,
        );
        json(res, 403, { errorMessages: ['CAPTCHA_CHALLENGE'] });
        return true;
      case 'login-page':
        if (!rest || !r.auth.sent) return false;
        send(res, 200, LOGIN_PAGE, 'text/html;charset=UTF-8');
        return true;
      default:
        return false;
    }
  }
}

function blocked(req: IncomingMessage, res: ServerResponse, how: GatewayFault): void {
  if (how === 'reset') {
    req.socket.destroy();
    return;
  }
  res.setHeader('via', '1.1 proxy.corp.example');
  send(res, 403, PROXY_BLOCKED, 'text/html;charset=UTF-8');
}

function authenticate(req: IncomingMessage, site: JiraSite, viaGateway: boolean): AuthResult {
  const header = req.headers.authorization ?? '';
  if (!header) return { sent: false };
  if (site.fault === 'token-rejected') return { sent: true };
  const [scheme, value = ''] = header.split(/\s+(.*)/s);
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const account =
      colon > 0
        ? site.authenticateBasic(decoded.slice(0, colon), decoded.slice(colon + 1), viaGateway)
        : undefined;
    return { sent: true, scheme: 'basic', ...(account ? { account } : {}) };
  }
  if (/^bearer$/i.test(scheme ?? '')) {
    const account = site.authenticateBearer(value);
    return { sent: true, scheme: 'bearer', ...(account ? { account } : {}) };
  }
  return { sent: true, scheme: /^oauth$/i.test(scheme ?? '') ? 'oauth' : undefined };
}

/** The REST endpoints every site has. */
async function coreRoutes(r: JiraRequest): Promise<void> {
  const { res, path, site, auth } = r;
  const api = /^\/rest\/api\/[23](\/.*)$/.exec(path)?.[1];
  if (path === '/status') return json(res, 200, { state: 'RUNNING' });
  if (path === '/_edge/tenant_info') {
    return site.kind === 'cloud'
      ? json(res, 200, { cloudId: site.cloudId })
      : send(res, 404, '<html>Not found</html>', 'text/html');
  }
  if (!api) return send(res, 404, PAGE_UNAVAILABLE, 'text/html;charset=UTF-8');
  // A wrong credential on an anonymous-capable endpoint: 200 as anonymous, with the tell-tale header.
  const anonymousCapable = api === '/serverInfo' || api === '/mypermissions' || api === '/project/search';
  const ignored = auth.sent && (!auth.account || (site.fault === 'anonymous-fallback' && api !== '/myself'));
  if (ignored && anonymousCapable) res.setHeader('x-seraph-loginreason', 'AUTHENTICATED_FAILED');
  else if (auth.account) res.setHeader('x-seraph-loginreason', 'OK');
  const account = ignored ? undefined : auth.account;
  switch (api) {
    case '/serverInfo':
      return json(res, 200, serverInfo(site));
    case '/myself':
      if (!account) return unauthorized(res, site);
      return json(res, 200, myself(site, account, r.url));
    case '/mypermissions':
      return json(res, 200, { permissions: permissions(site, account, r.url) });
    case '/project/search':
      return json(res, 200, projectSearch(site, account, r.url));
    default:
      return json(res, 404, { errorMessages: [`No endpoint ${api}`], errors: {} });
  }
}

function unauthorized(res: ServerResponse, site: JiraSite): void {
  res.setHeader('www-authenticate', `Basic realm="${site.host}"`);
  json(res, 401, { message: 'Client must be authenticated to access this resource.', 'status-code': 401 });
}

function serverInfo(site: JiraSite) {
  return {
    baseUrl: site.baseUrl,
    version: site.version,
    versionNumbers: site.version.split('.').slice(0, 3).map(Number),
    deploymentType: site.kind === 'cloud' ? 'Cloud' : 'Server',
    buildNumber: 100_000,
    serverTime: new Date().toISOString(),
    serverTitle: 'Jira',
  };
}

function myself(site: JiraSite, a: SimAccount, url: URL) {
  const expand = url.searchParams.get('expand') ?? '';
  const roles = a.applicationRoles.map((key) => ({ key, name: key === 'jira-software' ? 'Jira' : key }));
  const groups = a.groups.map((name) => ({ name }));
  const base =
    site.kind === 'cloud'
      ? { accountId: a.accountId, accountType: a.accountType, ...(a.appType ? { appType: a.appType } : {}) }
      : { key: a.accountId, name: a.email.split('@')[0] };
  return {
    self: `${site.baseUrl}/rest/api/2/user?accountId=${a.accountId}`,
    ...base,
    emailAddress: a.email,
    displayName: a.displayName,
    active: true,
    timeZone: 'Etc/UTC',
    groups: { size: groups.length, items: expand.includes('groups') ? groups : [] },
    applicationRoles: { size: roles.length, items: expand.includes('applicationRoles') ? roles : [] },
  };
}

function permissions(site: JiraSite, account: SimAccount | undefined, url: URL) {
  const keys = (url.searchParams.get('permissions') ?? '').split(',').filter(Boolean);
  const projectKey = url.searchParams.get('projectKey');
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const global = key === 'ADMINISTER';
    let have = false;
    if (account) {
      if (global) have = account.admin;
      else if (projectKey) have = (account.projectPermissions[projectKey] ?? []).includes(key);
      else have = Object.values(account.projectPermissions).some((p) => p.includes(key));
    }
    out[key] = {
      id: key,
      key,
      name: key,
      type: global ? 'GLOBAL' : 'PROJECT',
      description: key,
      havePermission: have,
    };
  }
  void site;
  return out;
}

function projectSearch(site: JiraSite, account: SimAccount | undefined, url: URL) {
  const keys = (url.searchParams.get('keys') ?? '').split(',').filter(Boolean);
  const visible = site.projects.filter(
    (p) =>
      (keys.length === 0 || keys.includes(p.key)) &&
      account !== undefined &&
      (account.admin || (account.projectPermissions[p.key] ?? []).includes('BROWSE_PROJECTS')),
  );
  return {
    self: `${site.baseUrl}/rest/api/2/project/search`,
    maxResults: 50,
    startAt: 0,
    total: visible.length,
    isLast: true,
    values: visible.map((p) => ({
      id: p.id,
      key: p.key,
      name: p.name,
      projectTypeKey: 'software',
      simplified: false,
      archived: false,
    })),
  };
}
