/**
 * Result history per connector: a sorted set scored by time, one member per report run, trimmed to the retention
 * (default 90 days) on every write and expiring as a whole when a connector stops being tested. The last failure
 * is kept apart, so "last failed 40 d ago" costs one read instead of a scan.
 */

import type { ConnectorResult, HistorySample } from '../core/report.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

export const DEFAULT_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;
/** Connectors read per round trip: bounds the memory a 500-connector report holds at once. */
const BATCH = 50;
/** How far back a run's own earlier sample is looked for: longer than any report run lasts. */
const RUN_SPAN_MS = DAY_MS;

// KEYS[1] history, KEYS[2] last failure; ARGV: at, member, run prefix, look back from, retention ms, last failure
// (JSON, or '' when the sample passed). The run's own earlier sample (a re-delivered run testing again) goes first.
const APPEND = `
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[4], '+inf')) do
  if string.sub(m, 1, #ARGV[3]) == ARGV[3] then redis.call('ZREM', KEYS[1], m) end
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (tonumber(ARGV[1]) - tonumber(ARGV[5])))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if ARGV[6] ~= '' then redis.call('SET', KEYS[2], ARGV[6], 'PX', ARGV[5]) end
return 1
`;

interface Member {
  /** The run that produced it (first, so it prefixes the member): a re-delivered run replaces its own sample. */
  r: string;
  s: HistorySample['status'];
  c?: string;
  ms?: number;
}

export class HistoryStore {
  private readonly retentionMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    retentionDays = DEFAULT_RETENTION_DAYS,
  ) {
    this.retentionMs = retentionDays * DAY_MS;
  }

  async append(runId: string, result: ConnectorResult): Promise<void> {
    const key = this.keys.history(result.name);
    const member: Member = {
      r: runId,
      s: result.status,
      ...(result.code ? { c: result.code } : {}),
      ...(result.latencyMs !== undefined ? { ms: result.latencyMs } : {}),
    };
    // The member starts with the run id (first property), so the run's own earlier sample is found by prefix.
    const runPrefix = `{"r":${JSON.stringify(runId)},`;
    const lastFailure =
      result.status === 'fail'
        ? JSON.stringify({ at: result.at, ...(result.code ? { code: result.code } : {}) })
        : '';
    await this.redis.eval(
      APPEND,
      2,
      key,
      this.keys.lastFailure(result.name),
      result.at,
      JSON.stringify(member),
      runPrefix,
      result.at - RUN_SPAN_MS,
      this.retentionMs,
      lastFailure,
    );
  }

  /** Samples since `from` (oldest first) for each name, read in batches. */
  async since(names: string[], from: number): Promise<Map<string, HistorySample[]>> {
    const out = new Map<string, HistorySample[]>();
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const pipeline = this.redis.pipeline();
      for (const name of batch) pipeline.zrangebyscore(this.keys.history(name), from, '+inf', 'WITHSCORES');
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach((name, j) => {
        const flat = (replies[j]?.[1] as string[] | undefined) ?? [];
        out.set(name, parseSamples(flat));
      });
    }
    return out;
  }

  /** The newest sample per name, if any. */
  async latest(names: string[]): Promise<Map<string, HistorySample>> {
    const out = new Map<string, HistorySample>();
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const pipeline = this.redis.pipeline();
      for (const name of batch) pipeline.zrange(this.keys.history(name), '-1', '-1', 'WITHSCORES');
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach((name, j) => {
        const [sample] = parseSamples((replies[j]?.[1] as string[] | undefined) ?? []);
        if (sample) out.set(name, sample);
      });
    }
    return out;
  }

  async lastFailures(names: string[]): Promise<Map<string, { at: number; code?: string }>> {
    const out = new Map<string, { at: number; code?: string }>();
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const raw = await this.redis.mget(batch.map((n) => this.keys.lastFailure(n)));
      raw.forEach((r, j) => {
        if (r) out.set(batch[j]!, JSON.parse(r) as { at: number; code?: string });
      });
    }
    return out;
  }
}

function parseSamples(flat: string[]): HistorySample[] {
  const samples: HistorySample[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    try {
      const m = JSON.parse(flat[i]!) as Member;
      samples.push({
        at: Number(flat[i + 1]),
        status: m.s,
        ...(m.c ? { code: m.c } : {}),
        ...(m.ms !== undefined ? { ms: m.ms } : {}),
      });
    } catch {
      // A member this version cannot read is skipped rather than failing the report.
    }
  }
  return samples;
}
