/**
 * Slack's side of ChatPort, on @slack/web-api. Rate-limited calls are rejected at once (the outbox delays the
 * job by Retry-After instead of stalling the whole client), and the client itself never retries: the outbox does,
 * knowing what was already delivered. Every post carries message metadata naming its run and key, so that after an
 * ambiguous failure the outbox can look it up (history-lookup.ts) when the app has a history scope.
 */
import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Conversation, MessageRef } from '../../core/run.js';
import type { MessageView } from '../../core/views/view.js';
import { ChatDeliveryError, type ChatPort, type PostTag } from '../port.js';
import { translateSlackError } from './delivery-errors.js';
import { postMetadata, SlackHistoryLookup } from './history-lookup.js';
import { renderSlack } from './render.js';

export interface SlackChatOptions {
  token: string;
  apiUrl: string;
  timeoutMs?: number;
  /** History lookups per minute per method (0: off); default 1, Slack's Tier 1 for non-Marketplace apps. */
  historyLookupsPerMinute?: number;
  logger?: Logger;
}

export class SlackChat implements ChatPort {
  readonly platform = 'slack' as const;
  readonly commandPrefix = '/align';
  readonly pacing = { postIntervalMs: 1000, updateIntervalMs: 1000 };
  readonly callTimeoutMs: number;
  readonly client: WebClient;
  readonly lookup: SlackHistoryLookup;

  constructor(options: SlackChatOptions) {
    this.callTimeoutMs = options.timeoutMs ?? 10_000;
    this.client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: this.callTimeoutMs,
    });
    this.lookup = new SlackHistoryLookup(this.client, options.historyLookupsPerMinute ?? 1, options.logger);
  }

  async post(
    conversation: Conversation,
    message: MessageView,
    thread?: MessageRef,
    tag?: PostTag,
  ): Promise<MessageRef> {
    const rendered = renderSlack(message);
    const res = await this.call(() =>
      this.client.chat.postMessage({
        channel: conversation.channel,
        text: rendered.text,
        blocks: rendered.blocks as never,
        unfurl_links: false,
        unfurl_media: false,
        ...(thread ? { thread_ts: thread.id } : {}),
        ...(tag ? { metadata: postMetadata(tag) } : {}),
      }),
    );
    if (!res.ts || !res.channel) throw new ChatDeliveryError('postMessage returned no ts', false, 'unknown');
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
      throw translateSlackError(error);
    }
  }
}
