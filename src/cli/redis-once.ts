/**
 * The CLI's one-shot Redis connection for its looks at the bot's state (`report`, `maintenance start|end`): no
 * retries, a short timeout, undefined when no Redis answers. A REDIS_URL naming a database the server lacks is a
 * configuration error (exit 2), as at `start` — ioredis would only report the failed SELECT and read database 0.
 */
import { ConfigError } from '../config.js';
import {
  createRedis,
  missingDatabase,
  missingDatabaseProblem,
  type RedisClient,
  waitReady,
} from '../store/redis.js';

export async function connectOnce(url: string): Promise<RedisClient | undefined> {
  const redis = createRedis(url, 'web', { connectTimeoutMs: 1000, noRetry: true });
  redis.on('error', () => undefined);
  try {
    await waitReady(redis, 1500);
  } catch {
    redis.disconnect();
    return undefined;
  }
  const missing = await missingDatabase(redis, url);
  if (missing !== undefined) {
    redis.disconnect();
    throw new ConfigError([missingDatabaseProblem(missing)]);
  }
  return redis;
}
