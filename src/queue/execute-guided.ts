/**
 * Executes a guided run (connect, rotate) in a worker. A step that waits for a person parks the job
 * (moveToDelayed until its deadline + DelayedError): it holds no worker slot and survives restarts. A click or a
 * form submission records a decision (first write wins) and promotes the job; the step is asked again with it.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Decision } from '../core/decisions.js';
import { isTerminal, type Run, type RunState, type StepRecord } from '../core/run.js';
import {
  DEFAULT_PROMPT_TTL_MS,
  type GuidedContext,
  type GuidedStep,
  isWait,
  type Prompt,
  type StepResult,
} from '../core/runbooks/guided.js';
import { lastResultOf } from '../store/connectors.js';
import type { RunDeps as GuidedDeps } from './run-deps.js';

const FINISHED = new Set(['pass', 'warn', 'fail', 'skip']);

export async function executeGuided(
  run: Run,
  steps: GuidedStep[],
  ctx: GuidedContext,
  job: Job,
  token: string | undefined,
  deps: GuidedDeps,
): Promise<void> {
  if (run.steps.length === 0) {
    run.steps = steps.map((s) => ({ id: s.id, title: s.title, status: 'pending', attempt: 0 }));
    await deps.audit
      .append({
        actor: run.requestedBy.id,
        action: `${run.kind} started`,
        outcome: 'ok',
        connector: run.connector,
        runId: run.id,
      })
      .catch(() => undefined);
  }
  for (const step of steps) {
    const record = run.steps.find((r) => r.id === step.id)!;
    while (!FINISHED.has(record.status)) {
      if (await cancelled(run, deps)) return;
      const decision = await deps.decisions.get(run.id, step.id, record.attempt ?? 0);
      if (decision?.kind === 'expired') return finish(run, 'expired', deps);
      if (decision?.kind === 'retry') {
        resolvePrompt(record, decision);
        record.attempt = (record.attempt ?? 0) + 1;
        delete record.deadline;
        continue;
      }
      const reason = record.status === 'pending' ? step.skipIf?.(ctx) : undefined;
      const outcome = reason
        ? ({ status: 'skip', detail: reason } as StepResult)
        : await step.run(ctx, decision);
      if (!isWait(outcome)) {
        if (decision) resolvePrompt(record, decision);
        applyResult(record, outcome, deps.clock.now());
        if (outcome.facts) Object.assign(ctx.facts, outcome.facts);
        run.facts = ctx.facts;
        await save(run, deps);
        if (outcome.endState) return finish(run, outcome.endState, deps);
        if (outcome.status === 'fail') return finish(run, 'failed', deps);
        break;
      }
      if (decision) {
        // The step used the decision and asks again (a rejected token, a failed check): a fresh ask.
        resolvePrompt(record, decision);
        record.attempt = (record.attempt ?? 0) + 1;
        delete record.deadline;
      }
      await wait(run, record, outcome.wait, outcome.failure, ctx, job, token, deps);
    }
  }
  await finish(run, run.steps.some((s) => s.status === 'fail') ? 'failed' : 'succeeded', deps);
}

async function wait(
  run: Run,
  record: StepRecord,
  prompt: Prompt,
  failure: { code: NonNullable<StepRecord['code']>; detail?: string } | undefined,
  ctx: GuidedContext,
  job: Job,
  token: string | undefined,
  deps: GuidedDeps,
): Promise<void> {
  const attempt = record.attempt ?? 0;
  const now = deps.clock.now();
  record.status = 'waiting';
  record.deadline ??= now + (prompt.ttlMs ?? deps.promptTtlMs ?? DEFAULT_PROMPT_TTL_MS);
  record.prompts = [...(record.prompts ?? []).filter((p) => p.attempt !== attempt), { attempt, prompt }];
  if (failure) addFailure(run, record, attempt, failure);
  if (now >= record.deadline) {
    // Expiry races a late click: whichever is recorded first stands, and the loop reads it next.
    await deps.decisions.decide(run.id, record.id, attempt, { kind: 'expired', by: 'deadline', at: now });
    return;
  }
  run.state = 'waiting';
  run.facts = ctx.facts;
  await save(run, deps);
  await job.moveToDelayed(record.deadline, token);
  // A decision recorded between our read and the move would otherwise wait for the deadline.
  if ((await deps.decisions.get(run.id, record.id, attempt)) || (await deps.decisions.cancelledBy(run.id))) {
    await job.promote().catch(() => undefined);
  }
  throw new DelayedError();
}

function addFailure(
  run: Run,
  record: StepRecord,
  attempt: number,
  failure: { code: NonNullable<StepRecord['code']>; detail?: string },
): void {
  const key = `fail:${record.id}:${attempt}`;
  if ((run.failures ?? []).some((f) => f.key === key)) return;
  run.failures = [
    ...(run.failures ?? []),
    {
      key,
      stepId: record.id,
      attempt,
      title: record.title,
      code: failure.code,
      ...(failure.detail ? { detail: failure.detail } : {}),
    },
  ];
}

function resolvePrompt(record: StepRecord, decision: Decision): void {
  const prompt = record.prompts?.find((p) => p.attempt === (record.attempt ?? 0));
  if (prompt && !prompt.resolution)
    prompt.resolution = { kind: decision.kind, by: decision.by, at: decision.at };
}

function applyResult(record: StepRecord, outcome: StepResult, now: number): void {
  record.status = outcome.status;
  record.endedAt = now;
  record.startedAt ??= now;
  if (outcome.code) record.code = outcome.code;
  else delete record.code;
  if (outcome.detail) record.detail = outcome.detail;
  delete record.deadline;
}

async function cancelled(run: Run, deps: GuidedDeps): Promise<boolean> {
  const by = await deps.decisions.cancelledBy(run.id);
  if (!by) return false;
  run.facts.cancelledBy = by;
  await finish(run, 'cancelled', deps);
  return true;
}

async function save(run: Run, deps: GuidedDeps): Promise<void> {
  if (!isTerminal(run.state) && run.state !== 'waiting') run.state = 'running';
  await deps.runs.save(run);
  await deps.queues.requestSync(run.id);
}

async function finish(run: Run, state: RunState, deps: GuidedDeps): Promise<void> {
  if (isTerminal(run.state)) return;
  run.state = state;
  run.endedAt = deps.clock.now();
  for (const step of run.steps) {
    if (step.status === 'waiting' && state === 'expired') {
      step.status = 'fail';
      step.detail = 'Nobody answered before the deadline.';
    } else if (step.status === 'waiting' || step.status === 'pending' || step.status === 'running') {
      step.status = 'skip';
      if (state === 'cancelled') step.detail = 'Cancelled.';
    }
    delete step.deadline;
  }
  await deps.runs.save(run);
  await deps.runs.releaseActive(run.kind, run.connector, run.id);
  await deps.audit
    .append({
      actor: run.requestedBy.id,
      action: run.kind,
      outcome: auditOutcome(state),
      connector: run.connector,
      runId: run.id,
    })
    .catch(() => undefined);
  await deps.connectors.setLastResult(run.connector, lastResultOf(run));
  await deps.queues.requestSync(run.id);
}

function auditOutcome(state: RunState) {
  if (state === 'succeeded') return 'ok' as const;
  if (state === 'expired') return 'expired' as const;
  if (state === 'cancelled') return 'cancelled' as const;
  return 'failed' as const;
}
