/** The vault: AES-256-GCM under a master key with an id; a new key is added first, old records still read, rewrap moves them. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/core/secret.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { parseMasterKeys, Vault, VaultError } from '../../../src/store/vault.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';

const prefix = testPrefix('vault');
const redis = new Redis(REDIS_URL);
const keys = new RedisKeys(prefix);
const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

afterAll(async () => {
  redis.disconnect();
  await deleteKeys(prefix);
});

describe('vault', () => {
  it('reads old records after a new master key is added, and rewrap moves them to it', async () => {
    const old = new Vault(redis, keys, parseMasterKeys(k1));
    const id = await old.put(new Secret('rotating-secret-value'), 'test');
    expect(await redis.hget(`${prefix}:secret:${id}`, 'ct')).not.toContain('rotating');

    const both = new Vault(redis, keys, parseMasterKeys(`${k2},${k1}`));
    expect((await both.get(id))!.reveal()).toBe('rotating-secret-value');
    expect(await redis.hget(`${prefix}:secret:${id}`, 'kid')).toBe('k1');
    expect(await both.rewrap(id)).toBe(true);
    expect(await redis.hget(`${prefix}:secret:${id}`, 'kid')).toBe('k2');

    const onlyNew = new Vault(redis, keys, parseMasterKeys(k2));
    expect((await onlyNew.get(id))!.reveal()).toBe('rotating-secret-value');
    await expect(old.get(id)).rejects.toThrow(VaultError);
  });

  it('refuses a record moved to another id (the id is authenticated data)', async () => {
    const vault = new Vault(redis, keys, parseMasterKeys(k1));
    const a = await vault.put(new Secret('value-a'), 'a');
    const b = await vault.put(new Secret('value-b'), 'b');
    await redis.hset(`${prefix}:secret:${b}`, await redis.hgetall(`${prefix}:secret:${a}`));
    await expect(vault.get(b)).rejects.toThrow(/failed authentication/);
  });

  it('rejects master keys that are not 32 bytes', () => {
    expect(() => parseMasterKeys(`k1:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
  });
});
