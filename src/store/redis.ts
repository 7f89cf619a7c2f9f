/**
 * One place that makes Redis connections, from REDIS_URL in any of its forms (store/redis-url.ts): one server, a
 * Redis Cluster (ioredis `Cluster`) or a Sentinel group. Workers block and must wait out outages
 * (maxRetriesPerRequest: null); the web process fails fast so a slash command is answered "try again" instead of
 * hanging. On a cluster every key we and BullMQ use shares one hash tag (`{prefix}`, config.ts), so multi-key
 * scripts and transactions stay in one slot.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';

export type RedisRole = 'worker' | 'web';

/** A connection to whichever Redis REDIS_URL names; both kinds take the same commands. */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** Give up after the first failed attempt instead of reconnecting (the CLI's read-only look). */
  noRetry?: boolean;
}

export function createRedis(url: string, role: RedisRole, options: ConnectOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  const common: RedisOptions = {
    // BullMQ's own suite runs RESP2; keep the wire protocol it is tested with (reference/bullmq.md §0).
    protocol: 2,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    lazyConnect: false,
    ...(options.noRetry ? { retryStrategy: () => null } : {}),
  };
  if (target.kind === 'single') return new Redis(target.url, common);
  if (target.kind === 'sentinel') return sentinelClient(target, common);
  return clusterClient(target, common, options);
}

function authOf(target: Exclude<RedisTarget, { kind: 'single' }>): RedisOptions {
  return {
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
}

function sentinelClient(target: Extract<RedisTarget, { kind: 'sentinel' }>, common: RedisOptions): Redis {
  return new Redis({
    ...common,
    ...authOf(target),
    sentinels: target.sentinels,
    name: target.name,
    ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
  });
}

function clusterClient(
  target: Extract<RedisTarget, { kind: 'cluster' }>,
  common: RedisOptions,
  options: ConnectOptions,
): Cluster {
  // Node connections keep ioredis's own settings (lazy, with an offline queue, no reconnects of their own): with
  // ours the cluster's ready check, sent through a node not yet connected, failed now and then. Failing fast and
  // giving up are the cluster's settings.
  const { enableOfflineQueue, retryStrategy: _, lazyConnect: __, ...node } = common;
  return new Cluster(target.nodes, {
    redisOptions: { ...node, ...authOf(target) },
    enableOfflineQueue: enableOfflineQueue ?? true,
    ...(options.noRetry ? { clusterRetryStrategy: () => null } : {}),
    // With TLS, connect by the name the node announces so its certificate matches (ioredis README, ElastiCache).
    ...(target.tls
      ? { dnsLookup: (address: string, done: (e: null, a: string) => void) => done(null, address) }
      : {}),
  });
}

/** Resolves when the connection is ready, rejects after `timeoutMs`. */
export async function waitReady(redis: RedisClient, timeoutMs = 5_000): Promise<void> {
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

/** BullMQ needs noeviction; say so loudly when it is not set (reference/bullmq.md §7), on every cluster master. */
export async function evictionPolicyWarning(redis: RedisClient): Promise<string | undefined> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    const policy = await node
      .config('GET', 'maxmemory-policy')
      .then((reply) => (reply as string[])[1])
      .catch(() => undefined);
    if (policy && policy !== 'noeviction') {
      return `Redis maxmemory-policy is "${policy}": jobs, locks and approvals can be evicted. Set maxmemory-policy noeviction.`;
    }
  }
  return undefined;
}

/** What to tell the operator when missingDatabase found one. */
export function missingDatabaseProblem(db: number): string {
  return `REDIS_URL: this Redis has no database ${db} (its databases setting) — name one it has, e.g. /0`;
}

/**
 * The database REDIS_URL names, when the server has none by that number: ioredis only emits the SELECT's error on
 * connect and carries on in database 0, on data not ours. Selecting it again answers plainly.
 */
export async function missingDatabase(redis: RedisClient, url: string): Promise<number | undefined> {
  const target = parseRedisUrl(url);
  if (target.kind !== 'single' || redis instanceof Cluster) return undefined;
  const db = Number(new URL(target.url).pathname.slice(1) || 0);
  if (db === 0) return undefined;
  return redis.select(db).then(
    () => undefined,
    (error: Error) => (/out of range|invalid DB index/i.test(error.message) ? db : undefined),
  );
}
