/**
 * Conversations that will not take the bot's messages (403 BotNotInConversationRoster / MessageWritesBlocked, 404
 * ConversationNotFound; reference/teams.md §3): marked in Redis for a bounded time, so no worker and no run keeps
 * writing to them, and cleared as soon as an activity arrives from them again (the app was added back, the user
 * unblocked the bot). The first worker to mark one learns it is first, and tells people once.
 */
import { createHash } from 'node:crypto';
import { say } from '../../core/views/say.js';
import type { MessageView } from '../../core/views/view.js';
import type { RedisClient } from '../../store/redis.js';
import { baseConversationId } from './address.js';

export interface GoneMark {
  /** The connector's error code (BotNotInConversationRoster, MessageWritesBlocked, ConversationNotFound, …). */
  code: string;
  at: number;
}

export interface GoneConversations {
  /** Marks a conversation (threads count as their channel) gone; true when this call made the mark. */
  mark(conversationId: string, code: string): Promise<boolean>;
  /** The mark, while it lasts. */
  get(conversationId: string): Promise<GoneMark | undefined>;
  /** An activity came from the conversation: it takes messages again. */
  clear(conversationId: string): Promise<void>;
}

/** Long enough to stop every run and schedule from retrying, short enough to try again the next day. */
export const DEFAULT_GONE_TTL_S = 24 * 3600;

export class RedisGoneConversations implements GoneConversations {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlS = DEFAULT_GONE_TTL_S,
  ) {}

  async mark(conversationId: string, code: string): Promise<boolean> {
    const value = JSON.stringify({ code, at: Date.now() } satisfies GoneMark);
    return (await this.redis.set(this.key(conversationId), value, 'EX', this.ttlS, 'NX')) === 'OK';
  }

  async get(conversationId: string): Promise<GoneMark | undefined> {
    const raw = await this.redis.get(this.key(conversationId));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as GoneMark;
    } catch {
      return { code: 'unknown', at: 0 };
    }
  }

  async clear(conversationId: string): Promise<void> {
    await this.redis.del(this.key(conversationId));
  }

  private key(conversationId: string): string {
    const id = createHash('sha256')
      .update(baseConversationId(conversationId))
      .digest('base64url')
      .slice(0, 32);
    return `${this.prefix}:teams:gone:${id}`;
  }
}

/** The same in one process (tests). */
export class MemoryGoneConversations implements GoneConversations {
  readonly marks = new Map<string, GoneMark>();

  async mark(conversationId: string, code: string): Promise<boolean> {
    const id = baseConversationId(conversationId);
    if (this.marks.has(id)) return false;
    this.marks.set(id, { code, at: Date.now() });
    return true;
  }

  async get(conversationId: string): Promise<GoneMark | undefined> {
    return this.marks.get(baseConversationId(conversationId));
  }

  async clear(conversationId: string): Promise<void> {
    this.marks.delete(baseConversationId(conversationId));
  }
}

/** The private note to the person whose conversation is gone. */
export function goneNotice(code: string): MessageView {
  return say([
    '⚠️ Align Bot can no longer post to a Teams conversation where you used it (',
    { code },
    '): the app was removed from it or blocked there. Its runs and scheduled reports are not delivered. Add Align Bot to it again, or mention it there, and delivery resumes.',
  ]);
}
