/**
 * Report schedules: one BullMQ job scheduler per channel on the `report-triggers` queue. Its id is derived from
 * the conversation, and BullMQ adds or updates a scheduler and its next job in one Lua script keyed by that id, so
 * upserting from any number of processes leaves one scheduler and one delayed job (reference/bullmq.md §1).
 *
 * Each schedule is also recorded in a Redis hash — the source of truth. Every worker re-asserts the hash on boot
 * (re-upserting an existing scheduler does not fire it), and removes schedulers the hash no longer has. A firing
 * is a small trigger job: it creates the report Run with an id derived from the firing's job id and enqueues it
 * on the runs queue, so a re-delivered firing cannot start a second report.
 */
import { getNextMillis, Queue, type RepeatOptions, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Conversation, Person } from '../core/run.js';
import type { RedisClient } from '../store/redis.js';
import type { RedisKeys } from '../store/redis-keys.js';
import { conversationId } from '../store/report-state.js';
import type { RunStore } from '../store/runs.js';
import { logQueueErrors } from './queue-errors.js';
import type { Queues } from './queues.js';
import { reportRun, runIdFor, startReportRun } from './report-runs.js';

export const REPORT_TRIGGERS_QUEUE = 'report-triggers';

export interface ReportSchedule {
  id: string;
  conversation: Conversation;
  /** Cron (5 or 6 fields), evaluated in `tz`. */
  cron?: string;
  /** A fixed interval instead of a cron: for tests and the benchmark only, never from chat. */
  everyMs?: number;
  tz: string;
  onlyChanges: boolean;
  requestedBy: Person;
  createdAt: number;
}

export type ScheduleInput = Omit<ReportSchedule, 'id' | 'createdAt' | 'tz'> & { tz?: string };

interface TriggerJob {
  scheduleId: string;
}

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

export function scheduleIdFor(conversation: Conversation): string {
  return `report-${conversationId(conversation)}`;
}

export function describeSchedule(s: Pick<ReportSchedule, 'cron' | 'everyMs' | 'tz'>): string {
  return s.cron ? `${s.cron} ${s.tz}` : `every ${Math.round((s.everyMs ?? 0) / 1000)} s`;
}

/** Why a cron cannot be used, or undefined. Checks that it parses, fires at all, and not too often. */
export function cronProblem(
  cron: string,
  tz: string,
  minIntervalMs: number,
  now = Date.now(),
): string | undefined {
  const firings: number[] = [];
  try {
    let at = now;
    for (let i = 0; i < 4; i += 1) {
      const next = getNextMillis(at, { pattern: cron, tz });
      if (next === undefined) break;
      firings.push(next);
      at = next;
    }
  } catch (error) {
    return `"${cron}" is not a cron expression I can read (${(error as Error).message}).`;
  }
  if (firings.length === 0) return `"${cron}" never fires.`;
  for (let i = 1; i < firings.length; i += 1) {
    if (firings[i]! - firings[i - 1]! < minIntervalMs) {
      return `"${cron}" fires more often than every ${Math.round(minIntervalMs / 60_000)} minutes; a fleet report tests every connector, so choose a longer interval.`;
    }
  }
  return undefined;
}

