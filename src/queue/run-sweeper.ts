/**
 * The sweep: ends runs that would otherwise never end — their record says queued, running or waiting, but their
 * job failed for good (the last attempt could not even end the run, e.g. Redis refused writes), finished without
 * ending it, or is gone. Each pass looks at a bounded page of the open-runs index (ZSCAN), so work per pass stays
 * flat however many runs wait for people; one process sweeps at a time (a lock that expires by itself).
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/ports.js';
import { isTerminal } from '../core/run.js';
import type { RunStore } from '../store/runs.js';
import type { Queues } from './queues.js';
import type { RunLifecycle } from './run-lifecycle.js';

export interface SweepOptions {
  /** Open runs looked at per pass. */
  batch: number;
  /** A run saved more recently than this is left alone (its job may be on its way). */
  graceMs: number;
}

export const SWEEP_DEFAULTS: SweepOptions & { intervalMs: number } = {
  intervalMs: 60_000,
  batch: 200,
  graceMs: 2 * 60_000,
};

const ORPHAN_CAUSE: Record<string, string> = {
  failed: 'Its job failed for good before the run could be ended.',
  completed: 'Its job finished without ending the run.',
  missing: 'Its job was lost.',
  unknown: 'Its job was lost.',
};

export class RunSweeper {
  private cursor = '0';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      runs: RunStore;
      queues: Queues;
      life: RunLifecycle;
      clock: Clock;
      logger: Logger;
    },
    private readonly options: SweepOptions = SWEEP_DEFAULTS,
  ) {}

  /** One pass over the next page of open runs; returns the ids it ended. */
  async sweepOnce(lockMs = SWEEP_DEFAULTS.intervalMs / 2): Promise<string[]> {
    if (!(await this.deps.runs.tryLock('sweep', lockMs))) return [];
    const page = await this.deps.runs.scanOpen(this.cursor, this.options.batch);
    this.cursor = page.cursor;
    const ended: string[] = [];
    for (const id of page.ids) {
      if (await this.sweepOne(id)) ended.push(id);
    }
    if (ended.length > 0) this.deps.logger.warn({ runs: ended }, 'sweep ended orphaned runs');
    return ended;
  }

  private async sweepOne(id: string): Promise<boolean> {
    const run = await this.deps.runs.get(id);
    if (!run || isTerminal(run.state)) {
      await this.deps.runs.forgetOpen(id);
      return false;
    }
    if (this.deps.clock.now() - run.updatedAt < this.options.graceMs) return false;
    const job = await this.deps.queues.runs.getJob(id);
    const state = job ? await job.getState() : 'missing';
    const cause = ORPHAN_CAUSE[state];
    if (!cause) return false;
    await this.deps.life.endInternalFailure(run, cause);
    return true;
  }

  start(intervalMs = SWEEP_DEFAULTS.intervalMs): void {
    const tick = () => {
      this.sweepOnce(intervalMs / 2).catch((error: Error) =>
        this.deps.logger.warn({ err: { message: error.message } }, 'sweep failed'),
      );
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
