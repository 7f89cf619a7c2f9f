/**
 * The runs queue's processor: one job per run (jobId = run id). Loads the run, and hands it to its kind's
 * executor, which continues at the first unfinished step.
 */
import type { Job } from 'bullmq';
import { isTerminal } from '../core/run.js';
import { executeReport, type ReportRunDeps } from './execute-report.js';
import { executeTest } from './execute-test.js';
import type { RunJob } from './names.js';
import type { RunDeps } from './run-deps.js';

export function runProcessor(deps: RunDeps & { report?: ReportRunDeps }) {
  return async (job: Job<RunJob>, _token?: string): Promise<void> => {
    const run = await deps.runs.get(job.data.runId);
    if (!run) {
      deps.logger.warn({ runId: job.data.runId }, 'run record missing; dropping job');
      return;
    }
    if (isTerminal(run.state)) return;
    switch (run.kind) {
      case 'test':
        await executeTest(run, deps);
        return;
      case 'report':
        if (!deps.report) throw new Error('report runs need the report dependencies');
        await executeReport(run, deps, deps.report);
        return;
      default:
        deps.logger.error({ runId: run.id, kind: run.kind }, 'no executor for this run kind');
    }
  };
}
