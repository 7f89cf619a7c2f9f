/**
 * One place that makes Redis connections. Workers block and must wait out outages (maxRetriesPerRequest: null);
 * the web process fails fast so a slash command is answered "try again" instead of hanging.
 */
import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'web';

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    // BullMQ's own suite runs RESP2; keep the wire protocol it is tested with (reference/bullmq.md §0).
    protocol: 2,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    lazyConnect: false,
    ...extra,
  });
}

/** Resolves when the connection is ready, rejects after `timeoutMs`. */
export async function waitReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      redis.once('end', () => reject(new Error('Redis connection closed')));
    }),
    timeoutMs,
    `Redis did not answer within ${timeoutMs} ms`,
  );
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class TimeoutError extends Error {
  readonly code = 'TIMEOUT';
  override name = 'TimeoutError';
}

/** BullMQ needs noeviction; say so loudly when it is not set (reference/bullmq.md §7). */
export async function evictionPolicyWarning(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      return `Redis maxmemory-policy is "${policy}": jobs, locks and approvals can be evicted. Set maxmemory-policy noeviction.`;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
