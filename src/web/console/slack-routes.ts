/**
 * The console's Slack tab, backed by the Slack simulator: the channel with its threads, and the two directions
 * Slack itself provides — a slash command signed and sent through the bot's normal ingress, a button click sent to
 * its interactivity endpoint. What the bot answers privately (the command's ack, a click's response_url answer,
 * chat.postEphemeral) is kept per user: the page shows it only to that user, as "Only visible to you".
 */
import { randomBytes } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SimChange, SlackSim } from '../../sandbox/slack-sim.js';
import type { EventHub } from './events.js';

export interface Ephemeral {
  id: string;
  channel: string;
  user: string;
  /** Shown in this thread (a click in a thread), else in the channel. */
  threadTs?: string;
  /** Shown right after this message (the newest one when it arrived); first when undefined. */
  after?: string;
  at: number;
  text: string;
  blocks: unknown[];
  /** The slash command it answers. */
  command?: string;
}

const MAX_EPHEMERALS = 200;

/** Private answers, newest last. */
class EphemeralLog {
  readonly entries: Ephemeral[] = [];
  /** response_url ids of clicks still waiting for the bot's answer → where to show it. */
  private readonly pending = new Map<string, Omit<Ephemeral, 'id' | 'at' | 'after' | 'text' | 'blocks'>>();
  private seenApi = 0;

  constructor(private readonly slack: SlackSim) {}

  /** The newest message where an answer would show: its place in the timeline. */
  newest(channel: string, threadTs?: string): string | undefined {
    const around = threadTs ? this.slack.thread(channel, threadTs) : this.slack.channel(channel);
    return around.at(-1)?.ts ?? threadTs;
  }

  add(
    entry: Omit<Ephemeral, 'id' | 'at' | 'after'>,
    after = this.newest(entry.channel, entry.threadTs),
  ): void {
    this.entries.push({
      ...entry,
      ...(after ? { after } : {}),
      id: randomBytes(6).toString('hex'),
      at: Date.now(),
    });
    if (this.entries.length > MAX_EPHEMERALS) this.entries.splice(0, this.entries.length - MAX_EPHEMERALS);
  }

  expect(responseId: string, where: Omit<Ephemeral, 'id' | 'at' | 'after' | 'text' | 'blocks'>): void {
    this.pending.set(responseId, where);
    // Most clicks get no private answer: forget the oldest waits.
    for (const id of this.pending.keys()) {
      if (this.pending.size <= MAX_EPHEMERALS) break;
      this.pending.delete(id);
    }
  }

  /** A store change: a click's answer arrived, or the bot used chat.postEphemeral. True when one was added. */
  onChange(change: SimChange): boolean {
    if (change.kind === 'response' && change.id) {
      const where = this.pending.get(change.id);
      const body = this.slack.responses.find((r) => r.id === change.id)?.body as
        | { text?: string; blocks?: unknown[] }
        | undefined;
      if (!where || !body) return false;
      this.pending.delete(change.id);
      this.add({ ...where, text: body.text ?? '', blocks: body.blocks ?? [] });
      return true;
    }
    if (change.kind !== 'ephemeral') return false;
    for (const e of this.slack.ephemerals.slice(this.seenApi)) {
      this.add({ channel: e.channel, user: e.user, text: e.text, blocks: e.blocks });
    }
    this.seenApi = this.slack.ephemerals.length;
    return true;
  }
}

const commandInput = z.object({
  text: z.string().max(4000),
  user: z.string().regex(/^[UW][A-Z0-9]{2,20}$/),
  channel: z.string().regex(/^[CDG][A-Z0-9]{2,20}$/),
});

const clickInput = z.object({
  channel: z.string().regex(/^[CDG][A-Z0-9]{2,20}$/),
  /** The message holding the button; absent for a button in a private answer. */
  ts: z.string().max(40).optional(),
  threadTs: z.string().max(40).optional(),
  actionId: z.string().min(1).max(255),
  value: z.string().max(2000).default(''),
  user: z.string().regex(/^[UW][A-Z0-9]{2,20}$/),
});

export function slackRouter(slack: SlackSim, events: EventHub, logger: Logger): Router & { close(): void } {
  const log = new EphemeralLog(slack);
  const onChange = (change: SimChange) => {
    log.onChange(change);
    events.send('slack', { channel: change.channel ?? null });
  };
  slack.events.on('change', onChange);
  const router = Object.assign(Router(), { close: () => void slack.events.off('change', onChange) });
  router.get('/console/api/slack/channel/:channel', (req, res) => {
    const channel = String(req.params.channel);
    res.json({
      channel,
      messages: slack.channel(channel).map((m) => ({ ...m, replies: slack.thread(channel, m.ts) })),
      ephemerals: log.entries.filter((e) => e.channel === channel),
    });
  });
  router.post('/console/api/slack/command', async (req: Request, res: Response) => {
    const input = commandInput.safeParse(req.body);
    if (!input.success) return void res.status(400).json({ error: 'Give text, user and channel.' });
    const { text, user, channel } = input.data;
    const words = text.trim().replace(/^\/align\b\s*/, '');
    if (/^\//.test(words))
      return void res.status(400).json({ error: 'Only /align is installed in this workspace.' });
    // The answer belongs before whatever the command makes the bot post.
    const after = log.newest(channel);
    try {
      const answer = await slack.sendCommand({
        text: words,
        userId: user,
        userName: user.toLowerCase(),
        channelId: channel,
      });
      const body = answer.body as { text?: string; blocks?: unknown[] } | string;
      if (answer.status === 200 && typeof body === 'object' && body) {
        log.add(
          {
            channel,
            user,
            command: `/align ${words}`,
            text: body.text ?? '',
            blocks: body.blocks ?? [],
          },
          after,
        );
      } else {
        log.add(
          {
            channel,
            user,
            command: `/align ${words}`,
            text: `/align failed with the error "dispatch_failed" (HTTP ${answer.status}).`,
            blocks: [],
          },
          after,
        );
      }
      events.send('slack', { channel });
      res.json({ ok: true, status: answer.status, ms: Math.round(answer.ms) });
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'console command failed');
      res.status(502).json({ error: 'The bot did not answer.' });
    }
  });
  router.post('/console/api/slack/click', async (req: Request, res: Response) => {
    const input = clickInput.safeParse(req.body);
    if (!input.success)
      return void res.status(400).json({ error: 'Give channel, actionId, value and user.' });
    const { channel, ts, threadTs, actionId, value, user } = input.data;
    const message = ts ? slack.messages.find((m) => m.channel === channel && m.ts === ts) : undefined;
    try {
      const answer = await slack.clickButton({ channel, ts: ts ?? '', actionId, value, userId: user });
      const where = message?.threadTs ?? threadTs;
      log.expect(answer.responseId, { channel, user, ...(where ? { threadTs: where } : {}) });
      // The answer may have arrived before we listened for it.
      log.onChange({ kind: 'response', id: answer.responseId });
      res.json({ ok: true, status: answer.status });
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'console click failed');
      res.status(502).json({ error: 'The bot did not answer.' });
    }
  });
  return router;
}
