/**
 * What the outbox delivered for a run: the root message and each reply, with a hash of the content last sent,
 * so a retried or repeated sync posts nothing twice and edits only what changed. A post is marked "in flight"
 * before its call and the mark is replaced by the record when the call succeeds; a mark that stays says the
 * outcome of that post is unknown (a timeout, a 5xx, a worker that died mid-call), and the outbox finds out
 * before posting it again (queue/post-once.ts). Marks live in the run's hash, under its TTL.
 */

import type { MessageRef } from '../core/run.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

const TTL_S = 30 * 24 * 3600;

export interface Delivered {
  ref: MessageRef;
  hash: string;
}

/** A post whose outcome is not known yet. Slots: 'root', or `reply:<key>`. */
export interface InFlight {
  /** Random id of the attempt that wrote the mark: only it may settle the mark. */
  attempt: string;
  /** When the post was sent (epoch ms). */
  at: number;
  /** Until when it may still land (epoch ms): the call's timeout and a grace; no earlier answer is final. */
  until: number;
  /** Posts made whose outcome is unknown, this one included (without a lookup: at most two). */
  tries: number;
  /** Hash of the content posted, recorded with the message if a lookup finds it. */
  hash: string;
  /** No copy may be posted any more (no lookup, the one re-post used): only a lookup can settle it. */
  stuck?: boolean;
  /** When a lookup last could not tell (epoch ms): the next is not before an hour has passed. */
  lookedAt?: number;
}

export interface DeliveryState {
  root?: Delivered;
  replies: Map<string, Delivered>;
  /** Until when a chat ingress may still record the root it posted as a command's answer (epoch ms). */
  rootReservedUntil?: number;
  /** Posts in flight by slot ('root', `reply:<key>`). */
  flights: Map<string, InFlight>;
}

const RESERVED = 'root-reserved';
const FLIGHT = 'flight:';

/** Replaces the mark of attempt ARGV[2] in field ARGV[1] by ARGV[3] (removes it when empty); another's stays. */
const SETTLE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
if cjson.decode(current).attempt ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
`;

export class DeliveryStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async get(runId: string): Promise<DeliveryState> {
    const raw = await this.redis.hgetall(this.keys.delivery(runId));
    const replies = new Map<string, Delivered>();
    const flights = new Map<string, InFlight>();
    for (const [field, value] of Object.entries(raw)) {
      if (field.startsWith('reply:')) replies.set(field.slice(6), JSON.parse(value) as Delivered);
      else if (field.startsWith(FLIGHT))
        flights.set(field.slice(FLIGHT.length), JSON.parse(value) as InFlight);
    }
    const reserved = Number(raw[RESERVED]);
    return {
      ...(raw.root ? { root: JSON.parse(raw.root) as Delivered } : {}),
      replies,
      ...(reserved > 0 ? { rootReservedUntil: reserved } : {}),
      flights,
    };
  }

  /** Records the root; its in-flight mark, if any, goes with it. */
  async setRoot(runId: string, delivered: Delivered): Promise<void> {
    const key = this.keys.delivery(runId);
    await this.redis
      .multi()
      .hset(key, 'root', JSON.stringify(delivered))
      .hdel(key, RESERVED, `${FLIGHT}root`)
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

  /** The answer was not delivered (or may have been: `inFlight`): the outbox posts the root itself. */
  async releaseRoot(runId: string, inFlight?: InFlight): Promise<void> {
    const key = this.keys.delivery(runId);
    if (!inFlight) return void (await this.redis.hdel(key, RESERVED));
    await this.redis
      .multi()
      .hdel(key, RESERVED)
      .hset(key, `${FLIGHT}root`, JSON.stringify(inFlight))
      .expire(key, TTL_S)
      .exec();
  }

  /** Records a reply; its in-flight mark, if any, goes with it. */
  async setReply(runId: string, key: string, delivered: Delivered): Promise<void> {
    const hash = this.keys.delivery(runId);
    await this.redis
      .multi()
      .hset(hash, `reply:${key}`, JSON.stringify(delivered))
      .hdel(hash, `${FLIGHT}reply:${key}`)
      .expire(hash, TTL_S)
      .exec();
  }

  /** Marks a post in flight, before its call. */
  async markInFlight(runId: string, slot: string, flight: InFlight): Promise<void> {
    const key = this.keys.delivery(runId);
    await this.redis.multi().hset(key, `${FLIGHT}${slot}`, JSON.stringify(flight)).expire(key, TTL_S).exec();
  }

  /** Replaces the mark `attempt` wrote by `next` (or removes it); a mark of another attempt is left alone. */
  async settleInFlight(runId: string, slot: string, attempt: string, next?: InFlight): Promise<void> {
    const value = next ? JSON.stringify(next) : '';
    await this.redis.eval(SETTLE, 1, this.keys.delivery(runId), `${FLIGHT}${slot}`, attempt, value);
  }
}
