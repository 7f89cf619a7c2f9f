/**
 * The queues without Redis: a run's job and the outbox's sync requests are recorded, and the test drives the
 * processors itself. A job moves as a BullMQ job does for the processor's purposes — waiting, active, parked in
 * delayed (until woken, promoted or its deadline passes), handed back to waiting by a stopping worker, completed, or
 * retried until its attempts are spent.
 * Sync requests coalesce per run, as the real outbox's deduplication does, unless `deliver` is set: then each
 * request is delivered at once (a very fast outbox), which is how a test sees the root message edited in place.
 */
import { DelayedError, type Job, WaitingError } from 'bullmq';
import type { RunJob } from '../../../src/queue/names.js';
import { type Queues, RUN_RETRIES } from '../../../src/queue/queues.js';
import type { RevivableQueues } from '../../../src/queue/run-lifecycle.js';

export type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

/** The parts of a BullMQ Job the run processor, the lifecycle and reviveRun use. */
export class FakeJob {
  state: JobState = 'waiting';
  attemptsMade = 0;
  delayedUntil: number | undefined;
  readonly opts: { attempts: number };
  readonly errors: Error[] = [];
  promotions = 0;
  /** Times a stopping worker moved it back to wait. */
  handedBack = 0;

  constructor(
    readonly id: string,
    readonly data: RunJob,
    attempts: number,
  ) {
    this.opts = { attempts };
  }

  async moveToDelayed(timestamp: number, _token?: string): Promise<void> {
    this.state = 'delayed';
    this.delayedUntil = timestamp;
  }

  async moveToWait(_token?: string): Promise<void> {
    this.state = 'waiting';
    this.handedBack += 1;
  }

  async promote(): Promise<void> {
    if (this.state !== 'delayed') throw new Error(`job ${this.id} is not delayed`);
    this.state = 'waiting';
    this.delayedUntil = undefined;
    this.promotions += 1;
  }

  async getState(): Promise<JobState> {
    return this.state;
  }

  async retry(_state?: string): Promise<void> {
    this.state = 'waiting';
    this.attemptsMade = 0;
  }

  /** What the processor is handed: only the members above are ever used. */
  asJob(): Job<RunJob> {
    return this as unknown as Job<RunJob>;
  }
}

export type RunProcessor = (job: Job<RunJob>, token?: string) => Promise<void>;

export class FakeQueues implements Pick<Queues, 'enqueueRun' | 'requestSync' | 'wake'>, RevivableQueues {
  readonly jobs = new Map<string, FakeJob>();
  /** Every call, in order. */
  readonly enqueued: string[] = [];
  readonly syncRequests: string[] = [];
  readonly woken: string[] = [];
  /** Errors a `deliver` threw: in production they fail the outbox job, not the caller. */
  readonly deliveryErrors: Error[] = [];
  /** When set, each sync request is delivered at once instead of waiting in `pendingSyncs`. */
  deliver: ((runId: string) => Promise<void>) | undefined;
  private readonly pending = new Set<string>();

  readonly runs = {
    getJob: async (id: string): Promise<Job<RunJob> | undefined> => this.jobs.get(id)?.asJob(),
  };

  constructor(private readonly attempts = RUN_RETRIES.attempts) {}

  async enqueueRun(runId: string): Promise<void> {
    this.enqueued.push(runId);
    // jobId = run id: a second add of the same id is ignored, as BullMQ ignores it.
    if (!this.jobs.has(runId)) this.jobs.set(runId, new FakeJob(runId, { runId }, this.attempts));
  }

  async requestSync(runId: string): Promise<void> {
    this.syncRequests.push(runId);
    if (!this.deliver) {
      this.pending.add(runId);
      return;
    }
    await this.deliver(runId).catch((error: Error) => {
      this.deliveryErrors.push(error);
    });
  }

  async wake(runId: string): Promise<void> {
    this.woken.push(runId);
    await this.jobs
      .get(runId)
      ?.promote()
      .catch(() => undefined);
  }

  /** The runs with a sync request waiting (coalesced), emptied by reading. */
  takeSyncs(): string[] {
    const ids = [...this.pending];
    this.pending.clear();
    return ids;
  }

  job(runId: string): FakeJob {
    const job = this.jobs.get(runId);
    if (!job) throw new Error(`no job for ${runId}`);
    return job;
  }

  /** Parked jobs whose deadline has come move back to waiting, as BullMQ's delayed set releases them. */
  releaseDue(now: number): void {
    for (const job of this.jobs.values()) {
      if (job.state === 'delayed' && job.delayedUntil !== undefined && job.delayedUntil <= now) {
        job.state = 'waiting';
        job.delayedUntil = undefined;
      }
    }
  }

  /**
   * Hands every waiting job to `processor` until none is waiting: a parked job stays delayed, a failed attempt is
   * retried at once until its attempts are spent. Returns how many times the processor ran.
   */
  async drain(processor: RunProcessor, maxRuns = 100): Promise<number> {
    let ran = 0;
    for (;;) {
      const job = [...this.jobs.values()].find((j) => j.state === 'waiting');
      if (!job) return ran;
      if (++ran > maxRuns) throw new Error(`jobs still waiting after ${maxRuns} runs`);
      await this.process(job, processor);
    }
  }

  private async process(job: FakeJob, processor: RunProcessor): Promise<void> {
    job.state = 'active';
    try {
      await processor(job.asJob(), `token-${job.id}`);
      job.state = 'completed';
    } catch (error) {
      // Parked: moveToDelayed already set the state (and a promote may have made it waiting again).
      if (error instanceof DelayedError) return;
      // Handed back by a stopping worker: moveToWait set the state; no attempt counted.
      if (error instanceof WaitingError) return;
      job.errors.push(error as Error);
      job.attemptsMade += 1;
      job.state = job.attemptsMade >= job.opts.attempts ? 'failed' : 'waiting';
    }
  }
}
