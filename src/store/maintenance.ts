/**
 * Maintenance windows in Redis. A window is its `maintenance` Run (store/runs.ts); this store keeps what finds
 * them and what moves them:
 *
 * - `maintenance:windows`: a sorted set of window run ids scored by planned end. Bounded: every add first drops
 *   windows that ended more than WINDOW_RETENTION_MS ago, and refuses a new one past MAX_WINDOWS.
 * - `maintenance:signal:<run id>`: `align-bot maintenance start|end` (first write of each wins), 30-day TTL.
 * - `maintenance:lock:<connector>`: held for a moment while a window is checked for overlaps and added.
 */
import { randomBytes } from 'node:crypto';
import {
  type MaintenanceNote,
  type MaintenanceSignal,
  notesAt,
  type WindowRecord,
} from '../core/maintenance.js';
import type { Run } from '../core/run.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';
import type { RunStore } from './runs.js';

/** How long an ended window is still found: its "still deactivated" mark reaches this far. */
export const WINDOW_RETENTION_MS = 30 * 86_400_000;
export const MAX_WINDOWS = 1000;
const SIGNAL_TTL_S = 30 * 24 * 3600;
const LOCK_MS = 5000;
/** Recent runs of a connector searched for a passing test that clears a "still deactivated" mark. */
const RECENT_RUNS = 20;

// KEYS[1] index; ARGV: id, until, prune below, max
const ADD = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`;

// KEYS[1] lock; ARGV: token
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export class MaintenanceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly runs: RunStore,
  ) {}

  /** Indexes a window's run; false when MAX_WINDOWS windows are kept already. */
  async add(runId: string, until: number, now: number): Promise<boolean> {
    const added = await this.redis.eval(
      ADD,
      1,
      this.keys.maintenanceWindows(),
      runId,
      until,
      now - WINDOW_RETENTION_MS,
      MAX_WINDOWS,
    );
    return added === 1;
  }

  async remove(runId: string): Promise<void> {
    await this.redis.zrem(this.keys.maintenanceWindows(), runId);
  }

  /** Windows planned to end after `since`, with their runs and signals (runs that expired are left out). */
  async windows(since: number): Promise<WindowRecord[]> {
    const ids = await this.redis.zrangebyscore(
      this.keys.maintenanceWindows(),
      since,
      '+inf',
      'LIMIT',
      0,
      MAX_WINDOWS,
    );
    if (ids.length === 0) return [];
    const raw = await this.redis.mget(ids.map((id) => this.keys.run(id)));
    const signals = await this.signalsOf(ids);
    const out: WindowRecord[] = [];
    raw.forEach((json, i) => {
      if (!json) return;
      const signal = signals[i];
      out.push({ run: JSON.parse(json) as Run, ...(signal ? { signal } : {}) });
    });
    return out;
  }

  private async signalsOf(ids: string[]): Promise<Array<MaintenanceSignal | undefined>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.maintenanceSignal(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, value]) => toSignal(value as Record<string, string> | null));
  }

  /** Records the CLI's start or end of a window (the first of each stands); returns the one that stands. */
  async signal(
    runId: string,
    kind: 'start' | 'end',
    at: number,
    by: string,
  ): Promise<{ at: number; by: string }> {
    const key = this.keys.maintenanceSignal(runId);
    const results = await this.redis
      .multi()
      .hsetnx(key, kind, JSON.stringify({ at, by }))
      .expire(key, SIGNAL_TTL_S)
      .hget(key, kind)
      .exec();
    const value = results?.[2]?.[1];
    return typeof value === 'string' ? (JSON.parse(value) as { at: number; by: string }) : { at, by };
  }

  async signalOf(runId: string): Promise<MaintenanceSignal | undefined> {
    return toSignal(await this.redis.hgetall(this.keys.maintenanceSignal(runId)));
  }

  /** A short lock per connector while a new window is checked and added; undefined when someone else holds it. */
  async lock(connector: string): Promise<string | undefined> {
    const token = randomBytes(8).toString('hex');
    const ok = await this.redis.set(this.keys.maintenanceLock(connector), token, 'PX', LOCK_MS, 'NX');
    return ok === 'OK' ? token : undefined;
  }

  async unlock(connector: string, token: string): Promise<void> {
    await this.redis.eval(UNLOCK, 1, this.keys.maintenanceLock(connector), token);
  }

  /**
   * Per connector, what tests, reports and `status` say about its maintenance at `now` (core/maintenance.ts
   * notesAt). A "still deactivated" mark is cleared by a passing test of the connector after the window ended.
   */
  async notes(now: number): Promise<Map<string, MaintenanceNote>> {
    const records = await this.windows(now - WINDOW_RETENTION_MS);
    const marked = notesAt(records, now);
    const passedAfter = new Map<string, number[]>();
    for (const [connector, note] of marked) {
      if (note.kind === 'still-deactivated') passedAfter.set(connector, await this.passingTests(connector));
    }
    return notesAt(records, now, (connector, since) =>
      (passedAfter.get(connector) ?? []).some((at) => at > since),
    );
  }

  /** When recent `test` runs of the connector passed. */
  private async passingTests(connector: string): Promise<number[]> {
    const ids = await this.runs.recentIds(connector, RECENT_RUNS);
    if (ids.length === 0) return [];
    const raw = await this.redis.mget(ids.map((id) => this.keys.run(id)));
    return raw
      .filter((json): json is string => json !== null)
      .map((json) => JSON.parse(json) as Run)
      .filter((run) => run.kind === 'test' && run.state === 'succeeded')
      .map((run) => run.endedAt ?? run.updatedAt);
  }
}

function toSignal(raw: Record<string, string> | null): MaintenanceSignal | undefined {
  if (!raw || (!raw.start && !raw.end)) return undefined;
  return {
    ...(raw.start ? { start: JSON.parse(raw.start) as { at: number; by: string } } : {}),
    ...(raw.end ? { end: JSON.parse(raw.end) as { at: number; by: string } } : {}),
  };
}
