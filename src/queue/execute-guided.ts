/**
 * Executes a guided run (connect, rotate, maintenance) in a worker. A step that waits for a person parks the job
 * (moveToDelayed until its deadline, or an earlier wake-up time it asked for, + DelayedError): it holds no worker
 * slot and survives restarts. A click or a form submission records a decision (first write wins) and promotes the
 * job; the step is asked again with it. A step that sleeps until a time parks the same way, asking nothing.
 * Starting, parking and ending go through the run lifecycle.
 */
import type { Job } from 'bullmq';
import type { Decision } from '../core/decisions.js';
import type { Prompt } from '../core/prompt.js';
import { type Run, runOutcome, type StepRecord, stepsOutcome } from '../core/run.js';
import {
  DEFAULT_PROMPT_TTL_MS,
  type GuidedContext,
  type GuidedStep,
  isSleep,
  isWait,
  type SleepOutcome,
  type StepResult,
  type WaitOutcome,
} from '../core/runbooks/guided.js';
import type { RunDeps } from './run-deps.js';
import type { RunLifecycle } from './run-lifecycle.js';

const FINISHED = new Set(['pass', 'warn', 'fail', 'skip']);

export interface Parking {
  job: Job;
  token: string | undefined;
}

export async function executeGuided<C extends GuidedContext>(
  run: Run,
  steps: GuidedStep<C>[],
  ctx: C,
  parking: Parking,
  life: RunLifecycle,
  deps: RunDeps,
): Promise<void> {
  if (run.steps.length === 0)
    run.steps = steps.map((s) => ({ id: s.id, title: s.title, status: 'pending', attempt: 0 }));
  await life.start(run);
  for (const step of steps) {
    const record = run.steps.find((r) => r.id === step.id)!;
    while (!FINISHED.has(record.status)) {
      await life.checkCancel(run);
      const decision = await deps.decisions.get(run.id, step.id, record.attempt ?? 0);
      if (decision?.kind === 'expired') return life.end(run, runOutcome('expired'));
      if (decision?.kind === 'retry') {
        nextAttempt(record, decision);
        continue;
      }
      const reason = record.status === 'pending' ? step.skipIf?.(ctx) : undefined;
      const outcome = reason
        ? ({ status: 'skip', detail: reason } as StepResult)
        : await step.run(ctx, decision);
      if (isSleep(outcome)) {
        await sleep(run, record, outcome, ctx, parking, life, deps);
        continue;
      }
      if (!isWait(outcome)) {
        if (decision) resolvePrompt(record, decision);
        applyResult(record, outcome, deps.clock.now());
        if (outcome.facts) Object.assign(ctx.facts, outcome.facts);
        run.facts = ctx.facts;
        await life.save(run);
        if (outcome.end) return life.end(run, runOutcome(outcome.end, decision ? { by: decision.by } : {}));
        if (outcome.status === 'fail') return life.end(run, runOutcome('failed'));
        break;
      }
      // The step used the decision and asks again (a rejected token, a failed check): a fresh ask.
      if (decision) nextAttempt(record, decision);
      await wait(run, record, outcome, ctx, parking, life, deps);
    }
  }
  await life.end(run, stepsOutcome(run.steps));
}

async function wait(
  run: Run,
  record: StepRecord,
  outcome: WaitOutcome,
  ctx: GuidedContext,
  parking: Parking,
  life: RunLifecycle,
  deps: RunDeps,
): Promise<void> {
  const attempt = record.attempt ?? 0;
  const now = deps.clock.now();
  const prompt: Prompt = outcome.wait;
  record.status = 'waiting';
  if (outcome.until !== undefined) record.deadline = outcome.until;
  record.deadline ??= now + (prompt.ttlMs ?? deps.promptTtlMs ?? DEFAULT_PROMPT_TTL_MS);
  record.prompts = [...(record.prompts ?? []).filter((p) => p.attempt !== attempt), { attempt, prompt }];
  if (outcome.failure) addFailure(run, record, attempt, outcome.failure);
  if (now >= record.deadline) {
    // Expiry races a late click: whichever is recorded first stands, and the loop reads it next.
    await deps.decisions.decide(run.id, record.id, attempt, { kind: 'expired', by: 'deadline', at: now });
    return;
  }
  run.facts = ctx.facts;
  const wakeAt = Math.min(record.deadline, outcome.wakeAt ?? Number.POSITIVE_INFINITY);
  await life.park(run, { stepId: record.id, attempt, deadline: wakeAt }, parking.job, parking.token);
}

/** The step waits for a time: saved as it reads meanwhile, and parked until then (or run again at once). */
async function sleep(
  run: Run,
  record: StepRecord,
  outcome: SleepOutcome,
  ctx: GuidedContext,
  parking: Parking,
  life: RunLifecycle,
  deps: RunDeps,
): Promise<void> {
  const now = deps.clock.now();
  record.status = outcome.status ?? 'running';
  if (record.status === 'running') record.startedAt ??= now;
  if (outcome.detail) record.detail = outcome.detail;
  run.facts = ctx.facts;
  if (outcome.sleep <= now) return life.save(run);
  await life.park(
    run,
    { stepId: record.id, attempt: record.attempt ?? 0, deadline: outcome.sleep },
    parking.job,
    parking.token,
  );
}

function nextAttempt(record: StepRecord, decision: Decision): void {
  resolvePrompt(record, decision);
  record.attempt = (record.attempt ?? 0) + 1;
  delete record.deadline;
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
