/**
 * Pacing per conversation (posts) and per message (edits), shared by every worker through Redis: a slot is taken
 * atomically, or the caller learns when the next one frees up. A 429 pushes the slot out by Retry-After.
 */
import type { RedisClient } from '../store/redis.js';
import type { RedisKeys } from '../store/redis-keys.js';

const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nextAt > now then return nextAt - now end
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 60000)
return 0
`;

const PUSH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = now + tonumber(ARGV[1])
if wanted > nextAt then redis.call('SET', KEYS[1], wanted, 'PX', tonumber(ARGV[1]) + 60000) end
return 0
`;

/** Posts per conversation, edits per message, lookups per platform method (Slack's history: Tier 1). */
export type PaceKind = 'post' | 'update' | 'lookup';

/** Thrown when no slot is free; the outbox parks the job until `waitMs` has passed. */
export class PaceWait extends Error {
  constructor(readonly waitMs: number) {
    super(`paced: wait ${waitMs} ms`);
    this.name = 'PaceWait';
  }
}

export class Pacer {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** Takes a slot or throws PaceWait. */
  async take(kind: PaceKind, target: string, intervalMs: number): Promise<void> {
    const wait = Number(await this.redis.eval(TAKE, 1, this.keys.pace(kind, target), intervalMs));
    if (wait > 0) throw new PaceWait(wait);
  }

  /** After a 429: nobody posts to `target` for `ms`. */
  async push(kind: PaceKind, target: string, ms: number): Promise<void> {
    await this.redis.eval(PUSH, 1, this.keys.pace(kind, target), ms);
  }
}
