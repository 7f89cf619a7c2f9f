/**
 * Teams' side of ChatPort, for workers: proactive posts through CloudAdapter.continueConversationAsync /
 * createConversationAsync, Adaptive Card attachments. A conversation with a thread (a command typed under a
 * channel post) posts into `<channel>;messageid=<thread>`; without one, a channel gets a new top-level post
 * (createConversation on the base channel id; its `;messageid=` id is the thread of the run's replies); edits PUT
 * with the same conversation id. Each call first takes a slot of the thread's send windows (7/1 s, 8/2 s,
 * 60/30 s) and of the tenant's (50/s), waiting briefly in-process or answering ChatRateLimited so the outbox parks
 * the job; connector failures are translated (errors.ts) and never retried here. A conversation that is gone
 * (gone.ts) is marked once, audited, its contact told in their 1:1 chat, and not written to again while marked.
 * Open approval asks carry `refresh.userIds`: the approvers' MRIs, learned from their activities.
 * No `lookup`: Teams assigns every activity id itself and the Bot Connector has no way for a bot to list or fetch
 * the messages of a conversation (only Microsoft Graph, with tenant-wide ChannelMessage.Read.All or the per-team
 * ChannelMessage.Read.Group consent), so after an ambiguous post the outbox re-posts at most once.
 */
import type { TurnContext } from 'botbuilder';
import type { Conversation, MessageRef } from '../../core/run.js';
import type { MessageView } from '../../core/views/view.js';
import { type ChatPort, ChatRateLimited } from '../port.js';
import type { ConnectorClient, TeamsAdapter } from './adapter.js';
import {
  addressOf,
  baseConversationId,
  homeOf,
  isAllowedServiceUrl,
  type TeamsAddress,
  TeamsAddressError,
  threadedId,
  threadRootOf,
} from './address.js';
import { cardOptions } from './card-context.js';
import type { CardOptions } from './cards.js';
import { backoffDelay, TeamsDeliveryError, translateTeamsError } from './errors.js';
import { type GoneConversations, goneNotice } from './gone.js';
import { type OutgoingMessage, outgoing } from './outgoing.js';
import type { TeamsReferenceStore } from './references.js';
import {
  MemoryThreadLimiter,
  TEAMS_TENANT_LIMITS,
  TEAMS_THREAD_LIMITS,
  type ThreadLimiter,
  withMargin,
} from './thread-limiter.js';

/** What happened when a conversation turned out to be gone; the platform audits it. */
export interface GoneEvent {
  conversationId: string;
  tenantId: string;
  code: string;
  /** The person told in their 1:1 chat, if any. */
  told?: string;
}

export interface TeamsChatOptions {
  adapter: TeamsAdapter;
  render: (message: MessageView, options?: CardOptions) => object;
  /** Latest service URL per conversation, users' 1:1 chats for postEphemeral, approvers' MRIs. */
  references?: TeamsReferenceStore;
  /** Entra object ids of the approvers (ALIGN_BOT_APPROVERS): whose views of an open approval card refresh. */
  approvers?: readonly string[];
  /** Conversations that will not take messages; without it each run finds out for itself. */
  gone?: GoneConversations;
  onGone?(event: GoneEvent): Promise<void> | void;
  /** Default: in memory (one process). Use RedisThreadLimiter when several workers post. */
  limiter?: ThreadLimiter;
  /** The app's budget per tenant (50 requests per second); default in memory. */
  tenantLimiter?: ThreadLimiter;
  /** Longest in-process wait for a free slot; beyond it, ChatRateLimited (default 2500 ms). */
  maxLocalWaitMs?: number;
  /** Backoff after a 429 without Retry-After (defaults: 1 s doubling to 60 s, jittered). */
  backoff?: { baseMs?: number; maxMs?: number; random?: () => number };
}

export class TeamsChat implements ChatPort {
  readonly platform = 'teams' as const;
  readonly commandPrefix = '@Align Bot';
  /**
   * The outbox's own spacing. Posts need none: the thread and tenant windows are enforced here on every call, so
   * a run's replies follow each other as fast as Teams allows. Edits of one message at most twice a second: the
   * outbox sends the latest view, so quicker changes merge into one edit.
   */
  readonly pacing = { postIntervalMs: 0, updateIntervalMs: 500 };
  /** The connector's request timeout (adapter.ts). */
  readonly callTimeoutMs = 15_000;
  readonly threadLimits = TEAMS_THREAD_LIMITS;
  private readonly limiter: ThreadLimiter;
  private readonly tenantLimiter: ThreadLimiter;
  private readonly throttled = new Map<string, number>();

  constructor(private readonly options: TeamsChatOptions) {
    this.limiter = options.limiter ?? new MemoryThreadLimiter();
    this.tenantLimiter = options.tenantLimiter ?? new MemoryThreadLimiter(withMargin(TEAMS_TENANT_LIMITS));
  }

