/**
 * What the outbox delivered for a run: the root message and each reply, with a hash of the content last sent,
 * so a retried or repeated sync posts nothing twice and edits only what changed.
 */
import type { Redis } from 'ioredis';
import type { MessageRef } from '../core/run.js';
import type { RedisKeys } from './redis-keys.js';

const TTL_S = 30 * 24 * 3600;

export interface Delivered {
  ref: MessageRef;
  hash: string;
}

export interface DeliveryState {
  root?: Delivered;
  replies: Map<string, Delivered>;
  /** Until when a chat ingress may still record the root it posted as a command's answer (epoch ms). */
  rootReservedUntil?: number;
}

const RESERVED = 'root-reserved';

export class DeliveryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(runId: string): Promise<DeliveryState> {
    const raw = await this.redis.hgetall(this.keys.delivery(runId));
    const replies = new Map<string, Delivered>();
    for (const [field, value] of Object.entries(raw)) {
      if (field.startsWith('reply:')) replies.set(field.slice(6), JSON.parse(value) as Delivered);
    }
    const reserved = Number(raw[RESERVED]);
    return {
      ...(raw.root ? { root: JSON.parse(raw.root) as Delivered } : {}),
      replies,
      ...(reserved > 0 ? { rootReservedUntil: reserved } : {}),
    };
  }

  async setRoot(runId: string, delivered: Delivered): Promise<void> {
    const key = this.keys.delivery(runId);
    await this.redis
      .multi()
      .hset(key, 'root', JSON.stringify(delivered))
      .hdel(key, RESERVED)
      .expire(key, TTL_S)
      .exec();
  }

  /** A chat ingress is posting the run's root as a command's answer: the outbox waits up to `ms` for it. */
  async reserveRoot(runId: string, ms: number): Promise<void> {
    const key = this.keys.delivery(runId);
    // On the ack path: two plain commands sent back to back (a MULTI is costly to build), the first at once.
    await Promise.all([
      this.redis.hset(key, RESERVED, String(Date.now() + ms)),
      this.redis.expire(key, TTL_S),
    ]);
  }

  /** The answer was not delivered: the outbox posts the root itself. */
  async releaseRoot(runId: string): Promise<void> {
    await this.redis.hdel(this.keys.delivery(runId), RESERVED);
  }

  async setReply(runId: string, key: string, delivered: Delivered): Promise<void> {
    await this.set(runId, `reply:${key}`, delivered);
  }

  private async set(runId: string, field: string, delivered: Delivered): Promise<void> {
    const key = this.keys.delivery(runId);
    await this.redis.multi().hset(key, field, JSON.stringify(delivered)).expire(key, TTL_S).exec();
  }
}
