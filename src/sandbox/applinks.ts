/**
 * Jira's application links REST resources (reference/atlassian.md §4), served from `JiraSite.appLinks`: the list
 * (`/rest/applinks/3.0/applinks`) and a link's incoming OAuth 1.0a consumer, read and set
 * (`/rest/applinks-oauth/1.0/applicationlink/{id}/authentication/consumer`; older bundles: `/rest/applinks/1.0/…`).
 * Administrators only. Error bodies are applinks' own entity `{"status":…,"message":[…]}`; a public key is read the
 * way Jira's RSAKeys does (header lines stripped, base64, X.509 SubjectPublicKeyInfo), so PKCS#1 is refused.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JiraRequest, JiraRoute } from './jira-route.js';
import type { JiraSite, SimAppLink } from './jira-site.js';

/** Sites on an older applinks bundle: the consumer resource lives under /rest/applinks/1.0 only. */
export const legacyApplinks = new WeakSet<JiraSite>();

const LIST = /^\/rest\/applinks\/(?:3\.0|latest)\/applinks\/?$/;
const CONSUMER =
  /^\/rest\/(applinks-oauth|applinks)\/(?:1\.0|latest)\/applicationlink\/([^/]+)\/authentication\/consumer\/?$/;

export const applinksRoute: JiraRoute = (r) => {
  if (LIST.test(r.path)) return list(r);
  const m = CONSUMER.exec(r.path);
  if (!m) return false;
  const legacy = legacyApplinks.has(r.site);
  if ((m[1] === 'applinks-oauth') === legacy) {
    // Jersey's answer for a REST path no plugin serves.
    reply(r.res, 404, { message: `null for uri: ${r.site.baseUrl}${r.path}`, 'status-code': 404 });
    return true;
  }
  return consumer(r, decodeURIComponent(m[2]!));
};

function list(r: JiraRequest): true {
  if (r.req.method !== 'GET') return error(r.res, 405, 'Method not allowed');
  // The v3 resources refuse anonymous callers with 401 and other non-administrators with 403.
  if (!r.auth.account) return error(r.res, 401, 'Client must be authenticated to access this resource.');
  if (!r.auth.account.admin)
    return error(r.res, 403, 'You must be an administrator to access this resource.');
  reply(
    r.res,
    200,
    r.site.appLinks.map((l) => ({
      id: l.id,
      name: l.name,
      displayUrl: l.displayUrl,
      rpcUrl: l.rpcUrl,
      type: 'generic',
      system: false,
      primary: false,
    })),
  );
  return true;
}

function consumer(r: JiraRequest, id: string): true {
  // AdminApplicationLinksInterceptor answers 401 to anyone who is not an administrator.
  if (!r.auth.account?.admin) return error(r.res, 401, 'applinks.error.only.admin');
  const link = r.site.appLinks.find((l) => l.id === id);
  if (!link) return error(r.res, 404, 'applinks.notfound');
  if (r.req.method === 'GET') return getConsumer(r, link);
  if (r.req.method === 'PUT') return putConsumer(r, link);
  return error(r.res, 405, 'Method not allowed');
}

function getConsumer(r: JiraRequest, link: SimAppLink): true {
  if (!link.consumer) return error(r.res, 404, 'applinks.generic.consumer.needs.authenticationprovider');
  const { key, name, publicKey } = link.consumer;
  const pem = readPublicKeyLikeJira(publicKey)?.export({ type: 'spki', format: 'pem' }).toString().trim();
  reply(r.res, 200, {
    consumers: [
      {
        link: { href: `${r.site.baseUrl}${r.path}`, rel: 'self' },
        key,
        name,
        description: null,
        signatureMethod: 'RSA_SHA1',
        publicKey: pem ?? publicKey,
        callback: null,
        twoLOAllowed: false,
        executingTwoLOUser: null,
        twoLOImpersonationAllowed: false,
      },
    ],
  });
  return true;
}

interface ConsumerBody {
  key?: string;
  name?: string;
  publicKey?: string;
  outgoing?: boolean;
}

/** Steps 13–15 as a request: set the incoming consumer. The guided set-up uses this. */
function putConsumer(r: JiraRequest, link: SimAppLink): true {
  let body: ConsumerBody;
  try {
    body = JSON.parse(r.body || '{}') as ConsumerBody;
  } catch {
    return error(r.res, 400, 'Invalid JSON');
  }
  const problems: string[] = [];
  if (!body.key) problems.push('auth.oauth.config.consumer.serviceprovider.key.is.required');
  if (!body.publicKey) problems.push('auth.oauth.config.serviceprovider.missing.public.key');
  if (problems.length > 0) return error(r.res, 400, ...problems);
  if (!readPublicKeyLikeJira(body.publicKey!))
    return error(r.res, 400, 'applinks.invalid.consumer.publickey');
  link.consumer = { key: body.key!, name: body.name || body.key!, publicKey: body.publicKey! };
  r.res.writeHead(201, { location: `${r.site.baseUrl}${r.path}` }).end();
  return true;
}

/** RSAKeys.fromPemEncodingToPublicKey: `-----…-----` lines removed, base64 (lenient), X.509 SPKI only. */
export function readPublicKeyLikeJira(text: string): KeyObject | undefined {
  const body = text.replace(/-----[A-Z ]*-----/g, '').replace(/[^A-Za-z0-9+/=]/g, '');
  if (!body) return undefined;
  try {
    return createPublicKey({ key: Buffer.from(body, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

function error(res: ServerResponse, status: number, ...messages: string[]): true {
  reply(res, status, { status, message: messages });
  return true;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
}
