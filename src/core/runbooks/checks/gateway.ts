/**
 * The scoped-token probe: a Cloud credential that Jira rejects on the site URL may be a scoped API token, which
 * works only through the Atlassian gateway (api.atlassian.com/ex/jira/{cloudId}). The gateway is a second opinion:
 * its 200 sharpens the 401 into JIRA_SCOPED_TOKEN_WRONG_URL, its 401 confirms the rejection, and when it cannot be
 * reached (a proxy blocking api.atlassian.com is common) the rejection stands and says what could not be checked.
 */

import { apiUrl, jiraCredential, siteUrl, type TestContext } from './context.js';
import { describeAccount, type Myself, roleNames } from './jira-account.js';
import { hostOf, parseJson } from './jira-answers.js';
import { answeredOtherwise, notChecked, probe } from './probes.js';
import { type CheckOutcome, fail } from './run-checks.js';

const WHAT = 'whether this is a scoped API token, which works only through the Atlassian gateway';

/** A sharper outcome, or a note for the rejection's detail (undefined: nothing to add). */
export async function scopedTokenProbe(
  ctx: TestContext,
): Promise<{ outcome: CheckOutcome } | { note?: string }> {
  // An earlier step already chose where the API is (the gateway, or a renamed site): nothing to compare with.
  if (ctx.facts.apiUrl) return {};
  const cloudId = ctx.facts.cloudId as string | undefined;
  if (!cloudId) {
    return { note: notChecked(WHAT, 'the site’s cloud id is unknown (its tenant info could not be read)') };
  }
  const gateway = `${ctx.gatewayUrl.replace(/\/+$/, '')}/ex/jira/${cloudId}`;
  if (apiUrl(ctx).startsWith(gateway)) return {};
  const found = await probe(ctx, {
    path: 'rest/api/2/myself?expand=groups,applicationRoles',
    base: gateway,
    auth: jiraCredential(ctx)!,
  });
  if ('failure' in found) return { note: notChecked(WHAT, found.unreachable) };
  const { answer } = found;
  const me = answer.status === 200 ? parseJson<Myself>(answer) : undefined;
  if (me?.accountId || me?.displayName) {
    return {
      outcome: fail(
        'JIRA_SCOPED_TOKEN_WRONG_URL',
        `The token answers 401 on ${siteUrl(ctx)} but works on ${gateway} (${describeAccount(me).replace(/\.$/, '')}). Set Jira Align’s “Jira API URL” to ${gateway}.`,
        { apiUrl: gateway, accountId: me.accountId, applicationRoles: roleNames(me) },
      ),
    };
  }
  if (answer.status === 401) {
    return {
      note: `The Atlassian gateway (${hostOf(gateway)}) rejects it too, so it is not a scoped token used with the site URL.`,
    };
  }
  return { note: notChecked(WHAT, answeredOtherwise(answer)) };
}
