/**
 * The Slack simulator's reading side: conversations.history and conversations.replies as Slack answers a bot
 * token — the history scope of the channel's kind required (`missing_scope` otherwise), `oldest` / `latest` /
 * `inclusive`, at most 15 messages a call (Tier 1's page since 2025), `has_more`, and message metadata only when
 * `include_all_metadata` is asked for — and Tier 1's per-method limit of N calls a minute (429 + Retry-After).
 */
import type { SimMessage } from './slack-sim-types.js';

/** The most a call returns (reference/slack.md §4: `limit` max and default 15 for non-Marketplace apps). */
export const HISTORY_PAGE = 15;
export type HistoryMethod = 'conversations.history' | 'conversations.replies';

export interface HistoryContext {
  messages: readonly SimMessage[];
  /** The scopes granted to the bot token. */
  scopes: readonly string[];
  /** Private channels (groups:history); every other channel is public (channels:history). */
  isPrivate(channel: string): boolean;
  botId: string;
}

export function readHistory(
  method: HistoryMethod,
  args: Record<string, unknown>,
  ctx: HistoryContext,
): Record<string, unknown> {
  const channel = String(args.channel ?? '');
  if (!channel) return { ok: false, error: 'channel_not_found' };
  const needed = ctx.isPrivate(channel) ? 'groups:history' : 'channels:history';
  if (!ctx.scopes.includes(needed)) {
    return { ok: false, error: 'missing_scope', needed, provided: ctx.scopes.join(',') };
  }
  let found: SimMessage[];
  if (method === 'conversations.replies') {
    const parent = ctx.messages.find((m) => m.channel === channel && m.ts === args.ts && !m.threadTs);
    if (!parent) return { ok: false, error: 'thread_not_found' };
    found = [parent, ...ctx.messages.filter((m) => m.channel === channel && m.threadTs === parent.ts)];
  } else {
    found = ctx.messages.filter((m) => m.channel === channel && !m.threadTs).reverse();
  }
  const inWindow = found.filter(within(args));
  const limit = Math.min(HISTORY_PAGE, Number(args.limit) > 0 ? Number(args.limit) : HISTORY_PAGE);
  const withMetadata = args.include_all_metadata === 'true' || args.include_all_metadata === true;
  return {
    ok: true,
    messages: inWindow.slice(0, limit).map((m) => shape(m, ctx.botId, withMetadata)),
    has_more: inWindow.length > limit,
  };
}

function within(args: Record<string, unknown>): (m: SimMessage) => boolean {
  const inclusive = args.inclusive === 'true' || args.inclusive === true || args.inclusive === '1';
  const oldest = args.oldest === undefined ? Number.NEGATIVE_INFINITY : Number(args.oldest);
  const latest = args.latest === undefined ? Number.POSITIVE_INFINITY : Number(args.latest);
  return (m) => {
    const ts = Number(m.ts);
    return inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest;
  };
}

function shape(m: SimMessage, botId: string, withMetadata: boolean): Record<string, unknown> {
  return {
    type: 'message',
    ts: m.ts,
    text: m.text,
    user: m.user,
    bot_id: botId,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
  };
}

/** N calls per method in any 60 s; answers the seconds to wait when the window is full. */
export class MethodWindow {
  private readonly calls = new Map<string, number[]>();

  constructor(public perMinute: number) {}

  /** 0 when the call may go ahead (and counts it), else Retry-After in seconds. */
  take(method: string, now = Date.now()): number {
    const recent = (this.calls.get(method) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= this.perMinute) {
      this.calls.set(method, recent);
      return Math.max(1, Math.ceil((recent[0]! + 60_000 - now) / 1000));
    }
    recent.push(now);
    this.calls.set(method, recent);
    return 0;
  }

  reset(): void {
    this.calls.clear();
  }
}
