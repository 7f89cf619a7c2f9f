/**
 * FakeChat: a chat platform that records what it is sent. It implements ChatPort (src/chat/port.ts) and nothing
 * else, so a test that delivers through it proves the outbox and the views need no platform code. Each message
 * keeps its MessageView and a plain rendering of it; refs are assigned in order. It can be told to fail the next
 * calls, as a platform does: rate limited (with Retry-After), a delivery error, or "accepted then failed" (the
 * message is stored, and the answer is a 5xx or a timeout). With `lookup` it can find its posts again by tag, as
 * Slack does with a history scope.
 */
import {
  ChatDeliveryError,
  type ChatPort,
  ChatRateLimited,
  type LookupResult,
  type MessageLookup,
  type PostTag,
} from '../../../src/chat/port.js';
import type { Conversation, MessageRef } from '../../../src/core/run.js';
import { type Block, type MessageView, plain } from '../../../src/core/views/view.js';

export const FAKE_PLATFORM = 'fake';

export interface SentMessage {
  ref: MessageRef;
  conversation: Conversation;
  /** The root this message replies to, when it is a thread reply. */
  thread?: MessageRef;
  /** The content as last posted or edited. */
  view: MessageView;
  plain: string;
  /** Every version, the first one posted included. */
  versions: MessageView[];
  /** The run and key it was posted for. */
  tag?: PostTag;
}

export type ChatCall =
  | { kind: 'post'; ref: MessageRef; thread?: MessageRef; view: MessageView }
  | { kind: 'update'; ref: MessageRef; view: MessageView }
  | { kind: 'ephemeral'; conversation: Conversation; userId: string; view: MessageView };

/**
 * A failure the test asked for: it hits the call of `kind` after `skip` more such calls have succeeded; `after`
 * fails it only once it has been carried out (accepted, then a 5xx or no answer).
 */
type Failure = { kind: 'post' | 'update' | 'any'; error: Error; skip: number; after?: boolean };

export interface FakeLookupOptions {
  /** Spacing of lookups (the pacer's slot), per method. */
  intervalMs?: number;
  /** Every lookup answers `unavailable` (no scope for the channel). */
  unavailable?: boolean;
  /** Lookups off (a Slack app without a history scope). */
  enabled?: boolean;
}

export class FakeChat implements ChatPort {
  readonly platform: string;
  readonly commandPrefix: string;
  readonly pacing: { postIntervalMs: number; updateIntervalMs: number };
  /** Every successful call, in order. */
  readonly calls: ChatCall[] = [];
  /** Calls failed by a failure the test asked for (refused, or carried out and then failed). */
  readonly refused: Array<{ kind: 'post' | 'update'; error: Error }> = [];
  private readonly messages = new Map<string, SentMessage>();
  /** Every lookup asked, in order. */
  readonly lookups: Array<{
    tag: PostTag;
    attemptedAt: number;
    thread?: MessageRef;
    result: LookupResult['kind'];
  }> = [];
  readonly callTimeoutMs = 10_000;
  lookup?: MessageLookup;
  private readonly failures: Failure[] = [];
  private next = 1;

  constructor(
    options: {
      platform?: string;
      commandPrefix?: string;
      pacing?: { postIntervalMs: number; updateIntervalMs: number };
      lookup?: FakeLookupOptions;
    } = {},
  ) {
    this.platform = options.platform ?? FAKE_PLATFORM;
    this.commandPrefix = options.commandPrefix ?? '@Fake';
    this.pacing = options.pacing ?? { postIntervalMs: 0, updateIntervalMs: 0 };
    if (options.lookup) this.withLookup(options.lookup);
  }

  /** From now on posts can be looked up (or not, with `enabled: false`), as with a Slack history scope. */
  withLookup(options: FakeLookupOptions): this {
    this.lookup = this.lookupWith(options);
    return this;
  }

  /** The next post (or update, or either; after `skip` more) answers 429 with this Retry-After. */
  rateLimitNext(kind: Failure['kind'], retryAfterMs: number, skip = 0): this {
    this.failures.push({ kind, error: new ChatRateLimited(retryAfterMs), skip });
    return this;
  }

  /** The next call of that kind fails; a permanent failure (channel gone) is not worth retrying. */
  failNext(kind: Failure['kind'], reason: string, permanent = false, skip = 0): this {
    this.failures.push({ kind, error: new ChatDeliveryError(reason, permanent), skip });
    return this;
  }

  /** The next call of that kind fails without a clear answer and was not carried out (a 5xx before acceptance). */
  failUnknownNext(kind: Failure['kind'], reason = 'http-500', skip = 0): this {
    this.failures.push({ kind, error: new ChatDeliveryError(reason, false, 'unknown', true), skip });
    return this;
  }

