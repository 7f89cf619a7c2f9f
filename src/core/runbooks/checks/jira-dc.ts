/**
 * The Jira Data Center checks (reference/atlassian.md §5): the Cloud network and site checks, then the version a
 * Personal Access Token needs (8.14+), `myself` without an accountId (key and name instead), the test project
 * through `project/{key}` (Data Center has no `project/search`), and the application link to Jira Align.
 */

import { appLinkCheck } from './applinks.js';
import { callJira, jiraCredential, noCredentialReason, type TestContext } from './context.js';
import {
  adminCheck,
  clockCheck,
  dnsCheck,
  egressCheck,
  PROJECT_PERMISSIONS,
  productAccessCheck,
  reachCheck,
  serverInfoCheck,
} from './jira.js';
import { classifyJiraAnswer, errorMessages, excerpt, parseJson } from './jira-answers.js';
import { type CheckDef, fail, pass, skip } from './run-checks.js';

type Check = CheckDef<TestContext>;

/** Personal Access Tokens arrived in Jira Core/Software 8.14 (Jira Service Management 4.15, same platform). */
export const PAT_MIN_VERSION: readonly [number, number] = [8, 14];

export function parseVersion(version: string | undefined): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function supportsPat(version: [number, number]): boolean {
  const [major, minor] = version;
  return major > PAT_MIN_VERSION[0] || (major === PAT_MIN_VERSION[0] && minor >= PAT_MIN_VERSION[1]);
}

export const patVersionCheck: Check = {
  id: 'pat',
  title: 'Jira version accepts Personal Access Tokens',
  after: ['server'],
  skipIf: (ctx) =>
    ctx.target.spec.auth === 'pat' ? undefined : 'The connector does not use a Personal Access Token.',
  async run(ctx) {
    const reported = ctx.facts.jiraVersion as string | undefined;
    const shown = excerpt(reported ?? 'no version', 40);
    const version = parseVersion(reported);
    if (!version) return skip(`Jira reported “${shown}”, which cannot be compared with 8.14.`);
    if (!supportsPat(version)) {
      return fail(
        'JIRA_AUTH_REJECTED',
        `Jira ${shown} predates Personal Access Tokens (Jira 8.14 or later): it ignores the Bearer header, so every PAT is rejected. Upgrade Jira, or switch the connector to OAuth 1.0a or Basic auth.`,
        { patUnsupported: true },
      );
    }
    return pass(`Jira ${shown} accepts Personal Access Tokens (8.14 or later).`);
  },
};

interface DcUser {
  key?: string;
  name?: string;
  displayName?: string;
  emailAddress?: string | null;
  active?: boolean;
  applicationRoles?: { items?: Array<{ key?: string; name?: string }> };
  groups?: { items?: Array<{ name?: string }> };
}

export const dcAuthCheck: Check = {
  id: 'auth',
  title: 'Service account credentials work',
  after: ['reach'],
  skipIf: (ctx) =>
    noCredentialReason(ctx) ??
    (ctx.facts.patUnsupported
      ? 'Skipped: this Jira version does not accept Personal Access Tokens.'
      : undefined),
  async run(ctx) {
    const answer = await callJira(ctx, {
      path: 'rest/api/2/myself?expand=groups,applicationRoles',
      auth: jiraCredential(ctx)!,
    });
    const classified = classifyJiraAnswer(answer, true);
    if (classified) return fail(classified.code, classified.detail);
    const me = answer.status === 200 ? parseJson<DcUser>(answer) : undefined;
    const id = me?.key ?? me?.name;
    if (!me || !id) {
      return fail(
        'JIRA_AUTH_REJECTED',
        `myself answered ${answer.status}: ${excerpt(errorMessages(answer))}`,
      );
    }
    return pass(describeUser(me, ctx), {
      accountId: id,
      ...(me.name ? { userName: me.name } : {}),
      applicationRoles: (me.applicationRoles?.items ?? []).map((r) => r.name ?? r.key ?? '?'),
      groups: (me.groups?.items ?? []).map((g) => g.name ?? '?'),
    });
  },
};

function describeUser(me: DcUser, ctx: TestContext): string {
  const name = excerpt(me.displayName ?? me.name ?? 'unknown', 80);
  const email = me.emailAddress ? ` <${excerpt(me.emailAddress, 80)}>` : '';
  const login = me.name ? ` (user name ${excerpt(me.name, 60)})` : '';
  const how = ctx.target.spec.auth === 'pat' ? 'a Personal Access Token' : 'Basic auth';
  const configured = ctx.target.spec.auth === 'basic' ? ctx.target.spec.email : undefined;
  const mismatch =
    configured &&
    me.name &&
    ![me.name, me.emailAddress ?? ''].some((v) => v.toLowerCase() === configured.toLowerCase())
      ? ` Note: that is not ${configured}.`
      : '';
  const inactive = me.active === false ? ' The account is inactive.' : '';
  return `Authenticated as ${name}${email}${login} with ${how}.${mismatch}${inactive}`;
}

export const dcProjectCheck: Check = {
  id: 'project',
  title: 'Test project is visible and permitted',
  after: ['reach'],
  skipIf: (ctx) => {
    if (!ctx.target.spec.project) return 'No test project configured.';
    return (
      noCredentialReason(ctx) ?? (ctx.facts.accountId ? undefined : 'Skipped: the credentials did not work.')
    );
  },
  async run(ctx) {
    const key = ctx.target.spec.project!;
    const auth = jiraCredential(ctx)!;
    const project = await callJira(ctx, { path: `rest/api/2/project/${encodeURIComponent(key)}`, auth });
    const classified = classifyJiraAnswer(project, true);
    if (classified) return fail(classified.code, classified.detail);
    if (project.status !== 200 || parseJson<{ key?: string }>(project)?.key !== key) {
      return fail(
        'JIRA_PROJECT_NOT_VISIBLE',
        `project/${key} answered ${project.status}: ${excerpt(errorMessages(project))}`,
      );
    }
    const perms = await callJira(ctx, {
      path: `rest/api/2/mypermissions?projectKey=${encodeURIComponent(key)}&permissions=${PROJECT_PERMISSIONS.join(',')}`,
      auth,
    });
    const permsClassified = classifyJiraAnswer(perms, true);
    if (permsClassified) return fail(permsClassified.code, permsClassified.detail);
    const granted =
      perms.status === 200
        ? parseJson<{ permissions?: Record<string, { havePermission?: boolean }> }>(perms)?.permissions
        : undefined;
    const missing = PROJECT_PERMISSIONS.filter((p) => granted?.[p]?.havePermission !== true);
    if (missing.length > 0)
      return fail('JIRA_MISSING_PROJECT_PERMISSION', `Missing in ${key}: ${missing.join(', ')}.`);
    return pass(`${key} is visible with all ${PROJECT_PERMISSIONS.length} permissions a two-way sync needs.`);
  },
};

/** Data Center has no cloud id, so the tenant check is left out rather than listed as skipped. */
export const DC_CHECKS: Check[] = [
  egressCheck,
  dnsCheck,
  reachCheck,
  clockCheck,
  serverInfoCheck,
  patVersionCheck,
  dcAuthCheck,
  productAccessCheck,
  adminCheck,
  dcProjectCheck,
  appLinkCheck,
];
