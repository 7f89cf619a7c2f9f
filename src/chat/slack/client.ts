/**
 * Slack's side of ChatPort, on @slack/web-api. Rate-limited calls are rejected at once (the outbox delays the
 * job by Retry-After instead of stalling the whole client), and the client itself never retries: the outbox does,
 * knowing what was already delivered.
 */
import { ErrorCode, type WebAPIPlatformError, type WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import type { Conversation, MessageRef } from '../../core/run.js';
import type { MessageView } from '../../core/views/view.js';
import { ChatDeliveryError, type ChatPort, ChatRateLimited } from '../port.js';
import { renderSlack } from './render.js';

/** Errors after which retrying cannot help. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'msg_too_long',
  'no_text',
  'cant_update_message',
  'message_not_found',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'user_not_in_channel',
]);

export interface SlackChatOptions {
  token: string;
  apiUrl: string;
  timeoutMs?: number;
}

export class SlackChat implements ChatPort {
  readonly platform = 'slack' as const;
  readonly commandPrefix = '/align';
  readonly pacing = { postIntervalMs: 1000, updateIntervalMs: 1000 };
  readonly client: WebClient;

  constructor(options: SlackChatOptions) {
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: options.timeoutMs ?? 10_000,
    });
  }

  async post(conversation: Conversation, message: MessageView, thread?: MessageRef): Promise<MessageRef> {
    const rendered = renderSlack(message);
    const res = await this.call(() =>
      this.client.chat.postMessage({
        channel: conversation.channel,
        text: rendered.text,
        blocks: rendered.blocks as never,
        unfurl_links: false,
        unfurl_media: false,
        ...(thread ? { thread_ts: thread.id } : {}),
      }),
    );
    if (!res.ts || !res.channel) throw new ChatDeliveryError('postMessage returned no ts', false);
    return { channel: res.channel, id: res.ts };
  }

  async update(_conversation: Conversation, ref: MessageRef, message: MessageView): Promise<void> {
    const rendered = renderSlack(message);
    await this.call(() =>
      this.client.chat.update({
        channel: ref.channel,
        ts: ref.id,
        text: rendered.text,
        blocks: rendered.blocks as never,
      }),
    );
  }

  async postEphemeral(conversation: Conversation, userId: string, message: MessageView): Promise<void> {
    const rendered = renderSlack(message);
    await this.call(() =>
      this.client.chat.postEphemeral({
        channel: conversation.channel,
        user: userId,
        text: rendered.text,
        blocks: rendered.blocks as never,
      }),
    );
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translate(error);
    }
  }
}

function translate(error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === ErrorCode.RateLimitedError) {
    return new ChatRateLimited(Math.max(1, (error as WebAPIRateLimitedError).retryAfter) * 1000);
  }
  if (code === ErrorCode.PlatformError) {
    const reason = (error as WebAPIPlatformError).data.error;
    if (reason === 'ratelimited') return new ChatRateLimited(1000);
    return new ChatDeliveryError(reason, PERMANENT.has(reason));
  }
  return new ChatDeliveryError(code ?? (error as Error).message ?? 'unknown', false);
}
