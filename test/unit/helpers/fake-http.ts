/**
 * HTTP without sockets: an HttpPort that answers from routes keyed by method and URL (origin + path; the query is
 * the responder's to read), recording every request. `jiraCloudSite` fills in the routes a Jira Cloud site answers
 * for the test runbook's checks (src/core/runbooks/checks/jira.ts, tenant.ts, gateway.ts), with a token that works
 * or one Jira rejects.
 */
import type {
  Clock,
  Credential,
  EgressPort,
  EgressVerdict,
  HttpAnswer,
  HttpPort,
  HttpRequest,
} from '../../../src/core/ports.js';

export interface FakeReply {
  status: number;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type Responder = (request: HttpRequest, url: URL) => FakeReply;

export class FakeHttp implements HttpPort {
  readonly requests: HttpRequest[] = [];
  private readonly routes = new Map<string, Responder>();

  on(method: HttpRequest['method'], url: string, answer: Responder | FakeReply): this {
    const { origin, pathname } = new URL(url);
    this.routes.set(`${method} ${origin}${pathname}`, typeof answer === 'function' ? answer : () => answer);
    return this;
  }

  async send(request: HttpRequest): Promise<HttpAnswer> {
    this.requests.push(request);
    const url = new URL(request.url);
    const route = this.routes.get(`${request.method} ${url.origin}${url.pathname}`);
    const reply = route ? route(request, url) : { status: 404, body: { errorMessages: ['No such route'] } };
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    const headers: Record<string, string> = { 'content-type': 'application/json;charset=UTF-8' };
    for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value;
    return { status: reply.status, headers, body, url: request.url, ms: 3 };
  }

  /** Requests to one host, as "METHOD /path?query". */
  sentTo(host: string): string[] {
    return this.requests
      .map((r) => new URL(r.url))
      .filter((u) => u.host === host)
      .map((u) => `${u.pathname}${u.search}`);
  }
}

/** Every host allowed, every name resolving to a documentation address. */
export class FakeEgress implements EgressPort {
  checkHost(_url: string): void {}

  async resolve(url: string): Promise<EgressVerdict> {
    return { host: new URL(url).hostname, addresses: ['203.0.113.10'] };
  }
}

export const GATEWAY_URL = 'https://api.atlassian.com';

export interface JiraSiteOptions {
  host: string;
  cloudId: string;
  email: string;
  /** The API token Jira accepts for `email`; any other is answered as Jira answers a wrong one. */
  token: string;
  clock: Pick<Clock, 'now'>;
}

/** The routes of one healthy Jira Cloud site (and its gateway address) on `http`. */
export function jiraCloudSite(http: FakeHttp, site: JiraSiteOptions): FakeHttp {
  const base = `https://${site.host}`;
  const dated = (reply: FakeReply): FakeReply => ({
    ...reply,
    headers: { date: new Date(site.clock.now()).toUTCString(), ...reply.headers },
  });
  const signedIn = (request: HttpRequest) => accepts(request.auth, site);
  const myself: Responder = (request) =>
    signedIn(request)
      ? dated({ status: 200, body: account(site), headers: { 'x-seraph-loginreason': 'OK' } })
      : dated({
          status: 401,
          body: { message: 'Client must be authenticated to access this resource.', 'status-code': 401 },
          headers: { 'www-authenticate': `Basic realm="${site.host}"` },
        });
  return http
    .on('GET', `${base}/status`, () => dated({ status: 200, body: { state: 'RUNNING' } }))
    .on('GET', `${base}/_edge/tenant_info`, () => dated({ status: 200, body: { cloudId: site.cloudId } }))
    .on('GET', `${base}/rest/api/2/serverInfo`, () =>
      dated({ status: 200, body: { baseUrl: base, version: '1001.0.0-SNAPSHOT', deploymentType: 'Cloud' } }),
    )
    .on('GET', `${base}/rest/api/2/myself`, myself)
    .on('GET', `${GATEWAY_URL}/ex/jira/${site.cloudId}/rest/api/2/myself`, myself)
    .on('GET', `${base}/rest/api/2/mypermissions`, (request, url) => {
      const ok = signedIn(request);
      const keys = (url.searchParams.get('permissions') ?? '').split(',').filter(Boolean);
      const permissions = Object.fromEntries(keys.map((k) => [k, { key: k, havePermission: ok }]));
      return dated({
        status: 200,
        body: { permissions },
        headers: { 'x-seraph-loginreason': ok ? 'OK' : 'AUTHENTICATED_FAILED' },
      });
    });
}

function accepts(auth: Credential | undefined, site: JiraSiteOptions): boolean {
  return auth?.scheme === 'basic' && auth.user === site.email && auth.secret.reveal() === site.token;
}

function account(site: JiraSiteOptions) {
  return {
    accountId: `acc-${site.cloudId}`,
    accountType: 'app',
    appType: 'service',
    displayName: 'Align Sync',
    emailAddress: site.email,
    active: true,
    groups: { size: 1, items: [{ name: 'jira-admins' }] },
    applicationRoles: { size: 1, items: [{ key: 'jira-software', name: 'Jira' }] },
  };
}
