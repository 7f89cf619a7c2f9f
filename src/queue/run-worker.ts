/**
 * The runs queue's processor: one job per run (jobId = run id). Loads the run and hands it to its kind's
 * executor, which continues at the first unfinished step. Whatever happens, the run ends through the lifecycle:
 * a requested cancel before any work, a diagnosis (a credential that cannot be decrypted) at once, and any other
 * failure on the job's last attempt, as an internal failure with the run id to quote. A run handed back by a
 * stopping worker goes back to wait with its lock released, so the next worker takes it at once. The run is read
 * under the job's lock: once the job is another worker's, this one's saves are refused (RunLockLost) and it leaves
 * the run alone.
 */
import { DelayedError, type Job, WaitingError } from 'bullmq';
import { diagnosedOf } from '../core/diagnosis-bot.js';
import { isTerminal, runOutcome } from '../core/run.js';
import { type HeldLock, RunLockLost } from '../store/runs.js';
import type { ReportRunDeps } from './execute-report.js';
import type { RunJob } from './names.js';
import type { RunDeps } from './run-deps.js';
import { RUN_KINDS } from './run-kinds.js';
import { RunCancelled, RunHandedBack, RunLifecycle } from './run-lifecycle.js';

export function runProcessor(deps: RunDeps & { report?: ReportRunDeps }) {
  const life = new RunLifecycle(deps, RUN_KINDS);
  return async (job: Job<RunJob>, token?: string): Promise<void> => {
    const run = await deps.runs.get(job.data.runId, jobLock(job, token));
    if (!run) {
      // The ack path writes the record and the job together; a refused command discards both. Retrying (the job's
      // attempts and backoff) covers a record that lands a moment after its job, and ends a discarded one.
      throw new Error(`run record ${job.data.runId} not found`);
    }
    if (isTerminal(run.state)) return;
    try {
      await life.checkCancel(run);
      await RUN_KINDS[run.kind].execute(run, { parking: { job, token }, life, deps });
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (error instanceof RunCancelled) return;
      if (error instanceof RunLockLost) {
        // Another worker runs it now (this one's stop ran out of time, or its lock expired while it was stalled).
        deps.logger.warn({ runId: run.id, kind: run.kind }, 'run left to the worker that holds its job now');
        throw error;
      }
      if (error instanceof RunHandedBack) {
        // Back to wait without costing an attempt or a stall: BullMQ counts neither for WaitingError.
        await job.moveToWait(token);
        deps.logger.info({ runId: run.id, kind: run.kind }, 'run handed back: this worker is stopping');
        throw new WaitingError();
      }
      const diagnosed = diagnosedOf(error);
      if (diagnosed) {
        await life.end(run, runOutcome('failed', { code: diagnosed.diagnosis, detail: diagnosed.detail }));
        return;
      }
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      deps.logger.error(
        { runId: run.id, kind: run.kind, attempt: job.attemptsMade + 1, last, err: errorSummary(error) },
        last ? 'run failed on its last attempt' : 'run failed; it will be retried',
      );
      if (last) await life.endInternalFailure(run, 'It failed inside Align Bot on every attempt.');
      throw error;
    }
  };
}

/** BullMQ's lock on a job while a worker runs it (`<prefix>:<queue>:<job id>:lock`), holding the worker's token. */
export function jobLock(job: Pick<Job, 'id' | 'queueQualifiedName'>, token?: string): HeldLock | undefined {
  return token && job.id ? { key: `${job.queueQualifiedName}:${job.id}:lock`, token } : undefined;
}

/** Name and message: errors carry ids and codes, never a secret. */
function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'unknown', message: String(error) };
}
