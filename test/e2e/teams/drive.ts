/**
 * Drives the whole bot through the Teams simulator: @mention it in a channel, find the run's root card and its
 * thread, find the card that asks about a step, click its Action.Execute buttons as a simulated user, and read
 * what the clicker alone was shown (the invoke response). The Slack tests do the same with test/helpers/guided.ts.
 */
import { expect } from 'vitest';
import { TEAMS_SIM_CHANNEL } from '../../../src/sandbox/teams-sim.js';
import type { SimUser, TeamsSimMessage } from '../../../src/sandbox/teams-sim-state.js';
import type { BotHarness } from '../../helpers/bot.js';
import { waitFor } from '../../helpers/wait.js';

export type Sim = NonNullable<BotHarness['teams']>['sim'];

interface CardAction {
  type: string;
  verb?: string;
  url?: string;
  data?: { value?: string };
  card?: { actions?: CardAction[] };
}

/** The Adaptive Card a message (or an invoke answer) carries. */
export function cardOf(message: { attachments: unknown[] }): Record<string, unknown> | undefined {
  const attachment = (message.attachments as Array<{ contentType?: string; content?: unknown }>).find(
    (a) => a.contentType === 'application/vnd.microsoft.card.adaptive',
  );
  return attachment?.content as Record<string, unknown> | undefined;
}

/** Every TextRun's text in a card, joined: what a person reads. */
export function cardText(card: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.type === 'TextRun' && typeof n.text === 'string') texts.push(n.text);
    for (const [key, value] of Object.entries(n)) if (key !== 'refresh') walk(value);
  };
  walk(card);
  return texts.join(' ');
}

/** Every action of a card, inline cards' (confirmations) included. */
export function actionsOf(card: unknown): CardAction[] {
  const out: CardAction[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (typeof n.type === 'string' && n.type.startsWith('Action.')) out.push(n as unknown as CardAction);
    for (const [key, value] of Object.entries(n)) if (key !== 'refresh') walk(value);
  };
  walk(card);
  return out;
}

/** The conversation id a click on `message` carries: its thread's, for a channel post. */
export function conversationOfMessage(message: TeamsSimMessage): string {
  return message.threadId
    ? `${message.conversationId};messageid=${message.threadId}`
    : message.conversationId;
}

/** @mentions the bot in a channel post as `user`; returns the run id its root card names, if any. */
export async function mention(sim: Sim, text: string, user: SimUser, conversationId = TEAMS_SIM_CHANNEL) {
  const sent = await sim.mention({ text, user, conversationId });
  expect(sent.status).toBe(200);
  const replies = sim.thread(conversationId, sent.activityId);
  const root = replies[0];
  const runId = root ? /\b(r-[a-z0-9]+)\b/.exec(cardText(cardOf(root)))?.[1] : undefined;
  return { ...sent, root, runId };
}

export interface TeamsAsk {
  message: TeamsSimMessage;
  value: string;
  attempt: number;
  verbs: string[];
}

/** The bot's card that currently asks about `stepId` of `runId` (it has Action.Execute buttons for it). */
export function openTeamsAsk(
  sim: Sim,
  runId: string,
  stepId: string,
  options: { timeoutMs?: number; minAttempt?: number } = {},
): Promise<TeamsAsk> {
  return waitFor(
    () => {
      for (const message of [...sim.state.messages].reverse()) {
        if (!message.fromBot) continue;
        const actions = actionsOf(cardOf(message));
        const mine = actions.find((a) => {
          const value = a.data?.value ?? '';
          return (
            a.type === 'Action.Execute' &&
            value.startsWith(`${runId}|${stepId}|`) &&
            Number(value.split('|')[2]) >= (options.minAttempt ?? 0)
          );
        });
        if (mine?.data?.value) {
          return {
            message,
            value: mine.data.value,
            attempt: Number(mine.data.value.split('|')[2]),
            verbs: actions.flatMap((a) => (a.verb ? [a.verb] : [])),
          };
        }
      }
      return undefined;
    },
    { timeoutMs: options.timeoutMs ?? 15_000, what: `an open Teams ask for ${stepId}` },
  );
}

/** Clicks an Action.Execute of an ask as `user`; returns the HTTP status and the invoke response body. */
export async function clickTeams(sim: Sim, ask: TeamsAsk, verb: string, user: SimUser) {
  const answer = await sim.invoke({
    conversationId: conversationOfMessage(ask.message),
    replyToId: ask.message.id,
    verb: `align.${verb}`,
    data: { value: ask.value },
    user,
  });
  return {
    status: answer.status,
    ms: answer.ms,
    body: answer.body as { statusCode: number; type: string; value: unknown },
  };
}

/** Clicks "Open the secure form" as `user`; returns the private card's text and the one-time URL in it. */
export async function teamsFormLink(sim: Sim, ask: TeamsAsk, user: SimUser) {
  const { body } = await clickTeams(sim, ask, 'secret', user);
  const url = actionsOf(body.value).find(
    (a) => a.type === 'Action.OpenUrl' && a.url?.includes('/secrets/'),
  )?.url;
  return { body, url, text: cardText(body.value) };
}
