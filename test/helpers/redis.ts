import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test file's own: tests share one Redis and must only touch their keys. */
export function testPrefix(name: string): string {
  return `t-${name}-${randomBytes(3).toString('hex')}`;
}

export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function keysOf(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
    return out;
  } finally {
    redis.disconnect();
  }
}

/** Every value under the prefix as text (strings, hashes, lists, sets, sorted sets, streams), to search for leaks. */
export async function dumpPrefix(prefix: string): Promise<{ keys: number; text: string }> {
  const keys = await keysOf(prefix);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const parts: string[] = [];
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') parts.push(String(await redis.get(key)));
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, '0', '-1')));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
    return { keys: keys.length, text: parts.join('\n') };
  } finally {
    redis.disconnect();
  }
}
