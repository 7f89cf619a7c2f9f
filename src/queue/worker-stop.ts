/**
 * A bounded stop of a process's workers (SIGTERM): stop taking jobs, let the steps that are running finish — each
 * run hands its job back at its next step boundary (RunHandedBack in run-lifecycle.ts) — and when the budget is
 * spent, move whatever is still active back to wait with its lock token. Either way nothing is left locked: a
 * restarted or another worker resumes every unfinished run at once instead of waiting for a lock to expire.
 */
import type { Job, Worker } from 'bullmq';
import type { Logger } from 'pino';

/** Saving a step and handing its job back, after the step itself. */
const HAND_BACK_MARGIN_MS = 5_000;
/** Closing the connections and listeners after the runs are handed back. */
const CLOSE_MARGIN_MS = 10_000;

export interface StopBudget {
  /** The longest step: every call of a test (and of a guided step) ends by the test's deadline. */
  stepMs: number;
  /** When the runs still active are handed back without waiting further. */
  handBackMs: number;
  /** When the process gives up and exits 1 (src/cli/start.ts); more than the longest step. */
  exitMs: number;
}

export function stopBudget(limits: { requestMs: number; totalMs: number }): StopBudget {
  const stepMs = Math.max(limits.totalMs, limits.requestMs);
  const handBackMs = stepMs + HAND_BACK_MARGIN_MS;
  return { stepMs, handBackMs, exitMs: handBackMs + CLOSE_MARGIN_MS };
}

/** The jobs a worker is running, each with its lock token: what a stop hands back when its time is up. */
export class ActiveJobs {
  private readonly jobs = new Map<string, { job: Job; token?: string }>();
  private emptied?: () => void;

  get size(): number {
    return this.jobs.size;
  }

  /** The processor, tracking each job while it runs. */
  track<J extends Job, R>(processor: (job: J, token?: string) => Promise<R>) {
    return async (job: J, token?: string): Promise<R> => {
      const key = `${job.id}\n${token}`;
      this.jobs.set(key, { job, ...(token ? { token } : {}) });
      try {
        return await processor(job, token);
      } finally {
        this.jobs.delete(key);
        if (this.jobs.size === 0) this.emptied?.();
      }
    };
  }

  /** Resolves when no job runs, or after `ms`; true when none runs. */
  async settled(ms: number): Promise<boolean> {
    if (this.jobs.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const empty = new Promise<boolean>((resolve) => {
      this.emptied = () => resolve(true);
    });
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([empty, late]);
    } finally {
      clearTimeout(timer);
      this.emptied = undefined;
    }
  }

  /** Moves every job still running back to wait (its lock released); returns their ids. */
  async handBack(): Promise<string[]> {
    const ids: string[] = [];
    for (const { job, token } of [...this.jobs.values()]) {
      // A job whose lock is already gone is someone else's now: nothing to hand back.
      const moved = await job.moveToWait(token).then(
        () => true,
        () => false,
      );
      if (moved && job.id) ids.push(job.id);
    }
    return ids;
  }
}

export interface WorkerStop {
  /** The runs queue's worker, whose jobs are handed back. */
  runs: Worker;
  runsActive: ActiveJobs;
  /** Workers of short jobs (chat deliveries, report triggers): they stop taking jobs and finish what they run. */
  others: Worker[];
  /** Tells the runs to hand their jobs back at their next step boundary. */
  requestStop(): void;
  budget: StopBudget;
  logger: Logger;
}

/** Stops the workers within the budget; nothing stays locked afterwards. */
export async function stopWorkers(stop: WorkerStop): Promise<void> {
  const started = Date.now();
  stop.requestStop();
  const all = [stop.runs, ...stop.others];
  await Promise.all(all.map((worker) => worker.pause(true)));
  const active = stop.runsActive.size;
  const settled = await stop.runsActive.settled(stop.budget.handBackMs);
  if (!settled) {
    const ids = await stop.runsActive.handBack();
    stop.logger.warn(
      { runs: ids, budgetMs: stop.budget.handBackMs },
      'stopping: runs still in a step when the budget ran out were handed back mid-step',
    );
  }
  await stop.runs.close(!settled);
  const left = Math.max(1000, stop.budget.handBackMs - (Date.now() - started));
  // Their jobs take milliseconds; one that hangs anyway is taken over after its (short) lock expires.
  await Promise.race([
    Promise.all(stop.others.map((worker) => worker.close())),
    new Promise((resolve) => setTimeout(resolve, left).unref()),
  ]);
  stop.logger.info(
    { activeRuns: active, ms: Date.now() - started },
    'workers stopped; unfinished runs handed back',
  );
}
