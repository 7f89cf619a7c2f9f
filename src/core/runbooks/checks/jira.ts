/**
 * The Jira checks of the test runbook (reference/atlassian.md §1.7): network, site, credentials, rights, project.
 */
import type { HttpAnswer } from '../../ports.js';
import { callJira, jiraCredential, noCredentialReason, siteUrl, type TestContext } from './context.js';
import { scopedTokenProbe } from './gateway.js';
import { describeAccount, type Myself, roleNames } from './jira-account.js';
import { classifyJiraAnswer, errorMessages, excerpt, hostOf, parseJson } from './jira-answers.js';
import { withNote } from './probes.js';
import { type CheckDef, fail, pass, skip, warn } from './run-checks.js';
import { crossHostRedirect, movedSiteFacts, tenantCheck } from './tenant.js';

type Check = CheckDef<TestContext>;

export const PROJECT_PERMISSIONS = [
  'BROWSE_PROJECTS',
  'CREATE_ISSUES',
  'EDIT_ISSUES',
  'TRANSITION_ISSUES',
  'ASSIGN_ISSUES',
  'LINK_ISSUES',
  'SCHEDULE_ISSUES',
  'MANAGE_SPRINTS_PERMISSION',
  'ADD_COMMENTS',
] as const;

const CLOCK_SKEW_WARN_MS = 60_000;

export const egressCheck: Check = {
  id: 'egress',
  title: 'Egress guard allows the Jira host',
  async run(ctx) {
    ctx.egress.checkHost(ctx.target.spec.jira.url);
    return pass(`${hostOf(ctx.target.spec.jira.url)} matches the allowed hosts.`);
  },
};

export const dnsCheck: Check = {
  id: 'dns',
  title: 'Jira host resolves',
  after: ['egress'],
  async run(ctx) {
    const verdict = await ctx.egress.resolve(ctx.target.spec.jira.url);
    return pass(`${verdict.host} resolves to ${verdict.addresses.join(', ')}.`);
  },
};

export const reachCheck: Check = {
  id: 'reach',
  title: 'Jira answers',
  after: ['dns'],
  async run(ctx) {
    const answer = await callJira(ctx, { path: 'status', base: siteUrl(ctx) });
    if (answer.status >= 500 && answer.status !== 503) {
      return fail('CONNECTION_REFUSED', `${hostOf(answer.url)} answered ${answer.status}.`);
    }
    return pass(
      `${new URL(answer.url).protocol.replace(':', '').toUpperCase()} answered ${answer.status} in ${answer.ms} ms.`,
    );
  },
};

export const clockCheck: Check = {
  id: 'clock',
  title: 'Clocks agree',
  after: ['reach'],
  async run(ctx) {
    const skew = ctx.facts.clockSkewMs as number | undefined;
    if (skew === undefined) return skip('Jira sent no Date header to compare with.');
    const seconds = Math.round(skew / 1000);
    const text = `Jira’s clock is ${Math.abs(seconds)} s ${seconds >= 0 ? 'ahead of' : 'behind'} this machine’s.`;
    return Math.abs(skew) > CLOCK_SKEW_WARN_MS ? warn('CLOCK_SKEW', text) : pass(text);
  },
};

export const serverInfoCheck: Check = {
  id: 'server',
  title: 'Jira server info',
  after: ['reach'],
  async run(ctx) {
    const answer = await callJira(ctx, { path: 'rest/api/2/serverInfo', base: siteUrl(ctx) });
    const redirect = crossHostRedirect(answer);
    if (redirect) {
      return warn(
        'JIRA_SITE_RENAMED',
        `${siteUrl(ctx)} redirects to ${redirect.toString()}; the remaining checks use ${redirect.origin}.`,
        movedSiteFacts(ctx, redirect),
      );
    }
    const classified = classifyJiraAnswer(answer, false);
    if (classified) return fail(classified.code, classified.detail);
    const info = answer.status === 200 ? parseJson<ServerInfo>(answer) : undefined;
    if (!info?.version)
      return fail(
        'JIRA_SITE_NOT_FOUND',
        `serverInfo answered ${answer.status}: ${excerpt(errorMessages(answer))}`,
      );
    const facts = { jiraVersion: info.version, deploymentType: info.deploymentType ?? 'unknown' };
    const described = `Jira ${info.version} (${info.deploymentType ?? 'unknown deployment'}).`;
    const configured = new URL(siteUrl(ctx));
    if (info.baseUrl && sameSite(info.baseUrl, configured) === false) {
      return warn(
        'JIRA_SITE_RENAMED',
        `${described} Jira calls itself ${info.baseUrl}, not ${configured.origin}.`,
        facts,
      );
    }
    return pass(described, facts);
  },
};

interface ServerInfo {
  baseUrl?: string;
  version?: string;
  deploymentType?: string;
}

function sameSite(baseUrl: string, configured: URL): boolean | undefined {
  try {
    return new URL(baseUrl).host.toLowerCase() === configured.host.toLowerCase();
  } catch {
    return undefined;
  }
}

