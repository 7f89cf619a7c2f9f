/**
 * The runs queue's processor: one job per run (jobId = run id). Loads the run and hands it to its kind's
 * executor, which continues at the first unfinished step.
 */
import type { Job } from 'bullmq';
import { isTerminal, type Run } from '../core/run.js';
import { connectSteps } from '../core/runbooks/connect.js';
import { rotateSteps } from '../core/runbooks/rotate.js';
import { executeGuided } from './execute-guided.js';
import { executeReport, type ReportRunDeps } from './execute-report.js';
import { executeTest } from './execute-test.js';
import { guidedContext } from './guided-context.js';
import type { RunJob } from './names.js';
import type { RunDeps } from './run-deps.js';

export function runProcessor(deps: RunDeps & { report?: ReportRunDeps }) {
  return async (job: Job<RunJob>, token?: string): Promise<void> => {
    const run = await deps.runs.get(job.data.runId);
    if (!run) {
      // The ack path writes the record and the job together; a refused command discards both. Retrying (the job's
      // attempts and backoff) covers a record that lands a moment after its job, and ends a discarded one.
      throw new Error(`run record ${job.data.runId} not found`);
    }
    if (isTerminal(run.state)) return;
    switch (run.kind) {
      case 'test':
        return executeTest(run, deps);
      case 'rotate':
        return executeRotate(run, job, token, deps);
      case 'connect':
        return executeGuided(run, connectSteps(), guidedContext(run, undefined, deps), job, token, deps);
      case 'report':
        if (!deps.report) throw new Error('report runs need the report dependencies');
        return executeReport(run, deps, deps.report);
      default:
        deps.logger.error({ runId: run.id, kind: run.kind }, 'no executor for this run kind');
    }
  };
}

async function executeRotate(run: Run, job: Job, token: string | undefined, deps: RunDeps): Promise<void> {
  const existing = await deps.connectors.get(run.connector);
  if (!existing) {
    run.state = 'failed';
    run.facts.note = `Connector "${run.connector}" no longer exists.`;
    await deps.runs.save(run);
    await deps.queues.requestSync(run.id);
    return;
  }
  await executeGuided(run, rotateSteps(), guidedContext(run, existing, deps), job, token, deps);
}
