/**
 * Teams' side of ChatPort, for workers: proactive posts through CloudAdapter.continueConversationAsync /
 * createConversationAsync, Adaptive Card attachments. A post without a thread in a channel opens a new top-level
 * post (createConversation on the base channel id; its `;messageid=` id is the thread); replies go to
 * `<channel>;messageid=<root>`; edits PUT with the same conversation id. Each call first takes a slot of the
 * thread's send windows (7/1 s, 8/2 s, 60/30 s), waiting briefly in-process or answering ChatRateLimited so the
 * outbox parks the job; connector failures are translated (errors.ts) and never retried here.
 */
import type { TurnContext } from 'botbuilder';
import type { Conversation, MessageRef } from '../../core/run.js';
import type { MessageView } from '../../core/views/view.js';
import { type ChatPort, ChatRateLimited } from '../port.js';
import type { ConnectorClient, TeamsAdapter } from './adapter.js';
import {
  addressOf,
  baseConversationId,
  isAllowedServiceUrl,
  type TeamsAddress,
  TeamsAddressError,
  threadedId,
  threadRootOf,
} from './address.js';
import { backoffDelay, TeamsDeliveryError, translateTeamsError } from './errors.js';
import { type CardRenderer, type OutgoingMessage, outgoing } from './outgoing.js';
import type { TeamsReferenceStore } from './references.js';
import { MemoryThreadLimiter, TEAMS_THREAD_LIMITS, type ThreadLimiter } from './thread-limiter.js';

export interface TeamsChatOptions {
  adapter: TeamsAdapter;
  render: CardRenderer;
  /** Latest service URL per conversation, and users' 1:1 chats for postEphemeral. */
  references?: TeamsReferenceStore;
  /** Default: in memory (one process). Use RedisThreadLimiter when several workers post. */
  limiter?: ThreadLimiter;
  /** Longest in-process wait for a free slot; beyond it, ChatRateLimited (default 2500 ms). */
  maxLocalWaitMs?: number;
  /** Backoff after a 429 without Retry-After (defaults: 1 s doubling to 60 s, jittered). */
  backoff?: { baseMs?: number; maxMs?: number; random?: () => number };
}

export class TeamsChat implements ChatPort {
  readonly platform = 'teams' as const;
  readonly commandPrefix = '@Align Bot';
  /** The outbox's own spacing; the thread windows below are enforced here on every call. */
  readonly pacing = { postIntervalMs: 1000, updateIntervalMs: 1000 };
  readonly threadLimits = TEAMS_THREAD_LIMITS;
  private readonly limiter: ThreadLimiter;
  private readonly throttled = new Map<string, number>();

  constructor(private readonly options: TeamsChatOptions) {
    this.limiter = options.limiter ?? new MemoryThreadLimiter();
  }

  /** The key Teams counts sends under (reference/teams.md §6): the conversation, threads of a channel together. */
  threadKey(conversationId: string): string {
    return baseConversationId(conversationId);
  }

  async post(conversation: Conversation, message: MessageView, thread?: MessageRef): Promise<MessageRef> {
    const address = await this.addressFor(conversation);
    const activity = outgoing(message, this.options.render);
    if (thread) return this.send(address, this.threadTarget(address, thread), activity);
    if (address.conversationType === 'channel' && !threadRootOf(address.conversationId)) {
      return this.createPost(address, activity);
    }
    return this.send(address, address.conversationId, activity);
  }

  async update(conversation: Conversation, ref: MessageRef, message: MessageView): Promise<void> {
    const address = await this.addressFor(conversation);
    const activity = outgoing(message, this.options.render);
    await this.guarded(ref.channel, () =>
      this.inConversation(address, ref.channel, async (connector) => {
        await connector.conversations.updateActivity(ref.channel, ref.id, {
          ...activity,
          id: ref.id,
          conversation: {
            id: ref.channel,
            isGroup: address.conversationType !== 'personal',
            conversationType: address.conversationType,
            name: '',
          },
        });
      }),
    );
  }

  /**
   * Teams has no ephemeral messages in channels: a private note goes to the user's 1:1 chat with the bot (known
   * once the user wrote to it); in a 1:1 chat it is a normal message. `userId` is the Entra object id.
   */
  async postEphemeral(conversation: Conversation, userId: string, message: MessageView): Promise<void> {
    const address = await this.addressFor(conversation);
    const activity = outgoing(message, this.options.render);
    if (address.conversationType === 'personal') {
      await this.send(address, address.conversationId, activity);
      return;
    }
    const chat = await this.options.references?.personalChat(address.tenantId, userId);
    if (!chat) throw new TeamsDeliveryError('no-private-chat', true, 0);
    const personal: TeamsAddress = {
      serviceUrl: chat.serviceUrl,
      tenantId: chat.tenantId,
      conversationId: chat.conversationId,
      conversationType: 'personal',
    };
    await this.send(personal, chat.conversationId, activity);
  }

