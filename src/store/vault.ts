/**
 * Encrypted secrets in Redis (DESIGN.md §7): AES-256-GCM under ALIGN_BOT_MASTER_KEY, each record tagged with the
 * key id so the master key can be rotated (new writes use the first key; reads find theirs by id). The record id
 * is bound in as additional authenticated data, so a ciphertext cannot be moved to another record.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Diagnosed } from '../core/diagnosis-bot.js';
import { Secret } from '../core/secret.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

export interface MasterKey {
  id: string;
  key: Buffer;
}

export class VaultError extends Error {
  readonly code = 'VAULT';
}

/** A record this process cannot decrypt: a diagnosis for the run (MASTER_KEY_MISSING), not a crash. */
export class SecretUnreadable extends VaultError implements Diagnosed {
  readonly diagnosis = 'MASTER_KEY_MISSING';
  constructor(
    readonly detail: string,
    /** The key id the record names. */
    readonly keyId: string,
  ) {
    super(detail);
    this.name = 'SecretUnreadable';
  }
}

/** "kid:base64[,kid:base64…]" or a bare base64 key (id "k1"). Each key must be 32 bytes. */
export function parseMasterKeys(value: string): MasterKey[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, index) => {
      const [id, b64] = part.includes(':')
        ? (part.split(':', 2) as [string, string])
        : [`k${index + 1}`, part];
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32)
        throw new VaultError(`master key "${id}" must be 32 bytes of base64 (got ${key.length})`);
      if (!/^[A-Za-z0-9_-]{1,16}$/.test(id))
        throw new VaultError(`master key id "${id}" must be letters, digits, - or _`);
      return { id, key };
    });
}

export class Vault {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly masterKeys: MasterKey[],
  ) {
    if (masterKeys.length === 0) throw new VaultError('no master key');
  }

  private recordKey(id: string): string {
    return `${this.keys.prefix}:secret:${id}`;
  }

  /** Encrypts and stores; returns the record id. `label` is a plain description, never the value. */
  async put(secret: Secret, label: string, ttlSeconds?: number): Promise<string> {
    const id = `s-${randomBytes(12).toString('base64url')}`;
    const multi = this.redis
      .multi()
      .hset(this.recordKey(id), { ...this.encrypt(id, secret), label, createdAt: String(Date.now()) });
    if (ttlSeconds) multi.expire(this.recordKey(id), ttlSeconds);
    await multi.exec();
    return id;
  }

  private encrypt(id: string, secret: Secret): Record<string, string> {
    const { id: kid, key } = this.masterKeys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id));
    const ct = Buffer.concat([cipher.update(secret.reveal(), 'utf8'), cipher.final()]);
    return {
      kid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  async get(id: string): Promise<Secret | undefined> {
    const record = await this.redis.hgetall(this.recordKey(id));
    if (!record.ct) return undefined;
    const kid = record.kid ?? '?';
    const master = this.masterKeys.find((k) => k.id === kid);
    if (!master)
      throw new SecretUnreadable(
        `Stored secret ${id} was encrypted under master key id "${kid}", which ALIGN_BOT_MASTER_KEY on this worker does not hold (it holds ${this.heldIds()}).`,
        kid,
      );
    const decipher = createDecipheriv('aes-256-gcm', master.key, Buffer.from(record.iv!, 'base64'));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(Buffer.from(record.tag!, 'base64'));
    try {
      const plain = Buffer.concat([decipher.update(Buffer.from(record.ct, 'base64')), decipher.final()]);
      return new Secret(plain.toString('utf8'));
    } catch {
      throw new SecretUnreadable(
        `Stored secret ${id} failed authentication under master key id "${kid}": the key configured under that id is not the one it was encrypted with, or the record was altered.`,
        kid,
      );
    }
  }

  private heldIds(): string {
    return this.masterKeys.map((k) => `"${k.id}"`).join(', ');
  }

  async persist(id: string): Promise<void> {
    await this.redis.persist(this.recordKey(id));
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.recordKey(id));
  }

  /** Re-encrypts a record in place under the current key (after putting a new master key first in the list). */
  async rewrap(id: string): Promise<boolean> {
    const secret = await this.get(id);
    if (!secret) return false;
    await this.redis.hset(this.recordKey(id), this.encrypt(id, secret));
    return true;
  }
}
