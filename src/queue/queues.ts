/**
 * The producer side: enqueue a run (bounded by a timeout, so an ack never waits on a sick Redis) and ask the
 * outbox to bring a run's chat messages up to date (coalesced: at most one waiting sync per run).
 */
import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { RedisClient } from '../store/redis.js';
import { withTimeout } from '../store/redis.js';
import { OUTBOX_QUEUE, type OutboxJob, RUNS_QUEUE, type RunJob } from './names.js';
import { logQueueErrors } from './queue-errors.js';

export const ENQUEUE_TIMEOUT_MS = 1500;

/**
 * A run's job is retried with exponential backoff for a bit over a minute (2.5 + 5 + 10 + 20 + 40 s, less up to
 * 20 % jitter: 62–78 s), so a brief Redis fault (a failover, writes refused for a few seconds) does not end it; its
 * last failed attempt ends the run as an internal failure (queue/run-worker.ts).
 */
export const RUN_RETRIES = {
  attempts: 6,
  backoff: { type: 'exponential' as const, delay: 2500, jitter: 0.2 },
};

export class Queues {
  readonly runs: Queue<RunJob>;
  readonly outbox: Queue<OutboxJob>;

  constructor(connection: RedisClient, prefix: string, logger?: Logger) {
    this.runs = new Queue<RunJob>(RUNS_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        ...RUN_RETRIES,
        removeOnComplete: { age: 24 * 3600, count: 5000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.outbox = new Queue<OutboxJob>(OUTBOX_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        // A retryable delivery failure (Teams 412, 502, 504; a network error) waits 1, 2, 4, … s less up to half,
        // jittered so that many runs failing together do not come back together.
        attempts: 8,
        backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    logQueueErrors(this.runs, logger);
    logQueueErrors(this.outbox, logger);
  }

  async enqueueRun(runId: string, timeoutMs = ENQUEUE_TIMEOUT_MS): Promise<void> {
    await withTimeout(this.runs.add('run', { runId }, { jobId: runId }), timeoutMs, 'enqueue timed out');
  }

  async requestSync(runId: string): Promise<void> {
    await this.outbox.add(
      'sync',
      { kind: 'sync', runId },
      { deduplication: { id: `sync-${runId}`, keepLastIfActive: true } },
    );
  }

  /** Wakes a parked run so it reads the decision now; a run that is not parked reads it at its next step. */
  async wake(runId: string): Promise<void> {
    const job = await this.runs.getJob(runId);
    await job?.promote().catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([this.runs.close(), this.outbox.close()]);
  }
}
