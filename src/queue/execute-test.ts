/**
 * Executes a test run inside a worker: plans the steps on first delivery, skips those already finished on a
 * re-delivery, persists each result before the next check starts, honours a cancel between checks, and ends the
 * run through the lifecycle. A connector in a maintenance window is tested as usual, but its failures give no
 * verdict (the run ends "in maintenance"); one still deactivated after a window says so.
 */

import type { MaintenanceNote } from '../core/maintenance.js';
import { type Run, type RunOutcome, runOutcome, stepsOutcome } from '../core/run.js';
import type { CheckResult } from '../core/runbooks/checks/run-checks.js';
import { runChecks } from '../core/runbooks/checks/run-checks.js';
import { testChecks } from '../core/runbooks/test.js';
import { runTarget } from './resolve-target.js';
import type { RunDeps } from './run-deps.js';
import type { RunLifecycle } from './run-lifecycle.js';
import { priorResults } from './test-results.js';

export async function executeTest(run: Run, life: RunLifecycle, deps: RunDeps): Promise<void> {
  const target = await runTarget(run.params, deps);
  if (!target) return life.end(run, runOutcome('connector-gone'));
  const checks = testChecks(target);
  if (run.steps.length === 0) {
    run.steps = checks.map((c) => ({ id: c.id, title: c.title, status: 'pending' }));
    const note = await maintenanceNote(run, deps);
    if (note) run.facts.maintenance = note;
  }
  await life.start(run);

  const ctx = deps.testContext(target, run.facts);
  await runChecks(checks, ctx, {
    prior: priorResults(run.steps),
    onResult: async (result) => {
      applyResult(run, result, deps.clock.now());
      run.facts = ctx.facts;
      await life.save(run);
      await life.checkCancel(run);
    },
  });
  await life.end(run, verdict(run));
}

/** A named connector's maintenance that the test must mention: in a window now, or left deactivated by one. */
async function maintenanceNote(run: Run, deps: RunDeps): Promise<MaintenanceNote | undefined> {
  if (typeof run.params.name !== 'string' || !deps.maintenance) return undefined;
  const note = (await deps.maintenance.notes(deps.clock.now())).get(run.params.name);
  return note && note.kind !== 'scheduled' ? note : undefined;
}

function verdict(run: Run): RunOutcome {
  const outcome = stepsOutcome(run.steps);
  const note = run.facts.maintenance as MaintenanceNote | undefined;
  return outcome.reason === 'failed' && note?.kind === 'in-maintenance'
    ? runOutcome('in-maintenance')
    : outcome;
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
