/**
 * Checks as data: id, title, what they depend on, and a function over ports. One runner serves the CLI
 * (in-process) and the worker (persisting after each check).
 */
import { type DiagnosisCode, shortHint } from '../../diagnosis.js';
import { NetFailure } from '../../ports.js';
import type { CheckStatus } from '../../status.js';
import type { CheckId } from './check-ids.js';

export interface CheckOutcome {
  status: CheckStatus;
  code?: DiagnosisCode;
  detail?: string;
  /** Non-secret facts for later checks (and for a resumed run). */
  facts?: Record<string, unknown>;
}

export interface CheckResult extends CheckOutcome {
  /** A check's id, or a pseudo-check of a report row ('bot', 'outcome'). */
  id: string;
  title: string;
  ms: number;
}

export interface CheckDef<C> {
  id: CheckId;
  title: string;
  /** Checks that must have passed (or warned) first; otherwise this one is skipped. */
  after?: CheckId[];
  /** Of `after`, those whose skip does not stop this one: a probe that could not tell is no failure. */
  mayFollowSkipped?: CheckId[];
  /** When set and it returns a reason, the check is skipped with that reason. */
  skipIf?: (ctx: C) => string | undefined;
  run(ctx: C): Promise<CheckOutcome>;
}

export interface CheckContextBase {
  facts: Record<string, unknown>;
  /** Epoch ms after which no further check starts. */
  deadline: number;
  now(): number;
}

export function pass(detail?: string, facts?: Record<string, unknown>): CheckOutcome {
  return { status: 'pass', ...(detail ? { detail } : {}), ...(facts ? { facts } : {}) };
}

export function fail(code: DiagnosisCode, detail?: string, facts?: Record<string, unknown>): CheckOutcome {
  return { status: 'fail', code, ...(detail ? { detail } : {}), ...(facts ? { facts } : {}) };
}

export function warn(code: DiagnosisCode, detail?: string, facts?: Record<string, unknown>): CheckOutcome {
  return { status: 'warn', code, ...(detail ? { detail } : {}), ...(facts ? { facts } : {}) };
}

export function skip(detail: string): CheckOutcome {
  return { status: 'skip', detail };
}

/**
 * Runs one check: honours its dependencies and the deadline, turns a NetFailure into its diagnosis, and
 * merges the facts it found into the context.
 */
export async function runCheck<C extends CheckContextBase>(
  check: CheckDef<C>,
  ctx: C,
  prior: ReadonlyMap<string, CheckResult>,
): Promise<CheckResult> {
  const started = ctx.now();
  const outcome = await outcomeOf(check, ctx, prior);
  if (outcome.facts) Object.assign(ctx.facts, outcome.facts);
  return { id: check.id, title: check.title, ...outcome, ms: Math.max(0, ctx.now() - started) };
}

async function outcomeOf<C extends CheckContextBase>(
  check: CheckDef<C>,
  ctx: C,
  prior: ReadonlyMap<string, CheckResult>,
): Promise<CheckOutcome> {
  const blocker = check.after
    ?.map((id) => prior.get(id))
    .find(
      (r) =>
        !r ||
        r.status === 'fail' ||
        (r.status === 'skip' && !check.mayFollowSkipped?.some((id) => id === r.id)),
    );
  if (blocker) return skip(`Skipped: “${blocker.title}” did not pass.`);
  const reason = check.skipIf?.(ctx);
  if (reason) return skip(reason);
  if (ctx.now() >= ctx.deadline) return fail('TIMEOUT', 'The whole test ran out of time before this check.');
  try {
    return await check.run(ctx);
  } catch (error) {
    if (error instanceof NetFailure) return fail(error.code, error.message);
    throw error;
  }
}

/** The CLI's and the chat's per-check line: the first fix step of the diagnosis. */
export function hintFor(result: Pick<CheckResult, 'code' | 'status'>): string | undefined {
  return result.code && (result.status === 'fail' || result.status === 'warn')
    ? shortHint(result.code)
    : undefined;
}

/**
 * Runs checks in order, skipping those already in `prior` (a resumed run), and reports each result as it lands
 * so a worker can persist it before the next check starts.
 */
export async function runChecks<C extends CheckContextBase>(
  checks: CheckDef<C>[],
  ctx: C,
  options: {
    prior?: Map<string, CheckResult>;
    onResult?: (result: CheckResult) => Promise<void> | void;
  } = {},
): Promise<CheckResult[]> {
  const results = new Map(options.prior ?? []);
  for (const check of checks) {
    if (results.has(check.id)) continue;
    const result = await runCheck(check, ctx, results);
    results.set(check.id, result);
    await options.onResult?.(result);
  }
  return checks.map((c) => results.get(c.id)!);
}
