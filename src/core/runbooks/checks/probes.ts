/**
 * Secondary probes (DESIGN.md §7): a call that may add to or sharpen a check's primary finding. When it answers,
 * its answer is used; when it cannot be reached (a proxy blocks the host, DNS fails, the deadline passed), the
 * primary finding stands and its detail says what could not be checked and why — the probe's own network failure
 * never becomes the check's diagnosis.
 */
import { type HttpAnswer, NetFailure } from '../../ports.js';
import { callJira, type JiraCall, type TestContext } from './context.js';
import { errorMessages, excerpt, hostOf } from './jira-answers.js';

export type ProbeResult = { answer: HttpAnswer } | { failure: NetFailure; unreachable: string };

/** One call to `call.base`; a NetFailure becomes the reason it could not be checked, naming the host. */
export async function probe(ctx: TestContext, call: JiraCall & { base: string }): Promise<ProbeResult> {
  try {
    return { answer: await callJira(ctx, call) };
  } catch (error) {
    if (!(error instanceof NetFailure)) throw error;
    return { failure: error, unreachable: unreachableReason(error, call.base) };
  }
}

/**
 * "api.atlassian.com does not resolve (ENOTFOUND)", always naming the host that failed. The probe's diagnosis code
 * is left out on purpose: it is not the finding.
 */
export function unreachableReason(error: NetFailure, base: string): string {
  const message = error.message.replace(/\.$/, '');
  return message.includes(new URL(base).hostname) ? message : `${hostOf(base)}: ${message}`;
}

/** An answer that tells nothing: "api.atlassian.com answered 403: an HTML page". */
export function answeredOtherwise(answer: HttpAnswer): string {
  return `${hostOf(answer.url)} answered ${answer.status}: ${excerpt(errorMessages(answer), 120)}`;
}

/** The sentence a primary finding carries about a probe that told nothing. */
export function notChecked(what: string, why: string): string {
  return `Not checked: ${what}, because ${why}.`;
}

export function withNote(detail: string, note: string | undefined): string {
  return note ? `${detail} ${note}` : detail;
}