export const authCheck: Check = {
  id: 'auth',
  title: 'Service account credentials work',
  // A site that does not exist answers 404 to myself too: that is JIRA_SITE_NOT_FOUND, not a rejected token.
  // Tenant info that could not be read (skipped) does not stop this check: the credential is tested anyway.
  after: ['reach', 'tenant'],
  mayFollowSkipped: ['tenant'],
  skipIf: noCredentialReason,
  async run(ctx) {
    const auth = jiraCredential(ctx)!;
    const answer = await callJira(ctx, { path: 'rest/api/2/myself?expand=groups,applicationRoles', auth });
    let note: string | undefined;
    if (answer.status === 401 && ctx.target.spec.jira.kind === 'cloud') {
      const scoped = await scopedTokenProbe(ctx);
      if ('outcome' in scoped) return scoped.outcome;
      note = scoped.note;
    }
    const classified = classifyJiraAnswer(answer, true);
    if (classified) return fail(classified.code, withNote(classified.detail, note));
    const me = answer.status === 200 ? parseJson<Myself>(answer) : undefined;
    if (!me)
      return fail(
        'JIRA_AUTH_REJECTED',
        withNote(`myself answered ${answer.status}: ${excerpt(errorMessages(answer))}`, note),
      );
    return pass(describeAccount(me, ctx.target.spec.email), {
      accountId: me.accountId ?? me.key ?? me.name,
      applicationRoles: roleNames(me),
      groups: (me.groups?.items ?? []).map((g) => g.name ?? '?'),
    });
  },
};

export const productAccessCheck: Check = {
  id: 'product',
  title: 'Service account has Jira product access',
  after: ['auth'],
  async run(ctx) {
    const roles = (ctx.facts.applicationRoles as string[] | undefined) ?? [];
    if (roles.length === 0)
      return fail('JIRA_NO_PRODUCT_ACCESS', 'myself lists no application roles for this account.');
    return pass(`Application roles: ${roles.join(', ')}.`);
  },
};

/** The scoped-token failure still lets the rest run through the gateway; other auth failures stop here. */
function authUsable(ctx: TestContext): string | undefined {
  return ctx.facts.accountId ? undefined : 'Skipped: the credentials did not work.';
}

export const adminCheck: Check = {
  id: 'admin',
  title: 'Service account is a Jira administrator',
  after: ['reach'],
  skipIf: (ctx) => noCredentialReason(ctx) ?? authUsable(ctx),
  async run(ctx) {
    const answer = await callJira(ctx, {
      path: 'rest/api/2/mypermissions?permissions=ADMINISTER',
      auth: jiraCredential(ctx)!,
    });
    const classified = classifyJiraAnswer(answer, true);
    if (classified) return fail(classified.code, classified.detail);
    const granted = permissionsOf(answer);
    if (!granted)
      return fail(
        'JIRA_NOT_ADMIN',
        `mypermissions answered ${answer.status}: ${excerpt(errorMessages(answer))}`,
      );
    return granted.get('ADMINISTER')
      ? pass('Has the global permission Administer Jira.')
      : warn('JIRA_NOT_ADMIN', 'Lacks the global permission Administer Jira.');
  },
};

function permissionsOf(answer: HttpAnswer): Map<string, boolean> | undefined {
  if (answer.status !== 200) return undefined;
  const json = parseJson<{ permissions?: Record<string, { havePermission?: boolean }> }>(answer);
  if (!json?.permissions) return undefined;
  return new Map(Object.entries(json.permissions).map(([key, p]) => [key, p.havePermission === true]));
}

export const projectCheck: Check = {
  id: 'project',
  title: 'Test project is visible and permitted',
  after: ['reach'],
  skipIf: (ctx) =>
    ctx.target.spec.project ? (noCredentialReason(ctx) ?? authUsable(ctx)) : 'No test project configured.',
  async run(ctx) {
    const key = ctx.target.spec.project!;
    const auth = jiraCredential(ctx)!;
    const search = await callJira(ctx, {
      path: `rest/api/2/project/search?keys=${encodeURIComponent(key)}`,
      auth,
    });
    const classified = classifyJiraAnswer(search, true);
    if (classified) return fail(classified.code, classified.detail);
    const page =
      search.status === 200
        ? parseJson<{ total?: number; values?: Array<{ key?: string }> }>(search)
        : undefined;
    if (!page?.values?.some((p) => p.key === key)) {
      return fail(
        'JIRA_PROJECT_NOT_VISIBLE',
        `project/search?keys=${key} answered ${search.status} without ${key}.`,
      );
    }
    const perms = await callJira(ctx, {
      path: `rest/api/2/mypermissions?projectKey=${encodeURIComponent(key)}&permissions=${PROJECT_PERMISSIONS.join(',')}`,
      auth,
    });
    const permsClassified = classifyJiraAnswer(perms, true);
    if (permsClassified) return fail(permsClassified.code, permsClassified.detail);
    const granted = permissionsOf(perms);
    const missing = PROJECT_PERMISSIONS.filter((p) => !granted?.get(p));
    if (missing.length > 0)
      return fail('JIRA_MISSING_PROJECT_PERMISSION', `Missing in ${key}: ${missing.join(', ')}.`);
    return pass(`${key} is visible with all ${PROJECT_PERMISSIONS.length} permissions a two-way sync needs.`);
  },
};

export const JIRA_CHECKS: Check[] = [
  egressCheck,
  dnsCheck,
  reachCheck,
  clockCheck,
  tenantCheck,
  serverInfoCheck,
  authCheck,
  productAccessCheck,
  adminCheck,
  projectCheck,
];
