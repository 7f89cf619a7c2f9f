/**
 * The Teams simulator's control API under /_sim/, for tests and the sandbox's curl lines:
 *   GET  /_sim/conversations/<id>   roots (with replies) of a channel, or a chat's messages
 *   GET  /_sim/calls                every connector call the bot made, with the answer's status and code
 *   GET  /_sim/deliveries           every activity sent to the bot, with its answer (invoke bodies)
 *   POST /_sim/mention   {text, user?, conversation?}         @mention the bot in a channel post
 *   POST /_sim/personal  {text, user?}                        a 1:1 message
 *   POST /_sim/invoke    {conversation, replyToId, verb, data?, user?}   an Action.Execute click
 *   POST /_sim/install   {conversation?}                      the app added to a conversation
 *   POST /_sim/fault     {kind, op?, nth?, retryAfterS?}      the next matching write fails
 *   POST /_sim/remove-bot {conversation, how?}                the app removed ('removed') or blocked
 *   POST /_sim/reset
 * `user` is a key of TEAMS_SIM_USERS (admin, operator, approver, guest).
 */
import type { ServerResponse } from 'node:http';
import { json } from './loopback-server.js';
import {
  type SimConversation,
  type SimUser,
  TEAMS_SIM_USERS,
  type TeamsFault,
  type TeamsFaultKind,
  type TeamsSimMessage,
  type TeamsSimState,
} from './teams-sim-state.js';

/** What the control API drives. TeamsSim implements it; declared here so the two files do not import each other. */
export interface ControlledTeamsSim {
  readonly calls: unknown[];
  readonly deliveries: unknown[];
  readonly state: TeamsSimState;
  mention(input: { text: string; user?: SimUser; conversationId?: string }): Promise<unknown>;
  personal(input: { text: string; user?: SimUser }): Promise<unknown>;
  invoke(input: {
    conversationId: string;
    replyToId: string;
    verb: string;
    data?: Record<string, unknown>;
    user?: SimUser;
    trigger?: 'manual' | 'automatic';
  }): Promise<unknown>;
  install(conversationId?: string): Promise<unknown>;
  removeBot(conversationId: string, how?: 'removed' | 'blocked'): void;
  reset(): void;
  conversation(id: string): SimConversation;
  roots(conversationId: string): TeamsSimMessage[];
  thread(channelId: string, threadId: string): TeamsSimMessage[];
  injectFault(fault: TeamsFault): void;
}

const FAULT_KINDS: TeamsFaultKind[] = [
  'throttled',
  'throttled-no-retry-after',
  'precondition-failed',
  'bad-gateway',
  'gateway-timeout',
  'server-error',
  'not-in-roster',
  'writes-blocked',
  'conversation-not-found',
  'accepted-then-500',
];

type Input = Record<string, unknown>;

export function simControl(
  sim: ControlledTeamsSim,
  url: URL,
  method: string,
  raw: string,
  res: ServerResponse,
): void {
  const input = parseInput(raw);
  if (!input) return json(res, 400, { error: 'the body must be a JSON object' });
  const path = url.pathname.slice('/_sim/'.length);
  const conversation = /^conversations\/(.+)$/.exec(path);
  if (method === 'GET' && conversation)
    return showConversation(sim, decodeURIComponent(conversation[1]!), res);
  if (method === 'GET' && path === 'calls') return json(res, 200, { calls: sim.calls });
  if (method === 'GET' && path === 'deliveries') return json(res, 200, { deliveries: sim.deliveries });
  if (method !== 'POST') return json(res, 404, { error: 'unknown control route' });
  const user = userOf(input.user);
  if (input.user !== undefined && !user)
    return json(res, 400, { error: 'user: admin, operator, approver or guest' });
  switch (path) {
    case 'mention':
      if (typeof input.text !== 'string') return json(res, 400, { error: 'give text' });
      return answer(
        res,
        sim.mention({
          text: input.text,
          ...opt('user', user),
          ...opt('conversationId', str(input.conversation)),
        }),
      );
    case 'personal':
      if (typeof input.text !== 'string') return json(res, 400, { error: 'give text' });
      return answer(res, sim.personal({ text: input.text, ...opt('user', user) }));
    case 'invoke': {
      const conversationId = str(input.conversation);
      const replyToId = str(input.replyToId);
      const verb = str(input.verb);
      if (!conversationId || !replyToId || !verb)
        return json(res, 400, { error: 'give conversation, replyToId and verb' });
      const data = typeof input.data === 'object' && input.data !== null ? (input.data as Input) : {};
      return answer(res, sim.invoke({ conversationId, replyToId, verb, data, ...opt('user', user) }));
    }
    case 'install':
      return answer(res, sim.install(str(input.conversation)));
    case 'fault':
      return addFault(sim, input, res);
    case 'remove-bot': {
      const id = str(input.conversation);
      if (!id || !sim.state.conversations.has(id))
        return json(res, 400, { error: 'give a known conversation' });
      sim.removeBot(id, input.how === 'blocked' ? 'blocked' : 'removed');
      return json(res, 200, { ok: true });
    }
    case 'reset':
      sim.reset();
      return json(res, 200, { ok: true });
    default:
      return json(res, 404, { error: 'unknown control route' });
  }
}

function showConversation(sim: ControlledTeamsSim, id: string, res: ServerResponse): void {
  if (!sim.state.conversations.has(id)) return json(res, 404, { error: 'no such conversation' });
  const channel = sim.conversation(id).type === 'channel';
  json(res, 200, {
    conversation: sim.conversation(id),
    messages: sim.roots(id).map((m) => (channel ? { ...m, replies: sim.thread(id, m.id) } : m)),
  });
}

function addFault(sim: ControlledTeamsSim, input: Input, res: ServerResponse): void {
  if (!FAULT_KINDS.includes(input.kind as TeamsFaultKind)) {
    return json(res, 400, { error: `kind: one of ${FAULT_KINDS.join(', ')}` });
  }
  const op = input.op;
  if (op !== undefined && !['create', 'send', 'update', 'any'].includes(String(op))) {
    return json(res, 400, { error: 'op: create, send, update or any' });
  }
  const fault: TeamsFault = { kind: input.kind as TeamsFaultKind };
  if (op !== undefined) fault.op = op as TeamsFault['op'];
  if (Number.isInteger(input.nth) && Number(input.nth) > 0) fault.nth = Number(input.nth);
  if (typeof input.retryAfterS === 'number' && input.retryAfterS >= 0) fault.retryAfterS = input.retryAfterS;
  sim.injectFault(fault);
  json(res, 200, { ok: true, fault });
}

function answer(res: ServerResponse, pending: Promise<unknown>): void {
  pending.then(
    (result) => json(res, 200, result),
    (error: Error) => json(res, 502, { error: error.message }),
  );
}

function userOf(value: unknown): SimUser | undefined {
  if (typeof value !== 'string') return undefined;
  return Object.hasOwn(TEAMS_SIM_USERS, value)
    ? TEAMS_SIM_USERS[value as keyof typeof TEAMS_SIM_USERS]
    : undefined;
}

function parseInput(raw: string): Input | undefined {
  if (!raw.trim()) return {};
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Input)
      : undefined;
  } catch {
    return undefined;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
