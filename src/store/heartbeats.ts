/**
 * Worker heartbeats, for /readyz: every worker process writes one every HEARTBEAT_INTERVAL_MS; a worker is alive
 * while its last one is younger than HEARTBEAT_TTL_MS. One sorted set holds them (member: the worker's id, score:
 * when its heartbeat runs out, by Redis's clock, so the hosts' clocks do not matter); each write drops the run-out
 * members and keeps the key's own TTL at HEARTBEAT_TTL_MS, so the key holds at most the live workers and vanishes
 * when the last one stops.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_TTL_MS = 20_000;

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const BEAT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

const LIVE = `${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`;

export class Heartbeats {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly ttlMs = HEARTBEAT_TTL_MS,
  ) {}

  async beat(workerId: string): Promise<void> {
    await this.redis.eval(BEAT, 1, this.keys.workerHeartbeats(), workerId, this.ttlMs);
  }

  async remove(workerId: string): Promise<void> {
    await this.redis.zrem(this.keys.workerHeartbeats(), workerId);
  }

  /** How many workers sent a heartbeat that has not run out yet. */
  async live(): Promise<number> {
    return Number(await this.redis.eval(LIVE, 1, this.keys.workerHeartbeats()));
  }
}

/** A worker process's heartbeat: one now, then every interval; `stop` removes it at once. */
export function startHeartbeat(
  heartbeats: Heartbeats,
  logger: Logger,
  intervalMs = HEARTBEAT_INTERVAL_MS,
): { id: string; stop(): Promise<void> } {
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let inFlight = false;
  let failing = false;
  const beat = () => {
    // A worker's connection queues commands while Redis is away: one heartbeat waiting is enough.
    if (inFlight) return;
    inFlight = true;
    heartbeats
      .beat(id)
      .then(
        () => {
          if (failing) logger.info('worker heartbeat written again');
          failing = false;
        },
        (error: Error) => {
          if (!failing) logger.warn({ err: { message: error.message } }, 'worker heartbeat failed');
          failing = true;
        },
      )
      .finally(() => {
        inFlight = false;
      });
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return {
    id,
    async stop() {
      clearInterval(timer);
      await heartbeats.remove(id).catch(() => undefined);
    },
  };
}
