/**
 * Exactly-once posts, as far as the platform allows. A post is marked in flight (with an attempt id, its time and
 * until when it may still land) before its call, and recorded after it; the mark stays when the outcome is
 * unknown — a timeout, a 5xx or a reset after the request went out, or a worker that died mid-call. The next
 * attempt at that post does not post blindly:
 * - it waits until the earlier call can no longer land (`until`);
 * - where the platform can look posts up (Slack with a history scope), it takes a lookup slot from the pacer
 *   (Slack's Tier 1: one a minute) and asks: found → recorded, not posted; absent → posted again;
 * - otherwise it posts again once at most. If that re-post's outcome is unknown too, no third copy is posted: the
 *   mark is left (stuck) and logged, so that a deployment with lookups can still settle it later. A stuck root
 *   stops that run's chat messages (there is no thread to reply in); a stuck reply is skipped.
 * A failure that delivered nothing (429, a refusal) puts the mark back as it was before the attempt.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type ChatDeliveryError,
  type ChatPort,
  ChatRateLimited,
  type LookupResult,
  maybeDelivered,
  type PostTag,
} from '../chat/port.js';
import type { Conversation, MessageRef, Run } from '../core/run.js';
import type { MessageView } from '../core/views/view.js';
import type { Delivered, DeliveryStore, InFlight } from '../store/delivery.js';
import type { Pacer } from './pacer.js';
import { PaceWait } from './pacer.js';

/** After a call that timed out or was reset, how long it may still take the platform to carry it out. */
export const LANDING_GRACE_MS = 5000;
/** The longest call assumed when a platform names no timeout. */
const DEFAULT_CALL_TIMEOUT_MS = 15_000;
/** Copies of a message that may be posted without a way to look them up: the first and one re-post. */
export const MAX_BLIND_POSTS = 2;
/** A stuck post whose lookup could not tell is looked up again after this long (scopes may have been added). */
const RELOOK_MS = 3600_000;

export type DeliveryEvent = 'post' | 'update' | 'rate_limited' | 'failed' | 'lookup' | 'found' | 'unresolved';

export interface PostOnceDeps {
  deliveries: Pick<DeliveryStore, 'setRoot' | 'setReply' | 'markInFlight' | 'settleInFlight'>;
  pacer: Pick<Pacer, 'take' | 'push'>;
  logger: Logger;
  onDelivery?(event: DeliveryEvent, platform: string): void;
  now(): number;
  hash(message: MessageView): string;
}

/** The mark of a post made elsewhere (a chat ingress's answer) whose outcome is unknown. */
export function inDoubt(error: ChatDeliveryError, hash: string, now = Date.now()): InFlight {
  return {
    attempt: randomBytes(6).toString('hex'),
    at: now,
    until: error.answered ? now : now + LANDING_GRACE_MS,
    tries: 1,
    hash,
  };
}

/** Where a post goes: a conversation, and the thread in it when it is a reply. */
export interface PostTarget {
  conversation: Conversation;
  thread?: MessageRef;
}

export type PacedPost = (
  message: MessageView,
  target: PostTarget,
  tag: PostTag,
  mark: () => Promise<void>,
) => Promise<MessageRef>;

/** What the next attempt at a post in flight may do. */
type Decision = { kind: 'found'; ref: MessageRef } | { kind: 'post'; tries: number } | { kind: 'stuck' };

export class OncePoster {
  constructor(
    private readonly chat: ChatPort,
    private readonly run: Run,
    private readonly deps: PostOnceDeps,
    /** The outbox's paced post: takes the pacing slot, then runs `mark`, then calls the platform. */
    private readonly send: PacedPost,
  ) {}

  /**
   * Posts `message` into `slot` once, or finds it; undefined when that cannot be known without a third copy.
   * `where`: the thread of a reply, and another conversation than the run's if need be.
   */
  async deliver(
    slot: string,
    message: MessageView,
    flight: InFlight | undefined,
    where: { thread?: MessageRef; conversation?: Conversation } = {},
  ): Promise<Delivered | undefined> {
    const tag = { runId: this.run.id, key: slot === 'root' ? 'root' : slot.slice('reply:'.length) };
    const target = { ...where, conversation: where.conversation ?? this.run.conversation };
    let tries = 0;
    if (flight) {
      const decision = await this.decide(slot, tag, flight, target);
      if (decision.kind === 'stuck') return undefined;
      if (decision.kind === 'found') {
        const delivered = { ref: decision.ref, hash: flight.hash };
        await this.record(slot, delivered);
        return delivered;
      }
      tries = decision.tries;
    }
    const delivered = await this.post(slot, message, target, tag, tries > 0 ? flight : undefined, tries);
    await this.record(slot, delivered);
    return delivered;
  }

