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
}

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
    return { ...(raw.root ? { root: JSON.parse(raw.root) as Delivered } : {}), replies };
  }

  async setRoot(runId: string, delivered: Delivered): Promise<void> {
    await this.set(runId, 'root', delivered);
  }

  async setReply(runId: string, key: string, delivered: Delivered): Promise<void> {
    await this.set(runId, `reply:${key}`, delivered);
  }

  private async set(runId: string, field: string, delivered: Delivered): Promise<void> {
    const key = this.keys.delivery(runId);
    await this.redis.multi().hset(key, field, JSON.stringify(delivered)).expire(key, TTL_S).exec();
  }
}
