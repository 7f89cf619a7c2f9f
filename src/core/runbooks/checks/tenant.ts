/**
 * "Jira Cloud site exists": `/_edge/tenant_info` (reference/atlassian.md §1.7) gives the cloud id, and a renamed
 * site redirects it. Tenant info is a probe: a 404 (or an answer without a cloud id) says the site is not there;
 * when it cannot be read (a proxy blocks the path, the edge times out, the new address of a renamed site does not
 * answer) the check says what could not be checked and the credential checks go on (they may follow a skip here).
 */
import type { HttpAnswer } from '../../ports.js';
import { siteUrl, type TestContext } from './context.js';
import { header, hostOf, looksLikeHtml, parseJson } from './jira-answers.js';
import { answeredOtherwise, notChecked, probe } from './probes.js';
import { type CheckDef, type CheckOutcome, fail, pass, skip, warn } from './run-checks.js';

const WHAT = 'whether a Jira Cloud site is at this address, and its cloud id';

export const tenantCheck: CheckDef<TestContext> = {
  id: 'tenant',
  title: 'Jira Cloud site exists',
  after: ['reach'],
  skipIf: (ctx) => (ctx.target.spec.jira.kind === 'cloud' ? undefined : 'Data Center has no cloud id.'),
  async run(ctx) {
    const first = await tenantInfo(ctx, siteUrl(ctx));
    if (!('answer' in first)) return first.outcome;
    const redirect = crossHostRedirect(first.answer);
    if (!redirect) return siteOutcome(first.answer);
    const moved = movedSiteFacts(ctx, redirect);
    const renamed = `${siteUrl(ctx)} redirects to ${redirect.origin}; the remaining checks use ${redirect.origin}.`;
    const second = await tenantInfo(ctx, moved.siteUrl as string);
    if (!('answer' in second)) return warn('JIRA_SITE_RENAMED', `${renamed} ${second.why}`, moved);
    const outcome = siteOutcome(second.answer);
    if (outcome.status !== 'pass') return outcome;
    const cloudId = outcome.facts?.cloudId as string;
    return warn('JIRA_SITE_RENAMED', `${renamed} Cloud id ${cloudId}.`, { ...moved, cloudId });
  },
};

type Read = { answer: HttpAnswer } | { outcome: CheckOutcome; why: string };

/** tenant_info of `base`; a network failure or an answer that tells nothing is "not checked". */
async function tenantInfo(ctx: TestContext, base: string): Promise<Read> {
  const found = await probe(ctx, { path: '_edge/tenant_info', base });
  if ('failure' in found) {
    // The egress guard refusing where the site redirects is a finding of its own, not a probe that failed.
    if (found.failure.code === 'EGRESS_BLOCKED') throw found.failure;
    const why = notChecked(WHAT, found.unreachable);
    return { outcome: skip(why), why };
  }
  const { answer } = found;
  if (decisive(answer)) return { answer };
  const why = notChecked(WHAT, answeredOtherwise(answer));
  return { outcome: skip(why), why };
}

/** 200 with a cloud id, a 404 or 410, any other 2xx (no cloud id), or a redirect: answers that say something. */
function decisive(answer: HttpAnswer): boolean {
  const { status } = answer;
  if (status >= 300 && status < 400) return header(answer, 'location') !== undefined;
  return (status >= 200 && status < 300) || status === 404 || status === 410;
}

function siteOutcome(answer: HttpAnswer): CheckOutcome {
  const cloudId = answer.status === 200 ? parseJson<{ cloudId?: string }>(answer)?.cloudId : undefined;
  if (cloudId) return pass(`Cloud id ${cloudId}.`, { cloudId });
  return fail(
    'JIRA_SITE_NOT_FOUND',
    `${hostOf(answer.url)}/_edge/tenant_info answered ${answer.status}${looksLikeHtml(answer) ? ' with an HTML page' : ''} and no cloud id.`,
    { siteNotFound: true },
  );
}

export function crossHostRedirect(answer: HttpAnswer): URL | undefined {
  const location = header(answer, 'location');
  if (answer.status < 300 || answer.status >= 400 || !location) return undefined;
  return new URL(location, answer.url);
}

/** A renamed site redirects: the remaining checks go to the new address. */
export function movedSiteFacts(ctx: TestContext, target: URL): Record<string, unknown> {
  const facts: Record<string, unknown> = { siteUrl: target.origin };
  if (!ctx.target.spec.jira.apiUrl && !ctx.facts.apiUrl) facts.apiUrl = target.origin;
  return facts;
}
