/**
 * ChatPort: what the workers need from a chat platform. Slack and Teams implement it behind their own folders;
 * runbooks and the outbox only see this.
 */
import type { Conversation, MessageRef } from '../core/run.js';
import type { MessageView } from '../core/views/view.js';

export interface ChatPort {
  readonly platform: string;
  /** How people address the bot here, for hints in views: "/align" or "@Align Bot". */
  readonly commandPrefix: string;
  /** Minimum spacing of new messages per conversation and of edits per message. */
  readonly pacing: { postIntervalMs: number; updateIntervalMs: number };
  post(conversation: Conversation, message: MessageView, thread?: MessageRef): Promise<MessageRef>;
  update(conversation: Conversation, ref: MessageRef, message: MessageView): Promise<void>;
  postEphemeral(conversation: Conversation, userId: string, message: MessageView): Promise<void>;
}

/** The platform asked us to slow down; nothing was delivered. */
export class ChatRateLimited extends Error {
  readonly code = 'CHAT_RATE_LIMITED';
  constructor(readonly retryAfterMs: number) {
    super(`rate limited; retry after ${retryAfterMs} ms`);
    this.name = 'ChatRateLimited';
  }
}

/** A delivery that failed; `permanent` ones (channel gone, bot removed) are not retried. */
export class ChatDeliveryError extends Error {
  readonly code = 'CHAT_DELIVERY';
  constructor(
    readonly reason: string,
    readonly permanent: boolean,
  ) {
    super(`chat delivery failed: ${reason}`);
    this.name = 'ChatDeliveryError';
  }
}
