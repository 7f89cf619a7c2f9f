/**
 * The console's Teams tab, backed by the Bot Connector simulator: the channel's posts with their reply threads and
 * the acting user's 1:1 chat with the bot, and the two directions Teams itself provides — a message that
 * @mentions the bot (or a 1:1 message), and an Action.Execute invoke, each sent by the simulator with its signed
 * JWT to the bot's /api/messages. What the bot answers one user alone (an invoke's card or toast, a refresh view)
 * is kept per user (teams-views.ts) and shown to that user only.
 */
import type { Request, Response } from 'express';
import { Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { TEAMS_SIM_CHANNEL, type TeamsSim, type TeamsSimChange } from '../../sandbox/teams-sim.js';
import { type SimUser, TEAMS_SIM_USERS, type TeamsSimMessage } from '../../sandbox/teams-sim-state.js';
import type { EventHub } from './events.js';
import { cardOf, type InvokeTrigger, invokeOutcome, refreshFor, UserViews } from './teams-views.js';

/** The sandbox users a person can act as in the Teams tab (keys of TEAMS_SIM_USERS). */
export const TEAMS_PERSONAS = ['admin', 'operator', 'approver'] as const;
export const TEAMS_CHANNEL = { id: TEAMS_SIM_CHANNEL, name: 'General', team: 'Align Sandbox' };

const persona = z.enum(TEAMS_PERSONAS);
const id = z.string().min(1).max(200);

const messageInput = z.object({
  text: z.string().max(4000),
  user: persona,
  /** The channel (an @mention post) or the user's 1:1 chat with the bot. */
  to: z.enum(['channel', 'chat']).default('channel'),
});

const cardInput = z.object({ conversationId: id, messageId: z.string().min(1).max(40), user: persona });

const invokeInput = cardInput.extend({
  verb: z.string().min(1).max(200),
  data: z.record(z.string(), z.unknown()).default({}),
});

export function teamsRouter(sim: TeamsSim, events: EventHub, logger: Logger): Router & { close(): void } {
  const views = new UserViews();
  const onChange = (change: TeamsSimChange) =>
    events.send('teams', { conversation: change.conversationId ?? null });
  sim.events.on('change', onChange);
  const router = Object.assign(Router(), { close: () => void sim.events.off('change', onChange) });
  const editsOf = (conversationId: string, messageId: string) =>
    sim.message(conversationId, messageId)?.edits;

  router.get('/console/api/teams/state', (req, res) => {
    const user = persona.safeParse(req.query.user);
    if (!user.success) return void res.status(400).json({ error: 'Give user: admin, operator or approver.' });
    const chat = personalChat(sim, TEAMS_SIM_USERS[user.data]);
    res.json({
      channel: {
        ...TEAMS_CHANNEL,
        posts: sim.roots(TEAMS_SIM_CHANNEL).map((m) => ({
          ...shown(m),
          replies: sim.thread(TEAMS_SIM_CHANNEL, m.id).map(shown),
        })),
      },
      chat: { id: chat ?? null, messages: chat ? sim.roots(chat).map(shown) : [] },
      views: views.current(user.data, editsOf).map(({ user: _user, ...view }) => view),
    });
  });

  router.post('/console/api/teams/message', async (req: Request, res: Response) => {
    const input = messageInput.safeParse(req.body);
    if (!input.success)
      return void res.status(400).json({ error: 'Give text, user and to (channel or chat).' });
    const text = commandText(input.data.text, sim.bot.name);
    if (!text)
      return void res.status(400).json({ error: `Type a command after @${sim.bot.name}, e.g. test acme.` });
    const user = TEAMS_SIM_USERS[input.data.user];
    try {
      const delivery =
        input.data.to === 'chat'
          ? await sim.personal({ text, user })
          : await sim.mention({ text, user, conversationId: TEAMS_SIM_CHANNEL });
      res.json({ ok: true, status: delivery.status, ms: Math.round(delivery.ms) });
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'console Teams message failed');
      res.status(502).json({ error: 'The bot did not answer.' });
    }
  });

  router.post('/console/api/teams/invoke', async (req: Request, res: Response) => {
    const input = invokeInput.safeParse(req.body);
    if (!input.success)
      return void res.status(400).json({ error: 'Give conversationId, messageId, verb, data and user.' });
    const { verb, data, ...card } = input.data;
    try {
      const outcome = await invoke(card, verb, data, 'manual');
      if (!outcome) return void res.status(404).json({ error: 'No such card of the bot’s.' });
      res.json({ ok: true, outcome: outcome.kind === 'card' ? { kind: 'card' } : outcome });
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'console Teams invoke failed');
      res.status(502).json({ error: 'The bot did not answer.' });
    }
  });

  /** The page shows a card whose `refresh` lists the acting user: Teams asks the bot for that user's view. */
  router.post('/console/api/teams/refresh', async (req: Request, res: Response) => {
    const input = cardInput.safeParse(req.body);
    if (!input.success)
      return void res.status(400).json({ error: 'Give conversationId, messageId and user.' });
    const { conversationId, messageId, user } = input.data;
    const message = sim.message(conversationId, messageId);
    const ask = message?.fromBot
      ? refreshFor(cardOf(message.attachments), TEAMS_SIM_USERS[user].id)
      : undefined;
    const seen = views.get(user, conversationId, messageId);
    if (!message || !ask || seen?.edits === message.edits)
      return void res.json({ ok: true, refreshed: false });
    try {
      const key = [user, conversationId, messageId, message.edits].join('\n');
      const refreshed = await views.once(key, async () => {
        await invoke(input.data, ask.verb, ask.data, 'automatic');
      });
      res.json({ ok: true, refreshed });
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'console Teams refresh failed');
      res.status(502).json({ error: 'The bot did not answer.' });
    }
  });

  /** Sends the invoke through the simulator and keeps a card answer as the user's view of that message. */
  async function invoke(
    target: z.infer<typeof cardInput>,
    verb: string,
    data: Record<string, unknown>,
    trigger: InvokeTrigger,
  ) {
    const { conversationId, messageId, user } = target;
    const message = sim.message(conversationId, messageId);
    if (!message?.fromBot) return undefined;
    const conversation = sim.conversation(conversationId);
    // Teams sends a channel card's invoke in its thread's conversation.
    const threaded =
      conversation.type === 'channel' ? `${conversation.id};messageid=${message.threadId}` : conversation.id;
    const delivery = await sim.invoke({
      conversationId: threaded,
      replyToId: messageId,
      verb,
      data,
      user: TEAMS_SIM_USERS[user],
      trigger,
    });
    const outcome = invokeOutcome(delivery.status, delivery.body);
    if (outcome.kind === 'card' || trigger === 'automatic') {
      views.set({
        user,
        conversationId: conversation.id,
        messageId,
        edits: sim.message(conversationId, messageId)?.edits ?? message.edits,
        trigger,
        ...(outcome.kind === 'card' ? { card: outcome.card } : {}),
        at: Date.now(),
      });
      events.send('teams', { conversation: conversation.id, user });
    }
    return outcome;
  }

  return router;
}

/** The command as the bot reads it: a leading @mention of the bot (or Slack's `/align`) is not typed in Teams. */
export function commandText(text: string, botName: string): string {
  return text
    .trim()
    .replace(new RegExp(`^@?${botName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b\\s*`, 'i'), '')
    .replace(/^\/align\b\s*/i, '')
    .trim();
}

/** A message as the page draws it: without its edit history. */
function shown(message: TeamsSimMessage) {
  const { history: _history, ...rest } = message;
  return rest;
}

/** The user's 1:1 chat with the bot, once there is one. */
function personalChat(sim: TeamsSim, user: SimUser): string | undefined {
  for (const conversation of sim.state.conversations.values()) {
    if (conversation.type === 'personal' && conversation.members.some((m) => m.id === user.id))
      return conversation.id;
  }
  return undefined;
}
