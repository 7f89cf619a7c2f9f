/**
 * `start` without REDIS_URL and without a Redis on the default address launches a private redis-server (AOF on,
 * data in a folder of ours) and stops it on exit; without redis-server on PATH it says how to get Redis.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { answersPing, RedisUnavailable, startPrivateRedis } from '../../../src/cli/private-redis.js';
import { evictionPolicyWarning } from '../../../src/store/redis.js';

describe('private redis-server', () => {
  it('starts with AOF and noeviction in our folder, answers, and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'align-bot-redis-'));
    const handle = await startPrivateRedis(dir);
    const port = Number(new URL(handle.url).port);
    try {
      const redis = new Redis(handle.url);
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await redis.config('GET', 'dir')).toEqual(['dir', dir]);
      redis.disconnect();
      expect(existsSync(join(dir, 'appendonlydir'))).toBe(true);
      // BullMQ needs noeviction: anything else gets a loud warning at start.
      const check = new Redis(handle.url);
      expect(await evictionPolicyWarning(check)).toBeUndefined();
      await check.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await evictionPolicyWarning(check)).toMatch(/allkeys-lru.*noeviction/);
      check.disconnect();
    } finally {
      await handle.stop();
    }
    expect(await answersPing('127.0.0.1', port)).toBe(false);
  });

  it('without redis-server on PATH: a clear message on how to get Redis', async () => {
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'empty-path-'));
    try {
      await expect(startPrivateRedis(mkdtempSync(join(tmpdir(), 'align-bot-redis-')))).rejects.toThrow(
        RedisUnavailable,
      );
      await expect(startPrivateRedis(mkdtempSync(join(tmpdir(), 'align-bot-redis-')))).rejects.toThrow(
        /apt-get install redis-server|REDIS_URL/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
