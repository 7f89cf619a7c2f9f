/**
 * Finding a post again after an ambiguous failure. Every post carries message metadata naming its run and its
 * key (`align_bot_post`, {run_id, key}); when the app was granted a history scope, the outbox asks here whether
 * the post landed — conversations.history for a root, conversations.replies for a reply — before posting again.
 *
 * The scopes are read once at start from auth.test (Slack reports the granted ones in `x-oauth-scopes`, which the
 * client exposes as `response_metadata.scopes`), and the mode is logged. Both methods are Tier 1 for apps outside
 * the Slack Marketplace since 2025 (one call per minute, at most 15 messages): the outbox paces each lookup through
 * the shared pacer at SLACK_HISTORY_LOOKUPS_PER_MINUTE, and each call reads only a few minutes around the attempt.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Conversation, MessageRef } from '../../core/run.js';
import type { LookupResult, MessageLookup, PostTag } from '../port.js';
import { translateSlackError } from './delivery-errors.js';

export const POST_EVENT_TYPE = 'align_bot_post';
/** Read public / private channels' history: either turns lookups on (for that kind of channel). */
export const HISTORY_SCOPES = ['channels:history', 'groups:history'] as const;
/** Tier 1's page limit (reference/slack.md §4, the 2025 change). */
const PAGE = 15;
/** The window read around an attempt: clock skew, the call's own timeout and a late landing. */
const BEFORE_MS = 2 * 60_000;
const AFTER_MS = 3 * 60_000;
/** How long a failed scope check is trusted before the next one. */
const RECHECK_MS = 60_000;
/** Answers after which this message cannot be looked up here (the outbox falls back to one re-post at most). */
const CANNOT_LOOK = new Set(['missing_scope', 'not_in_channel', 'channel_not_found', 'thread_not_found']);

export function postMetadata(tag: PostTag) {
  return { event_type: POST_EVENT_TYPE, event_payload: { run_id: tag.runId, key: tag.key } };
}

interface FoundMessage {
  ts?: string;
  bot_id?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export interface LookupMode {
  on: boolean;
  scopes: string[];
  message: string;
}

export class SlackHistoryLookup implements MessageLookup {
  private mode?: Promise<LookupMode>;
  /** When the last scope check failed (Slack unreachable at start): checked again a minute later. */
  private failedAt?: number;
  private botId?: string;

  constructor(
    private readonly client: WebClient,
    /** Lookups allowed per minute per method; 0 turns lookups off whatever the scopes. */
    private readonly perMinute: number,
    private readonly logger?: Logger,
  ) {}

  async enabled(): Promise<boolean> {
    return (await this.check()).on;
  }

  /** Reads the granted scopes once (again a minute after a failed check) and logs the mode it decides. */
  check(): Promise<LookupMode> {
    const stale = this.failedAt !== undefined && Date.now() - this.failedAt >= RECHECK_MS;
    if (!this.mode || stale) {
      this.failedAt = undefined;
      this.mode = this.decide();
    }
    return this.mode;
  }

  pacing(thread?: MessageRef): { key: string; intervalMs: number } {
    // A little under the allowed rate: Slack counts per minute, and our calls start a moment after the slot.
    const intervalMs = Math.ceil((60_000 / Math.max(1, this.perMinute)) * 1.05) + 100;
    return { key: thread ? 'conversations.replies' : 'conversations.history', intervalMs };
  }

  async find(
    conversation: Conversation,
    tag: PostTag,
    attemptedAt: number,
    thread?: MessageRef,
  ): Promise<LookupResult> {
    const window = {
      channel: thread?.channel ?? conversation.channel,
      oldest: slackTs(attemptedAt - BEFORE_MS),
      latest: slackTs(attemptedAt + AFTER_MS),
      inclusive: true,
      limit: PAGE,
      include_all_metadata: true,
    };
    let page: { messages?: FoundMessage[]; has_more?: boolean };
    try {
      page = thread
        ? await this.client.conversations.replies({ ...window, ts: thread.id })
        : await this.client.conversations.history(window);
    } catch (error) {
      const reason = (error as { data?: { error?: unknown } }).data?.error;
      if (typeof reason === 'string' && CANNOT_LOOK.has(reason)) return { kind: 'unavailable', reason };
      throw translateSlackError(error);
    }
    const hit = (page.messages ?? []).find((m) => this.isOurs(m, tag));
    if (hit?.ts) return { kind: 'found', ref: { channel: window.channel, id: hit.ts } };
    // A page full of other messages: ours may be on the next one; do not claim it is absent.
    if (page.has_more) return { kind: 'unavailable', reason: 'busy_channel' };
    return { kind: 'absent' };
  }

  private isOurs(message: FoundMessage, tag: PostTag): boolean {
    const meta = message.metadata;
    if (meta?.event_type !== POST_EVENT_TYPE) return false;
    if (this.botId && message.bot_id && message.bot_id !== this.botId) return false;
    return meta.event_payload?.run_id === tag.runId && meta.event_payload?.key === tag.key;
  }

  private async decide(): Promise<LookupMode> {
    if (this.perMinute <= 0) {
      return this.report({
        on: false,
        scopes: [],
        message:
          'Slack: history lookups off (SLACK_HISTORY_LOOKUPS_PER_MINUTE=0) — at most one duplicate after an ambiguous failure (timeout, 5xx)',
      });
    }
    try {
      const auth = await this.client.auth.test();
      this.botId = typeof auth.bot_id === 'string' ? auth.bot_id : undefined;
      return this.report(modeOf(auth.response_metadata?.scopes ?? [], this.perMinute));
    } catch (error) {
      this.failedAt = Date.now();
      const reason = translateSlackError(error).message.slice(0, 120);
      this.logger?.warn(
        { reason },
        'Slack: could not read the granted scopes; history lookups off until a later check succeeds (a minute on)',
      );
      return { on: false, scopes: [], message: reason };
    }
  }

  private report(mode: LookupMode): LookupMode {
    this.logger?.info({ historyLookups: mode.on, scopes: mode.scopes }, mode.message);
    return mode;
  }
}

function modeOf(granted: string[], perMinute: number): LookupMode {
  const scopes = HISTORY_SCOPES.filter((s) => granted.includes(s));
  if (scopes.length === 0) {
    return {
      on: false,
      scopes,
      message:
        'Slack: at most one duplicate after an ambiguous failure (timeout, 5xx); add channels:history and groups:history to look messages up',
    };
  }
  const partial =
    scopes.length < HISTORY_SCOPES.length
      ? `; ${HISTORY_SCOPES.find((s) => !scopes.includes(s))} is missing, so ${scopes[0] === 'channels:history' ? 'private' : 'public'} channels fall back to at most one duplicate`
      : '';
  return {
    on: true,
    scopes,
    message: `Slack: history lookups on (${scopes.join(', ')}, at most ${perMinute} per minute per method) — an ambiguous failure is resolved by looking the message up before posting it again${partial}`,
  };
}

/** Epoch ms as a Slack timestamp ("1700000000.000000"). */
function slackTs(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(6);
}
