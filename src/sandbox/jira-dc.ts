/**
 * What Jira Data Center does differently from Cloud for the test checks (reference/atlassian.md §5): before 8.14
 * it knows no Personal Access Tokens and ignores a Bearer header (the caller is anonymous), and a project is read
 * with `GET /rest/api/2/project/{key}` (Data Center has no `project/search`; Cloud has both).
 */
import type { JiraRequest, JiraRoute } from './jira-route.js';

/** A project key or id; `project/search`, `project/type` and friends are other resources. */
const PROJECT = /^\/rest\/api\/2\/project\/([A-Z][A-Z0-9_]*|\d+)$/;

export const dataCenterRoute: JiraRoute = (r) => {
  if (r.site.kind === 'datacenter' && r.auth.scheme === 'bearer' && !knowsPats(r.site.version)) {
    r.auth = { sent: false };
  }
  const m = PROJECT.exec(r.path);
  if (!m || r.req.method !== 'GET') return false;
  return project(r, decodeURIComponent(m[1]!));
};

function knowsPats(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 8 || (major === 8 && minor >= 14);
}

function project(r: JiraRequest, key: string): true {
  const account = r.site.fault === 'anonymous-fallback' ? undefined : r.auth.account;
  if (account) r.res.setHeader('x-seraph-loginreason', 'OK');
  else if (r.auth.sent) r.res.setHeader('x-seraph-loginreason', 'AUTHENTICATED_FAILED');
  const found = r.site.projects.find((p) => p.key === key || p.id === key);
  const visible =
    found &&
    account &&
    (account.admin || (account.projectPermissions[found.key] ?? []).includes('BROWSE_PROJECTS'));
  const res = r.res.writeHead(visible ? 200 : 404, { 'content-type': 'application/json;charset=UTF-8' });
  if (!visible) {
    res.end(JSON.stringify({ errorMessages: [`No project could be found with key '${key}'.`], errors: {} }));
    return true;
  }
  res.end(
    JSON.stringify({
      self: `${r.site.baseUrl}/rest/api/2/project/${found.id}`,
      id: found.id,
      key: found.key,
      name: found.name,
      projectTypeKey: 'software',
      archived: false,
    }),
  );
  return true;
}
