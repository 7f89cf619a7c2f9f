/**
 * The outbox: every chat write goes through here. A "sync" job brings one run's messages up to date with its
 * current view — post the root once, edit it when it changed, post each reply once and edit it when it changed —
 * taking a pacing slot before each call. Delivered state is recorded after each call, so a job that is retried,
 * delayed by a 429 or repeated never posts anything twice.
 */
import { createHash } from 'node:crypto';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { ChatDeliveryError, type ChatPort, ChatRateLimited } from '../chat/port.js';
import type { Conversation, Run } from '../core/run.js';
import type { MessageView, RunView } from '../core/views/view.js';
import type { DeliveryStore } from '../store/delivery.js';
import type { RunStore } from '../store/runs.js';
import type { OutboxJob } from './names.js';
import { type Pacer, PaceWait } from './pacer.js';

export interface OutboxDeps {
  runs: Pick<RunStore, 'get'>;
  deliveries: Pick<DeliveryStore, 'get' | 'setRoot' | 'setReply'>;
  pacer: Pick<Pacer, 'take' | 'push'>;
  chatFor(platform: Run['conversation']['platform']): ChatPort | undefined;
  viewOf(run: Run, prefix: string): Promise<RunView> | RunView;
  logger: Logger;
  onDelivery?(event: 'post' | 'update' | 'rate_limited' | 'failed', platform: string): void;
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
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
      if (error instanceof ChatDeliveryError) {
        deps.onDelivery?.('failed', 'chat');
        deps.logger.warn({ runId: job.data.runId, reason: error.reason }, 'chat delivery failed');
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
  const writer = new PacedWriter(chat, run, deps);

  let root = state.root;
  const reservedMs = (state.rootReservedUntil ?? 0) - Date.now();
  // The chat ingress answered the command with the root message and is about to record it: edit that, later.
  if (!root && reservedMs > 0) throw new PaceWait(Math.min(ROOT_RESERVATION_STEP_MS, reservedMs));
  if (!root) {
    root = await writer.post(view.root);
    await deps.deliveries.setRoot(runId, root);
  } else if (root.hash !== hashMessage(view.root)) {
    await writer.update(root.ref, view.root);
    root = { ref: root.ref, hash: hashMessage(view.root) };
    await deps.deliveries.setRoot(runId, root);
  }
  for (const reply of view.replies) {
    const delivered = state.replies.get(reply.key);
    if (!delivered) {
      const posted = reply.inChannel
        ? await writer.post(reply.message, undefined, inChannel(run.conversation))
        : await writer.post(reply.message, root.ref);
      await deps.deliveries.setReply(runId, reply.key, posted);
    } else if (delivered.hash !== hashMessage(reply.message)) {
      await writer.update(delivered.ref, reply.message);
      await deps.deliveries.setReply(runId, reply.key, {
        ref: delivered.ref,
        hash: hashMessage(reply.message),
      });
    }
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

  async post(
    message: MessageView,
    thread?: { channel: string; id: string },
    conversation: Conversation = this.run.conversation,
  ) {
    const channel = conversation.channel;
    await this.deps.pacer.take('post', `${this.chat.platform}:${channel}`, this.chat.pacing.postIntervalMs);
    const ref = await this.guard('post', channel, () => this.chat.post(conversation, message, thread));
    // The first edit of a fresh message waits a full interval too.
    await this.deps.pacer.push(
      'update',
      `${this.chat.platform}:${ref.id}`,
      this.chat.pacing.updateIntervalMs,
    );
    this.deps.onDelivery?.('post', this.chat.platform);
    return { ref, hash: hashMessage(message) };
  }

  async update(ref: { channel: string; id: string }, message: MessageView): Promise<void> {
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