  private async send(
    address: TeamsAddress,
    conversationId: string,
    activity: OutgoingMessage,
  ): Promise<MessageRef> {
    let id: string | undefined;
    await this.guarded(conversationId, () =>
      this.inConversation(address, conversationId, async (connector) => {
        const sent = await connector.conversations.sendToConversation(conversationId, {
          ...activity,
          conversation: {
            id: conversationId,
            isGroup: address.conversationType !== 'personal',
            conversationType: address.conversationType,
            name: '',
          },
        });
        id = sent.id;
      }),
    );
    if (!id) throw new TeamsDeliveryError('no-activity-id', false, 0);
    return { channel: conversationId, id };
  }

  /** A new top-level post in a channel; its thread id `<channel>;messageid=<root>` is the reply target. */
  private async createPost(address: TeamsAddress, activity: OutgoingMessage): Promise<MessageRef> {
    const channelId = address.channelId ?? baseConversationId(address.conversationId);
    let threadId: string | undefined;
    await this.guarded(channelId, () =>
      this.options.adapter.createConversationAsync(
        this.options.adapter.appId,
        'msteams',
        address.serviceUrl,
        // undefined: the connector factory then uses the configured outbound scope (public or government cloud).
        undefined as unknown as string,
        {
          isGroup: true,
          channelData: { channel: { id: channelId } },
          activity: activity as never,
          tenantId: address.tenantId,
          bot: { id: this.botId(), name: '' },
          members: [],
        },
        async (ctx) => {
          // The REST answer's activityId is dropped by botbuilder; the root id is the suffix of the thread id.
          threadId = ctx.activity.conversation?.id;
        },
      ),
    );
    const root = threadId ? threadRootOf(threadId) : undefined;
    if (!threadId || !root) throw new TeamsDeliveryError('no-thread-id', false, 0);
    return { channel: threadId, id: root };
  }

  private inConversation(
    address: TeamsAddress,
    conversationId: string,
    call: (connector: ConnectorClient) => Promise<void>,
  ): Promise<void> {
    const reference = {
      channelId: 'msteams',
      serviceUrl: address.serviceUrl,
      conversation: {
        id: conversationId,
        tenantId: address.tenantId,
        conversationType: address.conversationType,
        isGroup: address.conversationType !== 'personal',
        name: '',
      },
      bot: { id: this.botId(), name: '' },
    };
    return this.options.adapter.continueConversationAsync(
      this.options.adapter.appId,
      reference,
      (ctx: TurnContext) => call(ctx.turnState.get<ConnectorClient>(ctx.adapter.ConnectorClientKey)),
    );
  }

  /** Takes a thread slot, runs the call, translates its failure; a 429 blocks the thread for everyone. */
  private async guarded<T>(conversationId: string, call: () => Promise<T>): Promise<T> {
    const thread = this.threadKey(conversationId);
    await this.slot(thread);
    try {
      const result = await call();
      this.throttled.delete(thread);
      return result;
    } catch (error) {
      const translated = translateTeamsError(error, () => this.backoff(thread));
      if (translated instanceof ChatRateLimited) await this.limiter.block(thread, translated.retryAfterMs);
      throw translated;
    }
  }

  private async slot(thread: string): Promise<void> {
    const deadline = Date.now() + (this.options.maxLocalWaitMs ?? 2500);
    for (;;) {
      const wait = await this.limiter.take(thread);
      if (wait <= 0) return;
      if (Date.now() + wait > deadline) throw new ChatRateLimited(wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** The delay after the n-th 429 in a row on a thread (no Retry-After given). */
  private backoff(thread: string): number {
    const attempt = (this.throttled.get(thread) ?? 0) + 1;
    this.throttled.set(thread, attempt);
    const { baseMs, maxMs, random } = this.options.backoff ?? {};
    return backoffDelay(attempt, baseMs, maxMs, random);
  }

  private threadTarget(address: TeamsAddress, thread: MessageRef): string {
    if (threadRootOf(thread.channel)) return thread.channel;
    if (address.conversationType === 'channel') return threadedId(thread.channel, thread.id);
    // Chats have no threads: a "reply" follows in the chat.
    return thread.channel;
  }

  private async addressFor(conversation: Conversation): Promise<TeamsAddress> {
    const allowInsecure = this.options.adapter.settings.sandbox;
    let address: TeamsAddress;
    try {
      address = addressOf(conversation, { allowInsecure });
    } catch (error) {
      if (error instanceof TeamsAddressError) throw new TeamsDeliveryError('bad-address', true, 0);
      throw error;
    }
    const latest = await this.options.references?.conversation(address.conversationId).catch(() => undefined);
    if (
      latest &&
      latest.serviceUrl !== address.serviceUrl &&
      isAllowedServiceUrl(latest.serviceUrl, allowInsecure)
    ) {
      return { ...address, serviceUrl: latest.serviceUrl };
    }
    return address;
  }

  private botId(): string {
    return `28:${this.options.adapter.appId}`;
  }
}