export class ReportScheduler {
  readonly queue: Queue<TriggerJob>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    prefix: string,
    logger?: Logger,
  ) {
    this.queue = new Queue<TriggerJob>(REPORT_TRIGGERS_QUEUE, {
      connection: redis,
      prefix,
      defaultJobOptions: { removeOnComplete: { count: 200 }, removeOnFail: { age: 7 * 24 * 3600 } },
    });
    logQueueErrors(this.queue, logger);
  }

  /** Records the channel's schedule and upserts its scheduler; replaces an earlier one for the channel. */
  async upsert(input: ScheduleInput, now = Date.now()): Promise<ReportSchedule> {
    if (!input.cron && !input.everyMs) throw new ScheduleError('A schedule needs a cron expression.');
    const schedule: ReportSchedule = {
      ...input,
      id: scheduleIdFor(input.conversation),
      tz: input.tz ?? 'UTC',
      createdAt: now,
    };
    await this.redis.hset(this.keys.reportSchedules(), schedule.id, JSON.stringify(schedule));
    await this.assert(schedule);
    return schedule;
  }

  async remove(conversation: Conversation): Promise<boolean> {
    const id = scheduleIdFor(conversation);
    const removed = await this.redis.hdel(this.keys.reportSchedules(), id);
    const existed = await this.queue.removeJobScheduler(id);
    return removed > 0 || existed;
  }

  async byId(id: string): Promise<ReportSchedule | undefined> {
    const raw = await this.redis.hget(this.keys.reportSchedules(), id);
    return raw ? (JSON.parse(raw) as ReportSchedule) : undefined;
  }

  async list(): Promise<Array<ReportSchedule & { next?: number }>> {
    const raw = await this.redis.hgetall(this.keys.reportSchedules());
    const schedules = Object.values(raw).map((r) => JSON.parse(r) as ReportSchedule);
    return Promise.all(
      schedules.map(async (s) => {
        const next = (await this.queue.getJobScheduler(s.id))?.next;
        return next ? { ...s, next: Number(next) } : s;
      }),
    );
  }

  /** On boot: every recorded schedule has its scheduler, and no scheduler outlives its record. */
  async reassertAll(): Promise<number> {
    const recorded = await this.redis.hgetall(this.keys.reportSchedules());
    for (const raw of Object.values(recorded)) await this.assert(JSON.parse(raw) as ReportSchedule);
    const still = new Set(Object.keys(await this.redis.hgetall(this.keys.reportSchedules())));
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      if (!still.has(scheduler.key)) await this.queue.removeJobScheduler(scheduler.key);
    }
    return still.size;
  }

  private async assert(schedule: ReportSchedule): Promise<void> {
    const repeat: RepeatOptions = schedule.cron
      ? { pattern: schedule.cron, tz: schedule.tz }
      : { every: schedule.everyMs! };
    await this.queue.upsertJobScheduler(schedule.id, repeat, {
      name: 'report',
      data: { scheduleId: schedule.id },
      opts: { attempts: 3, backoff: { type: 'exponential', delay: 2000 } },
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export interface TriggerDeps {
  scheduler: ReportScheduler;
  runs: RunStore;
  queues: Queues;
  logger: Logger;
}

/** A firing: the report Run for that channel, with an id derived from the firing's job id. */
export function reportTriggerProcessor(deps: TriggerDeps) {
  return async (job: { id?: string; data: TriggerJob }): Promise<void> => {
    const schedule = await deps.scheduler.byId(job.data.scheduleId);
    if (!schedule) {
      deps.logger.info({ scheduleId: job.data.scheduleId }, 'schedule was removed; dropping its scheduler');
      await deps.scheduler.queue.removeJobScheduler(job.data.scheduleId);
      return;
    }
    const run = reportRun({
      id: runIdFor(job.id ?? `${schedule.id}:${Date.now()}`),
      requestedBy: schedule.requestedBy,
      conversation: schedule.conversation,
      params: {
        trigger: 'schedule',
        onlyChanges: schedule.onlyChanges,
        tz: schedule.tz,
        schedule: describeSchedule(schedule),
        scheduleId: schedule.id,
      },
      now: Date.now(),
    });
    await startReportRun(deps, run);
  };
}

/** The worker side: re-assert schedules, then process firings. */
export async function startReportTriggers(
  deps: Omit<TriggerDeps, 'scheduler'> & { redis: RedisClient; keys: RedisKeys; prefix: string },
): Promise<{ scheduler: ReportScheduler; close(): Promise<void> }> {
  const scheduler = new ReportScheduler(deps.redis, deps.keys, deps.prefix, deps.logger);
  const count = await scheduler.reassertAll();
  if (count > 0) deps.logger.info({ schedules: count }, 'report schedules re-asserted');
  const worker = new Worker<TriggerJob>(
    REPORT_TRIGGERS_QUEUE,
    reportTriggerProcessor({ ...deps, scheduler }),
    {
      connection: deps.redis,
      prefix: deps.prefix,
      concurrency: 4,
    },
  );
  worker.on('error', (error) =>
    deps.logger.warn({ err: { message: error.message } }, 'trigger worker error'),
  );
  return {
    scheduler,
    async close() {
      await worker.close();
      await scheduler.close();
    },
  };
}
