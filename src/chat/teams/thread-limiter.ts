/**
 * Teams' limits per bot per thread (sends, creates and edits alike; reference/teams.md §6), enforced before each
 * connector call: a sliding log per thread, several windows at once. Memory for one process (sandbox, tests);
 * Redis for several workers sharing the same budget. Windows are longer than Microsoft's (withMargin), because
 * requests sent exactly a window apart can arrive closer together.
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../store/redis.js';

export interface RateWindow {
  max: number;
  ms: number;
}

/** Send to conversation, per bot per thread: 7/1 s, 8/2 s, 60/30 s, 1800/1 h. */
export const TEAMS_THREAD_LIMITS: RateWindow[] = [
  { max: 7, ms: 1000 },
  { max: 8, ms: 2000 },
  { max: 60, ms: 30_000 },
  { max: 1800, ms: 3_600_000 },
];

/** The global limit per app per tenant: 50 requests per second (reference/teams.md §6; older docs said 30). */
export const TEAMS_TENANT_LIMITS: RateWindow[] = [{ max: 50, ms: 1000 }];

/**
 * Windows a little longer than Teams': a slot is taken when a request leaves, and requests that left a window
 * apart can arrive closer together when one of them was slow on the way (a loaded worker, the network).
 */
export function withMargin(windows: RateWindow[], factor = 1.1, padMs = 250): RateWindow[] {
  return windows.map((w) => ({ max: w.max, ms: Math.ceil(w.ms * factor) + padMs }));
}

export interface ThreadLimiter {
  /** Takes a slot for `thread` now and returns 0, or returns the ms until one frees up (nothing taken). */
  take(thread: string): Promise<number>;
  /** After a 429: nobody writes to `thread` for `ms`. */
  block(thread: string, ms: number): Promise<void>;
}

export class MemoryThreadLimiter implements ThreadLimiter {
  private readonly log = new Map<string, number[]>();
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly windows: RateWindow[] = withMargin(TEAMS_THREAD_LIMITS),
    private readonly now = () => Date.now(),
  ) {}

  async take(thread: string): Promise<number> {
    const now = this.now();
    const blockedUntil = this.blocked.get(thread) ?? 0;
    if (blockedUntil > now) return blockedUntil - now;
    const longest = Math.max(...this.windows.map((w) => w.ms));
    const times = (this.log.get(thread) ?? []).filter((t) => now - t < longest);
    let wait = 0;
    for (const window of this.windows) {
      const inside = times.filter((t) => now - t < window.ms);
      if (inside.length >= window.max) {
        wait = Math.max(wait, inside[inside.length - window.max]! + window.ms - now);
      }
    }
    if (wait === 0) times.push(now);
    this.log.set(thread, times);
    return wait;
  }

  async block(thread: string, ms: number): Promise<void> {
    const until = this.now() + ms;
    if (until > (this.blocked.get(thread) ?? 0)) this.blocked.set(thread, until);
  }
}

const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return blocked - now end
local longest = 0
local wait = 0
for i = 1, #ARGV - 1, 2 do
  local max = tonumber(ARGV[i])
  local ms = tonumber(ARGV[i + 1])
  if ms > longest then longest = ms end
  local n = redis.call('ZCOUNT', KEYS[1], now - ms + 1, '+inf')
  if n >= max then
    local edge = redis.call('ZRANGEBYSCORE', KEYS[1], now - ms + 1, '+inf', 'WITHSCORES', 'LIMIT', n - max, 1)
    local free = tonumber(edge[2]) + ms - now
    if free > wait then wait = free end
  end
end
if wait > 0 then return wait end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
redis.call('ZADD', KEYS[1], now, ARGV[#ARGV])
redis.call('PEXPIRE', KEYS[1], longest)
return 0
`;

const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
if untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1]))
end
return 0
`;

/** The same windows shared by every process, on Redis time. */
export class RedisThreadLimiter implements ThreadLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly windows: RateWindow[] = withMargin(TEAMS_THREAD_LIMITS),
  ) {}

  async take(thread: string): Promise<number> {
    const args = this.windows.flatMap((w) => [w.max, w.ms]);
    const member = `${Date.now()}-${randomBytes(4).toString('hex')}`;
    return Number(
      await this.redis.eval(TAKE, 2, this.logKey(thread), this.blockKey(thread), ...args, member),
    );
  }

  async block(thread: string, ms: number): Promise<void> {
    await this.redis.eval(BLOCK, 1, this.blockKey(thread), Math.max(1, Math.ceil(ms)));
  }

  private logKey(thread: string): string {
    return `${this.prefix}:teams:pace:${thread}`;
  }

  private blockKey(thread: string): string {
    return `${this.prefix}:teams:pace-block:${thread}`;
  }
}