  /**
   * The next call of that kind is carried out, then fails without a clear answer: a 500 (`answered`) or a timeout.
   */
  acceptThenFail(kind: Failure['kind'], how: 'http-500' | 'timeout' = 'http-500', skip = 0): this {
    const error = new ChatDeliveryError(how, false, 'unknown', how === 'http-500');
    this.failures.push({ kind, error, skip, after: true });
    return this;
  }

  async post(
    conversation: Conversation,
    message: MessageView,
    thread?: MessageRef,
    tag?: PostTag,
  ): Promise<MessageRef> {
    const after = this.maybeFail('post');
    const ref = { channel: conversation.channel, id: `m${this.next++}` };
    const sent: SentMessage = {
      ref,
      conversation,
      ...(thread ? { thread } : {}),
      view: clone(message),
      plain: renderPlain(message),
      versions: [clone(message)],
      ...(tag ? { tag: { ...tag } } : {}),
    };
    this.messages.set(ref.id, sent);
    this.calls.push({ kind: 'post', ref, ...(thread ? { thread } : {}), view: clone(message) });
    if (after) throw after;
    return ref;
  }

  async update(_conversation: Conversation, ref: MessageRef, message: MessageView): Promise<void> {
    const after = this.maybeFail('update');
    const sent = this.messages.get(ref.id);
    if (!sent) throw new ChatDeliveryError('message_not_found', true);
    sent.view = clone(message);
    sent.plain = renderPlain(message);
    sent.versions.push(clone(message));
    this.calls.push({ kind: 'update', ref, view: clone(message) });
    if (after) throw after;
  }

  async postEphemeral(conversation: Conversation, userId: string, message: MessageView): Promise<void> {
    this.calls.push({ kind: 'ephemeral', conversation, userId, view: clone(message) });
  }

  /** Messages posted to the channel itself (not in a thread), oldest first. */
  roots(channel?: string): SentMessage[] {
    return [...this.messages.values()].filter((m) => !m.thread && (!channel || m.ref.channel === channel));
  }

  /** Replies in the thread of `root`, oldest first. */
  replies(root: MessageRef): SentMessage[] {
    return [...this.messages.values()].filter((m) => m.thread?.id === root.id);
  }

  message(ref: MessageRef): SentMessage | undefined {
    return this.messages.get(ref.id);
  }

  count(kind: ChatCall['kind'], ref?: MessageRef): number {
    return this.calls.filter((c) => c.kind === kind && (!ref || ('ref' in c && c.ref.id === ref.id))).length;
  }

  /** Messages posted for `runId` (and `key`), whatever their thread: copies of one tag are duplicates. */
  tagged(runId: string, key?: string): SentMessage[] {
    return [...this.messages.values()].filter(
      (m) => m.tag?.runId === runId && (key === undefined || m.tag.key === key),
    );
  }

  /** Throws a failure that refuses the call; returns one that is to be thrown once the call is carried out. */
  private maybeFail(kind: 'post' | 'update'): Error | undefined {
    const i = this.failures.findIndex((f) => f.kind === kind || f.kind === 'any');
    if (i < 0) return undefined;
    if (this.failures[i]!.skip > 0) {
      this.failures[i]!.skip -= 1;
      return undefined;
    }
    const [failure] = this.failures.splice(i, 1);
    this.refused.push({ kind, error: failure!.error });
    if (failure!.after) return failure!.error;
    throw failure!.error;
  }

  private lookupWith(options: FakeLookupOptions): MessageLookup {
    return {
      enabled: async () => options.enabled ?? true,
      pacing: (thread) => ({ key: thread ? 'replies' : 'history', intervalMs: options.intervalMs ?? 0 }),
      find: async (_conversation, tag, attemptedAt, thread) => {
        const hit = this.tagged(tag.runId, tag.key).find((m) => m.thread?.id === thread?.id);
        const result: LookupResult = options.unavailable
          ? { kind: 'unavailable', reason: 'missing_scope' }
          : hit
            ? { kind: 'found', ref: hit.ref }
            : { kind: 'absent' };
        this.lookups.push({ tag, attemptedAt, ...(thread ? { thread } : {}), result: result.kind });
        return result;
      },
    };
  }
}

/** A message as plain text, one line per block: what a reader of any platform would see. */
export function renderPlain(message: MessageView): string {
  return [message.text, ...message.blocks.map(blockText)].filter((l) => l !== '').join('\n');
}

function blockText(block: Block): string {
  switch (block.type) {
    case 'header':
      return block.text;
    case 'text':
    case 'context':
      return plain(block.text);
    case 'fields':
      return block.fields.map((f) => `${f.label}: ${plain(f.value)}`).join('\n');
    case 'checklist':
      return block.items
        .map((i) => `[${i.status}] ${i.title}${i.note ? ` — ${plain(i.note)}` : ''}`)
        .join('\n');
    case 'code':
      return `${block.label ? `${block.label}: ` : ''}${block.text}`;
    case 'actions':
      return block.buttons.map((b) => `[${b.label}]`).join(' ');
    case 'divider':
      return '---';
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
