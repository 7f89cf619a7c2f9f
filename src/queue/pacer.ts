/**
 * Pacing per conversation (posts) and per message (edits), shared by every worker through Redis: a slot is taken
 * atomically, or the caller learns when the next one frees up. A 429 pushes the slot out by Retry-After.
 *
 * Posts reserve instead (`reserve`): a caller that finds the conversation busy is handed the next free slot and
 * holds it until it comes back, so the posts waiting for one channel queue up one interval apart. With `take`
 * alone they would all wake at the same moment, one would post and the rest go back to sleep — a herd that, over
 * 100 busy channels, kept the workers busy with losers while winners waited (bench/outbox.ts).
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

// KEYS[1] next free slot, KEYS[2] held slots; ARGV: interval, holder, how late a held slot may still be used
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '')
if held then
  if held > now then return held - now end
  redis.call('HDEL', KEYS[2], ARGV[2])
  if now - held <= tonumber(ARGV[3]) then
    -- Used late: the next caller still waits a full interval after this post, not after the slot's time.
    local after = tonumber(redis.call('GET', KEYS[1]) or '0')
    if now + interval > after then redis.call('SET', KEYS[1], now + interval, 'PX', interval + 60000) end
    return 0
  end
end
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextAt)
redis.call('SET', KEYS[1], slot + interval, 'PX', slot + interval - now + 60000)
if slot == now then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], slot)
redis.call('PEXPIRE', KEYS[2], slot - now + 60000)
return slot - now
`;

// A 429 also voids the slots handed out: their holders reserve again, after the pushed-out slot. The next free
// slot then no longer counts the voided ones (it is where the earliest of them began), or the channel would stay
// idle for as many intervals as there were holders before they queue again behind them.
const PUSH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
local held = redis.call('HVALS', KEYS[2])
for i, slot in ipairs(held) do
  if i == 1 or tonumber(slot) < nextAt then nextAt = tonumber(slot) end
end
local wanted = math.max(nextAt, now + tonumber(ARGV[1]))
if #held > 0 or wanted > nextAt then redis.call('SET', KEYS[1], wanted, 'PX', wanted - now + 60000) end
redis.call('DEL', KEYS[2])
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

  /**
   * Takes a slot now, or reserves the next free one for `holder` (a run) and throws PaceWait until then; the
   * holder's next call at or after that time gets it (up to two intervals late; later, it reserves again).
   */
  async reserve(kind: PaceKind, target: string, intervalMs: number, holder: string): Promise<void> {
    const keys = [this.keys.pace(kind, target), this.keys.paceHeld(kind, target)];
    const wait = Number(await this.redis.eval(RESERVE, 2, ...keys, intervalMs, holder, 2 * intervalMs));
    if (wait > 0) throw new PaceWait(wait);
  }

  /** After a 429: nobody posts to `target` for `ms`. */
  async push(kind: PaceKind, target: string, ms: number): Promise<void> {
    await this.redis.eval(PUSH, 2, this.keys.pace(kind, target), this.keys.paceHeld(kind, target), ms);
  }
}
