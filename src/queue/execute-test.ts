/**
 * Executes a test run inside a worker: plans the steps on first delivery, skips those already finished on a
 * re-delivery, persists each result before the next check starts, and asks the outbox to refresh the chat.
 */

import { connectorResult } from '../core/report.js';
import { isTerminal, outcomeState, type Run, type StepRecord } from '../core/run.js';
import type { CheckResult } from '../core/runbooks/checks.js';
import { runChecks } from '../core/runbooks/checks.js';
import { testChecks } from '../core/runbooks/test.js';
import type { TestContext } from '../core/runbooks/test-context.js';
import type { TestTarget } from '../core/target.js';
import { lastResultOf } from '../store/connectors.js';
import type { RunDeps } from './run-deps.js';
import { runTarget } from './targets.js';

const FINISHED = new Set(['pass', 'warn', 'fail', 'skip']);

export async function executeTest(run: Run, deps: RunDeps): Promise<void> {
  const target = await runTarget(run.params, deps);
  if (!target) {
    await finish(run, 'failed', deps, `Connector "${run.connector}" no longer exists.`);
    return;
  }
  const checks = testChecks(target);
  if (run.steps.length === 0)
    run.steps = checks.map((c) => ({ id: c.id, title: c.title, status: 'pending' }));
  run.state = 'running';
  await deps.runs.save(run);
  await deps.queues.requestSync(run.id);

  const ctx = deps.testContext(target, run.facts);
  await runChecks(checks, ctx, {
    prior: priorResults(run.steps),
    onResult: async (result) => {
      applyResult(run, result, deps.clock.now());
      run.facts = ctx.facts;
      await deps.runs.save(run);
      await deps.queues.requestSync(run.id);
    },
  });
  await finish(run, outcomeState(run.steps), deps);
}

export function priorResults(steps: StepRecord[]): Map<string, CheckResult> {
  const prior = new Map<string, CheckResult>();
  for (const s of steps) {
    if (!FINISHED.has(s.status)) continue;
    prior.set(s.id, {
      id: s.id,
      title: s.title,
      status: s.status as CheckResult['status'],
      ...(s.code ? { code: s.code } : {}),
      ...(s.detail ? { detail: s.detail } : {}),
      ms: (s.endedAt ?? 0) - (s.startedAt ?? 0),
    });
  }
  return prior;
}

function applyResult(run: Run, result: CheckResult, now: number): void {
  const step = run.steps.find((s) => s.id === result.id);
  if (!step) return;
  step.status = result.status;
  step.startedAt = now - result.ms;
  step.endedAt = now;
  if (result.code) step.code = result.code;
  else delete step.code;
  if (result.detail) step.detail = result.detail;
}

async function finish(run: Run, state: Run['state'], deps: RunDeps, note?: string): Promise<void> {
  if (isTerminal(run.state)) return;
  run.state = state;
  run.endedAt = deps.clock.now();
  if (note) run.facts.note = note;
  await deps.runs.save(run);
  // Audited when it ends (the run records who asked), which keeps a write off the ack path.
  await deps.audit
    .append({
      actor: run.requestedBy.id,
      action: 'test',
      outcome: state === 'succeeded' ? 'ok' : 'failed',
      connector: run.connector,
      runId: run.id,
    })
    .catch(() => undefined);
  if (run.params.name) {
    await deps.connectors.setLastResult(run.connector, lastResultOf(run));
    await deps.history?.append(run.id, testResult(run));
  }
  await deps.queues.requestSync(run.id);
}

/** A finished test as one history sample of its connector. */
function testResult(run: Run) {
  const at = run.endedAt ?? run.updatedAt;
  return connectorResult(
    run.connector,
    run.connector,
    [...priorResults(run.steps).values()],
    at,
    at - run.createdAt,
  );
}

export type TestContextFactory = (target: TestTarget, facts: Record<string, unknown>) => TestContext;
