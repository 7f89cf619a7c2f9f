/**
 * ChatPort: what the workers need from a chat platform. Slack and Teams implement it behind their own folders;
 * runbooks and the outbox only see this.
 */
import type { Conversation, MessageRef } from '../core/run.js';
import type { MessageView } from '../core/views/view.js';

/** Which message of which run a post is: the root (`key` 'root') or the reply of that key. */
export interface PostTag {
  runId: string;
  key: string;
}

export interface ChatPort {
  readonly platform: string;
  /** How people address the bot here, for hints in views: "/align" or "@Align Bot". */
  readonly commandPrefix: string;
  /** Minimum spacing of new messages per conversation and of edits per message. */
  readonly pacing: { postIntervalMs: number; updateIntervalMs: number };
  /** The longest a call may take before the client gives up on it (its request timeout). */
  readonly callTimeoutMs?: number;
  /** Finding a post again after an ambiguous failure; absent where the platform gives the bot no way to. */
  readonly lookup?: MessageLookup;
  /** `tag` names the post so that it can be found again (Slack: message metadata). */
  post(
    conversation: Conversation,
    message: MessageView,
    thread?: MessageRef,
    tag?: PostTag,
  ): Promise<MessageRef>;
  update(conversation: Conversation, ref: MessageRef, message: MessageView): Promise<void>;
  postEphemeral(conversation: Conversation, userId: string, message: MessageView): Promise<void>;
}

/**
 * What a lookup found: the message; `absent` when the place it would be was read and it is not there;
 * `unavailable` when this one cannot be looked up (no scope for this channel, too busy a channel to be sure).
 */
export type LookupResult =
  | { kind: 'found'; ref: MessageRef }
  | { kind: 'absent' }
  | { kind: 'unavailable'; reason: string };

export interface MessageLookup {
  /** Whether lookups can be made at all (e.g. the app was granted a history scope); decided once at start. */
  enabled(): Promise<boolean>;
  /** The pacing slot each lookup takes: the platform's method limit (Slack Tier 1: one per minute). */
  pacing(thread?: MessageRef): { key: string; intervalMs: number };
  /**
   * Looks for the post tagged `tag` that was attempted at `attemptedAt` (epoch ms), in the conversation or in
   * `thread`. Throws ChatRateLimited or ChatDeliveryError like any call.
   */
  find(
    conversation: Conversation,
    tag: PostTag,
    attemptedAt: number,
    thread?: MessageRef,
  ): Promise<LookupResult>;
}

/** The platform asked us to slow down; nothing was delivered. */
export class ChatRateLimited extends Error {
  readonly code = 'CHAT_RATE_LIMITED';
  constructor(readonly retryAfterMs: number) {
    super(`rate limited; retry after ${retryAfterMs} ms`);
    this.name = 'ChatRateLimited';
  }
}

/**
 * How a call that failed may have ended. `not-delivered`: the platform refused it or never got it (4xx, connection
 * refused). `unknown`: the request was sent and no clear answer came (timeout, 5xx, connection reset): the
 * platform may have carried it out. `answered` (unknown only): a 5xx came back, so the platform is done with the
 * request; without it (a timeout, a reset) the request may still be carried out a moment later.
 */
export type DeliveryOutcome = 'not-delivered' | 'unknown';

/** A delivery that failed; `permanent` ones (channel gone, bot removed) are not retried. */
export class ChatDeliveryError extends Error {
  readonly code = 'CHAT_DELIVERY';
  constructor(
    readonly reason: string,
    readonly permanent: boolean,
    readonly outcome: DeliveryOutcome = 'not-delivered',
    readonly answered = false,
  ) {
    super(`chat delivery failed: ${reason}${outcome === 'unknown' ? ' (may have been delivered)' : ''}`);
    this.name = 'ChatDeliveryError';
  }
}

/** True when a failed call may still have delivered its message (a post must not be repeated blindly). */
export function maybeDelivered(error: unknown): error is ChatDeliveryError {
  return error instanceof ChatDeliveryError && error.outcome === 'unknown';
}
