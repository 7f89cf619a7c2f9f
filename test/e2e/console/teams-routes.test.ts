/**
 * The console's Teams routes against the Bot Connector simulator and a real CloudAdapter ingress (signed JWTs):
 * an Action.Execute click is sent as an invoke in the card's thread and its answer is kept for the clicker alone
 * (a card until the message is next edited, a toast, Teams' "Something went wrong" for an error); a card whose
 * `refresh` lists a user gets that user's own view through one automatic invoke, asked again only after an edit;
 * every stored post and edit reaches the page as a server-sent event.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TeamsInvokeEvent } from '../../../src/chat/teams/ingress.js';
import { cardResponse, errorResponse, messageResponse } from '../../../src/chat/teams/outgoing.js';
import { TEAMS_SIM_CHANNEL, TEAMS_SIM_USERS } from '../../../src/sandbox/teams-sim.js';
import { EventHub } from '../../../src/web/console/events.js';
import { teamsRouter } from '../../../src/web/console/teams-routes.js';
import { startTeamsWorld, type TeamsWorld, testCard, view } from '../../helpers/teams.js';

let world: TeamsWorld;
let base: string;
let close: () => Promise<void>;
const events: string[] = [];
const invokes: Array<TeamsInvokeEvent & { trigger?: string }> = [];

beforeAll(async () => {
  world = await startTeamsWorld({
    handlers: {
      onInvoke: async (event) => {
        invokes.push(event);
        if (event.verb === 'toast') return messageResponse('Recorded.');
        if (event.verb === 'broken') return errorResponse(500, 'boom', 'It broke.');
        return cardResponse(testCard(view(`${event.verb} for ${event.user.name}`)));
      },
    },
  });
  const hub = new EventHub();
  const router = teamsRouter(world.sim, hub, pino({ level: 'silent' }));
  const app = express();
  app.use(express.json());
  app.use(router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const hubSend = hub.send.bind(hub);
  hub.send = (event, data) => {
    events.push(`${event}:${JSON.stringify(data)}`);
    hubSend(event, data);
  };
  close = async () => {
    router.close();
    hub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
});

afterAll(async () => {
  await close?.();
  await world?.stop();
});

beforeEach(() => {
  world.sim.reset();
  invokes.length = 0;
  events.length = 0;
  world.messages.length = 0;
});

async function post(path: string, body: unknown) {
  const res = await request(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

interface State {
  channel: { posts: Array<{ id: string; replies: Array<{ id: string }> }> };
  views: Array<{ messageId: string; edits: number; trigger: string; card: unknown }>;
}

async function state(user: string): Promise<State> {
  return (await (await request(`${base}/console/api/teams/state?user=${user}`)).body.json()) as State;
}

/** A user's post in the channel and the bot's card in its thread, as the bot would post them. */
async function cardInThread(card: object = testCard(view('Approval'))) {
  const root = await world.sim.mention({ text: 'rotate acme', user: TEAMS_SIM_USERS.admin });
  const conversation = world.sim.conversation(TEAMS_SIM_CHANNEL);
  const message = world.sim.state.store({
    conversation,
    threadId: root.activityId,
    fromBot: true,
    from: { id: `28:${world.sim.appId}`, name: 'Align Bot' },
    text: 'Approval',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }],
  });
  return { rootId: root.activityId, messageId: message.id };
}

const target = (messageId: string, user: string) => ({ conversationId: TEAMS_SIM_CHANNEL, messageId, user });

describe('Action.Execute clicks', () => {
  it('go as an invoke in the card’s thread; a card answer replaces the card for the clicker until an edit', async () => {
    const { rootId, messageId } = await cardInThread();
    const click = await post('/console/api/teams/invoke', {
      ...target(messageId, 'admin'),
      verb: 'align.approve',
      data: { value: 'r-1' },
    });
    expect(click).toEqual({ status: 200, body: { ok: true, outcome: { kind: 'card' } } });
    expect(invokes).toHaveLength(1);
    expect(invokes[0]).toMatchObject({
      verb: 'align.approve',
      data: { value: 'r-1' },
      replyToId: messageId,
      user: { aadObjectId: TEAMS_SIM_USERS.admin.aadObjectId },
    });
    const sent = world.sim.deliveries.at(-1)!.activity as { conversation: { id: string }; value: unknown };
    expect(sent.conversation.id).toBe(`${TEAMS_SIM_CHANNEL};messageid=${rootId}`);
    expect(sent.value).toMatchObject({ trigger: 'manual' });

    const mine = await state('admin');
    expect(mine.views).toMatchObject([{ messageId, edits: 0, trigger: 'manual' }]);
    expect(JSON.stringify(mine.views[0]!.card)).toContain('align.approve for Sandbox Admin');
    expect((await state('approver')).views).toEqual([]);

    world.sim.message(TEAMS_SIM_CHANNEL, messageId)!.edits += 1;
    expect((await state('admin')).views).toEqual([]);
  });

  it('a toast is returned to the page; an error answer reads as Teams’ “Something went wrong”', async () => {
    const { messageId } = await cardInThread();
    const toast = await post('/console/api/teams/invoke', {
      ...target(messageId, 'approver'),
      verb: 'toast',
    });
    expect(toast.body.outcome).toEqual({ kind: 'toast', text: 'Recorded.' });
    const broken = await post('/console/api/teams/invoke', {
      ...target(messageId, 'approver'),
      verb: 'broken',
    });
    expect(broken.body.outcome).toEqual({
      kind: 'error',
      text: 'Something went wrong. Please try again. (It broke.)',
    });
    expect((await state('approver')).views).toEqual([]);
  });

  it('a user’s own post is no card of the bot’s', async () => {
    const { rootId } = await cardInThread();
    const click = await post('/console/api/teams/invoke', { ...target(rootId, 'admin'), verb: 'x' });
    expect(click.status).toBe(404);
    expect(invokes).toEqual([]);
  });
});