  /** The key Teams counts sends under (reference/teams.md §6): the conversation, threads of a channel together. */
  threadKey(conversationId: string): string {
    return baseConversationId(conversationId);
  }

  async post(conversation: Conversation, message: MessageView, thread?: MessageRef): Promise<MessageRef> {
    const address = await this.addressFor(conversation);
    const activity = await this.activityFor(message, address);
    if (thread) return this.send(address, this.threadTarget(address, thread), activity);
    const home = this.home(address, conversation);
    if (address.conversationType === 'channel' && !threadRootOf(home))
      return this.createPost(address, activity);
    return this.send(address, home, activity);
  }

  async update(conversation: Conversation, ref: MessageRef, message: MessageView): Promise<void> {
    const address = await this.addressFor(conversation);
    const activity = await this.activityFor(message, address);
    await this.guarded(address, ref.channel, () =>
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
    await this.guarded(address, conversationId, () =>
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
    // Accepted, but not addressable: as good as an ambiguous failure.
    if (!id) throw new TeamsDeliveryError('no-activity-id', false, 0, undefined, 'unknown');
    return { channel: conversationId, id };
  }

  /** A new top-level post in a channel; its thread id `<channel>;messageid=<root>` is the reply target. */
  private async createPost(address: TeamsAddress, activity: OutgoingMessage): Promise<MessageRef> {
    const channelId = address.channelId ?? baseConversationId(address.conversationId);
    let threadId: string | undefined;
    await this.guarded(address, channelId, () =>
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
    if (!threadId || !root) throw new TeamsDeliveryError('no-thread-id', false, 0, undefined, 'unknown');
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

  /**
   * Refuses a conversation marked gone, takes a thread slot and a tenant slot, runs the call, translates its
   * failure; a 429 blocks the thread for everyone, a gone conversation is marked for everyone.
   */
  private async guarded<T>(
    address: TeamsAddress,
    conversationId: string,
    call: () => Promise<T>,
  ): Promise<T> {
    const thread = this.threadKey(conversationId);
    const gone = await this.options.gone?.get(thread);
    if (gone) throw new TeamsDeliveryError('conversation-gone', true, 0, gone.code);
    await this.slot(this.limiter, thread);
    await this.slot(this.tenantLimiter, `tenant:${address.tenantId.toLowerCase()}`);
    try {
      const result = await call();
      this.throttled.delete(thread);
      return result;
    } catch (error) {
      const translated = translateTeamsError(error, () => this.backoff(thread));
      if (translated instanceof ChatRateLimited) await this.limiter.block(thread, translated.retryAfterMs);
      if (translated instanceof TeamsDeliveryError && translated.reason === 'conversation-gone') {
        await this.markGone(address, thread, translated.teamsCode ?? 'gone');
      }
      throw translated;
    }
  }

  /** Marks the conversation; the first to mark it tells its contact and reports it (once per mark). */
  private async markGone(address: TeamsAddress, conversationId: string, code: string): Promise<void> {
    if (!this.options.gone) return;
    const first = await this.options.gone.mark(conversationId, code).catch(() => false);
    if (!first) return;
    let told: string | undefined;
    const contact = address.contact;
    if (contact) {
      const chat = await this.options.references
        ?.personalChat(address.tenantId, contact)
        .catch(() => undefined);
      if (chat && chat.conversationId !== conversationId) {
        const personal: TeamsAddress = {
          serviceUrl: chat.serviceUrl,
          tenantId: chat.tenantId,
          conversationId: chat.conversationId,
          conversationType: 'personal',
        };
        const notice = outgoing(goneNotice(code), this.options.render);
        told = await this.send(personal, chat.conversationId, notice).then(
          () => contact,
          () => undefined,
        );
      }
    }
    await this.options.onGone?.({
      conversationId,
      tenantId: address.tenantId,
      code,
      ...(told ? { told } : {}),
    });
  }

  private async slot(limiter: ThreadLimiter, key: string): Promise<void> {
    const deadline = Date.now() + (this.options.maxLocalWaitMs ?? 2500);
    for (;;) {
      const wait = await limiter.take(key);
      if (wait <= 0) return;
      if (Date.now() + wait > deadline) throw new ChatRateLimited(wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** The message as an activity: people by name; an open approval ask lists the approvers to refresh it for. */
  private async activityFor(message: MessageView, address: TeamsAddress): Promise<OutgoingMessage> {
    const options = await cardOptions(message, address.tenantId, this.options);
    return outgoing(message, (view) => this.options.render(view, options));
  }

  /** Where a conversation's messages go (its thread, or the conversation itself); a bad thread is permanent. */
  private home(address: TeamsAddress, conversation: Conversation): string {
    try {
      return homeOf(address, conversation.thread);
    } catch (error) {
      if (error instanceof TeamsAddressError) throw new TeamsDeliveryError('bad-address', true, 0);
      throw error;
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