  private async decide(slot: string, tag: PostTag, flight: InFlight, target: PostTarget): Promise<Decision> {
    const now = this.deps.now();
    if (flight.until > now) throw new PaceWait(flight.until - now);
    // A lookup costs a scarce slot (Tier 1: one a minute): one that could not tell is not repeated at every sync.
    const lookedLately = flight.lookedAt !== undefined && now - flight.lookedAt < RELOOK_MS;
    const looked = lookedLately ? undefined : await this.lookUp(tag, flight, target);
    if (looked?.kind === 'found') {
      this.deps.onDelivery?.('found', this.chat.platform);
      return looked;
    }
    if (looked?.kind === 'absent') {
      // Known not to be there: the mark goes, and the post is a first one again.
      await this.deps.deliveries.settleInFlight(this.run.id, slot, flight.attempt);
      return { kind: 'post', tries: 0 };
    }
    if (flight.tries < MAX_BLIND_POSTS) return { kind: 'post', tries: flight.tries };
    if (!flight.stuck || looked) await this.markStuck(slot, flight, looked);
    return { kind: 'stuck' };
  }

  /** Asks the platform, paced; undefined when it cannot look posts up at all. */
  private async lookUp(
    tag: PostTag,
    flight: InFlight,
    target: PostTarget,
  ): Promise<LookupResult | undefined> {
    const lookup = this.chat.lookup;
    if (!lookup || !(await lookup.enabled())) return undefined;
    const { key, intervalMs } = lookup.pacing(target.thread);
    const slot = `${this.chat.platform}:${key}`;
    await this.deps.pacer.take('lookup', slot, intervalMs);
    this.deps.onDelivery?.('lookup', this.chat.platform);
    try {
      return await lookup.find(target.conversation, tag, flight.at, target.thread);
    } catch (error) {
      if (error instanceof ChatRateLimited) {
        this.deps.onDelivery?.('rate_limited', this.chat.platform);
        await this.deps.pacer.push('lookup', slot, error.retryAfterMs);
      }
      throw error;
    }
  }

  /** No third copy: the mark stays, stuck (with when a lookup last could not tell); logged the first time. */
  private async markStuck(slot: string, flight: InFlight, looked: LookupResult | undefined): Promise<void> {
    const next = { ...flight, stuck: true, ...(looked ? { lookedAt: this.deps.now() } : {}) };
    await this.deps.deliveries.settleInFlight(this.run.id, slot, flight.attempt, next);
    if (flight.stuck) return;
    this.deps.onDelivery?.('unresolved', this.chat.platform);
    this.deps.logger.warn(
      {
        runId: this.run.id,
        slot,
        tries: flight.tries,
        ...(looked?.kind === 'unavailable' ? { lookup: looked.reason } : {}),
      },
      'chat: a post and its one re-post both failed without a clear answer; no third copy is posted (it may be there twice, or not at all) — a history lookup (Slack: channels:history, groups:history) can settle it',
    );
  }

  /** Marks the post in flight, calls, and on a failure that delivered nothing puts the mark back. */
  private async post(
    slot: string,
    message: MessageView,
    target: PostTarget,
    tag: PostTag,
    previous: InFlight | undefined,
    tries: number,
  ): Promise<Delivered> {
    const hash = this.deps.hash(message);
    const started = this.deps.now();
    const timeout = this.chat.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const flight: InFlight = {
      attempt: randomBytes(6).toString('hex'),
      at: started,
      until: started + timeout + LANDING_GRACE_MS,
      tries: tries + 1,
      hash,
    };
    let marked = false;
    try {
      const ref = await this.send(message, target, tag, async () => {
        await this.deps.deliveries.markInFlight(this.run.id, slot, flight);
        marked = true;
      });
      return { ref, hash };
    } catch (error) {
      if (!marked) throw error;
      const now = this.deps.now();
      const next = maybeDelivered(error)
        ? { ...flight, until: error.answered ? now : now + LANDING_GRACE_MS }
        : previous;
      await this.deps.deliveries
        .settleInFlight(this.run.id, slot, flight.attempt, next)
        .catch(() => undefined);
      throw error;
    }
  }

  private async record(slot: string, delivered: Delivered): Promise<void> {
    if (slot === 'root') await this.deps.deliveries.setRoot(this.run.id, delivered);
    else await this.deps.deliveries.setReply(this.run.id, slot.slice('reply:'.length), delivered);
  }
}