describe('refresh', () => {
  const refreshing = (userIds?: string[]) => ({
    ...testCard(view('Approval')),
    refresh: {
      action: { type: 'Action.Execute', verb: 'align.refresh', data: { value: 'r-2' } },
      ...(userIds ? { userIds } : {}),
    },
  });

  it('a listed user gets their own view through one automatic invoke, asked again after an edit', async () => {
    const { messageId } = await cardInThread(refreshing([TEAMS_SIM_USERS.approver.id]));
    const first = await post('/console/api/teams/refresh', target(messageId, 'approver'));
    expect(first.body).toEqual({ ok: true, refreshed: true });
    expect(invokes.map((i) => [i.verb, i.data])).toEqual([['align.refresh', { value: 'r-2' }]]);
    const sent = world.sim.deliveries.at(-1)!.activity as { value: unknown };
    expect(sent.value).toMatchObject({ trigger: 'automatic' });
    expect((await state('approver')).views).toMatchObject([{ messageId, trigger: 'automatic' }]);

    expect((await post('/console/api/teams/refresh', target(messageId, 'approver'))).body.refreshed).toBe(
      false,
    );
    expect(invokes).toHaveLength(1);

    world.sim.message(TEAMS_SIM_CHANNEL, messageId)!.edits += 1;
    expect((await post('/console/api/teams/refresh', target(messageId, 'approver'))).body.refreshed).toBe(
      true,
    );
    expect(invokes).toHaveLength(2);
  });

  it('nobody else, and no one when the list is empty (manual refresh only)', async () => {
    const listed = await cardInThread(refreshing([TEAMS_SIM_USERS.approver.id]));
    expect((await post('/console/api/teams/refresh', target(listed.messageId, 'admin'))).body.refreshed).toBe(
      false,
    );
    const empty = await cardInThread(refreshing([]));
    expect(
      (await post('/console/api/teams/refresh', target(empty.messageId, 'approver'))).body.refreshed,
    ).toBe(false);
    const anyone = await cardInThread(refreshing());
    expect(
      (await post('/console/api/teams/refresh', target(anyone.messageId, 'operator'))).body.refreshed,
    ).toBe(true);
    expect(invokes.map((i) => i.user.aadObjectId)).toEqual([TEAMS_SIM_USERS.operator.aadObjectId]);
  });
});

describe('live', () => {
  it('a user’s post and each of the bot’s posts and edits are server-sent events', async () => {
    const sent = await post('/console/api/teams/message', { text: '@Align Bot test acme', user: 'operator' });
    expect(sent.body).toMatchObject({ ok: true, status: 200 });
    // The world's bot answers in the thread: the user's post, then the bot's reply.
    expect(events).toEqual([
      `teams:${JSON.stringify({ conversation: TEAMS_SIM_CHANNEL })}`,
      `teams:${JSON.stringify({ conversation: TEAMS_SIM_CHANNEL })}`,
    ]);
    const [root] = (await state('operator')).channel.posts;
    expect(root!.replies).toHaveLength(1);
    expect(world.messages.map((m) => m.text)).toEqual(['test acme']);

    // The bot edits its reply in place (PUT with the thread's conversation id, as TeamsChat.update does).
    const thread = `${TEAMS_SIM_CHANNEL};messageid=${root!.id}`;
    const reply = root!.replies[0]!.id;
    const edit = await request(
      `${world.sim.serviceUrl}v3/conversations/${encodeURIComponent(thread)}/activities/${reply}`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${world.sim.botToken()}` },
        body: JSON.stringify({ type: 'message', text: 'passed' }),
      },
    );
    expect(edit.statusCode).toBe(200);
    await edit.body.dump();
    expect(events).toHaveLength(3);
    expect(world.sim.message(TEAMS_SIM_CHANNEL, reply)).toMatchObject({ text: 'passed', edits: 1 });
  });
});
