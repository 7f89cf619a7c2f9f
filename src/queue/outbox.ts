/**
 * The outbox: every chat write goes through here. A "sync" job brings one run's messages up to date with its
 * current view — post the root once, edit it when it changed, post each reply once and edit it when it changed —
 * taking a pacing slot before each call. A post is marked in flight before its call and recorded after it, so a
 * job that is retried, delayed by a 429 or repeated never posts anything twice, and a post whose outcome is
 * unknown (timeout, 5xx) is found out about before it is posted again (post-once.ts).
 */
import { createHash } from 'node:crypto';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { ChatDeliveryError, type ChatPort, ChatRateLimited, type PostTag } from '../chat/port.js';
import type { Conversation, MessageRef, Run } from '../core/run.js';
import type { MessageView, RunView } from '../core/views/view.js';
import type { Delivered, DeliveryStore } from '../store/delivery.js';
import type { RunStore } from '../store/runs.js';
import type { OutboxJob } from './names.js';
import { type Pacer, PaceWait } from './pacer.js';
import { type DeliveryEvent, OncePoster, type PostTarget } from './post-once.js';

export type { DeliveryEvent } from './post-once.js';

export interface OutboxDeps {
  runs: Pick<RunStore, 'get'>;
  deliveries: Pick<DeliveryStore, 'get' | 'setRoot' | 'setReply' | 'markInFlight' | 'settleInFlight'>;
  pacer: Pick<Pacer, 'take' | 'reserve' | 'push'>;
  chatFor(platform: Run['conversation']['platform']): ChatPort | undefined;
  viewOf(run: Run, prefix: string): Promise<RunView> | RunView;
  logger: Logger;
  onDelivery?(event: DeliveryEvent, platform: string): void;
  /** Epoch ms; default Date.now. */
  now?(): number;
}

/** How often a sync looks again for a root message a chat ingress reserved (store/delivery.ts reserveRoot). */
const ROOT_RESERVATION_STEP_MS = 200;

export function hashMessage(message: MessageView): string {
  return createHash('sha1').update(JSON.stringify(message)).digest('hex').slice(0, 16);
}

export function outboxProcessor(deps: OutboxDeps) {
  return async (job: Job<OutboxJob>, token?: string): Promise<void> => {
    try {
      await syncRun(job.data.runId, deps);
    } catch (error) {
      const waitMs =
        error instanceof PaceWait
          ? error.waitMs
          : error instanceof ChatRateLimited
            ? error.retryAfterMs
            : undefined;
      if (waitMs !== undefined) {
        await job.moveToDelayed((deps.now ?? Date.now)() + waitMs, token);
        throw new DelayedError();
      }
      if (error instanceof ChatDeliveryError) {
        deps.onDelivery?.('failed', 'chat');
        deps.logger.warn(
          { runId: job.data.runId, reason: error.reason, outcome: error.outcome },
          'chat delivery failed',
        );
        if (error.permanent) throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  };
}

export async function syncRun(runId: string, deps: OutboxDeps): Promise<void> {
  const run = await deps.runs.get(runId);
  if (!run) return;
  const chat = deps.chatFor(run.conversation.platform);
  if (!chat) return;
  const view = await deps.viewOf(run, chat.commandPrefix);
  const state = await deps.deliveries.get(runId);
  const now = deps.now ?? Date.now;
  const writer = new PacedWriter(chat, run, deps);
  const poster = new OncePoster(chat, run, { ...deps, now, hash: hashMessage }, writer.post);

  let root = state.root;
  const reservedMs = (state.rootReservedUntil ?? 0) - now();
  // The chat ingress answered the command with the root message and is about to record it: edit that, later.
  if (!root && reservedMs > 0) throw new PaceWait(Math.min(ROOT_RESERVATION_STEP_MS, reservedMs));
  root ??= await poster.deliver('root', view.root, state.flights.get('root'));
  // Unknown whether the root landed, and no copy may be added: nothing can follow it.
  if (!root) return;
  await writer.bringUpToDate(root, view.root, (done) => deps.deliveries.setRoot(runId, done));
  for (const key of view.pages?.keys ?? []) {
    // A page is drawn only when it is due, one at a time, and never again once delivered.
    if (state.replies.has(key)) continue;
    const slot = `reply:${key}`;
    await poster.deliver(slot, await view.pages!.render(key), state.flights.get(slot), { thread: root.ref });
  }
  for (const reply of view.replies) {
    const slot = `reply:${reply.key}`;
    const target = reply.inChannel ? { conversation: inChannel(run.conversation) } : { thread: root.ref };
    const delivered =
      state.replies.get(reply.key) ??
      (await poster.deliver(slot, reply.message, state.flights.get(slot), target));
    if (!delivered) continue;
    await writer.bringUpToDate(delivered, reply.message, (done) =>
      deps.deliveries.setReply(runId, reply.key, done),
    );
  }
}

/**
 * The conversation without the thread the run's command came from (Teams: the command's post): a note for
 * everyone is a post in the channel itself, as in Slack, not one more reply in that thread.
 */
function inChannel({ thread: _thread, ...conversation }: Conversation): Conversation {
  return conversation;
}

/** Takes a pacing slot before each call and turns a 429 into a pushed-out slot for everyone. */
class PacedWriter {
  constructor(
    private readonly chat: ChatPort,
    private readonly run: Run,
    private readonly deps: OutboxDeps,
  ) {}

  /** Takes the conversation's slot, marks the post in flight (`mark`), posts. */
  readonly post = async (
    message: MessageView,
    { conversation, thread }: PostTarget,
    tag: PostTag,
    mark: () => Promise<void>,
  ): Promise<MessageRef> => {
    const channel = conversation.channel;
    const slot = `${this.chat.platform}:${channel}`;
    await this.deps.pacer.reserve('post', slot, this.chat.pacing.postIntervalMs, this.run.id);
    await mark();
    const ref = await this.guard('post', channel, () => this.chat.post(conversation, message, thread, tag));
    // The first edit of a fresh message waits a full interval too.
    await this.deps.pacer.push(
      'update',
      `${this.chat.platform}:${ref.id}`,
      this.chat.pacing.updateIntervalMs,
    );
    this.deps.onDelivery?.('post', this.chat.platform);
    return ref;
  };

  /** Edits a delivered message when its content changed since, then records the new content. */
  async bringUpToDate(
    delivered: Delivered,
    message: MessageView,
    record: (done: Delivered) => Promise<void>,
  ): Promise<void> {
    const hash = hashMessage(message);
    if (delivered.hash === hash) return;
    await this.update(delivered.ref, message);
    await record({ ref: delivered.ref, hash });
  }

  private async update(ref: MessageRef, message: MessageView): Promise<void> {
    await this.deps.pacer.take(
      'update',
      `${this.chat.platform}:${ref.id}`,
      this.chat.pacing.updateIntervalMs,
    );
    await this.guard('update', ref.id, () => this.chat.update(this.run.conversation, ref, message));
    this.deps.onDelivery?.('update', this.chat.platform);
  }

  private async guard<T>(kind: 'post' | 'update', target: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ChatRateLimited) {
        this.deps.onDelivery?.('rate_limited', this.chat.platform);
        const key =
          kind === 'post'
            ? `${this.chat.platform}:${this.run.conversation.channel}`
            : `${this.chat.platform}:${target}`;
        await this.deps.pacer.push(kind, key, error.retryAfterMs);
      }
      throw error;
    }
  }
}
