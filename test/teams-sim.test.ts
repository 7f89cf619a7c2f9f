/**
 * The Bot Connector simulator answers the v3 routes the way Teams does (201 `{id:'<channel>;messageid=<n>',
 * activityId}` for a new post, threads by `;messageid=`, the bot may only edit its own messages, per-thread limits
 * → 429, faults on demand, Bearer token required), publishes OpenID metadata + JWKS, and drives the bot: an
 * Action.Execute click round-trips through the real CloudAdapter to the handler, and the simulator records the
 * invoke response `{statusCode:200, type:'application/vnd.microsoft.card.adaptive', value}`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsAdapter } from '../src/chat/teams/adapter.js';
import { TeamsChat } from '../src/chat/teams/client.js';
import { createTeamsIngress } from '../src/chat/teams/ingress.js';
import { messageResponse } from '../src/chat/teams/outgoing.js';
import type { Conversation, MessageRef } from '../src/core/run.js';
import { startTeamsSandbox } from '../src/sandbox/teams-sandbox.js';
import { TEAMS_SIM_CHANNEL, TEAMS_SIM_GROUP_CHAT, TEAMS_SIM_USERS } from '../src/sandbox/teams-sim.js';
import { startTeamsWorld, type TeamsWorld, testCard, view } from './helpers/teams.js';

let world: TeamsWorld;

beforeAll(async () => {
  world = await startTeamsWorld();
});

afterAll(async () => {
  await world?.stop();
});

beforeEach(() => {
  world.sim.reset();
  world.messages.length = 0;
  world.invokes.length = 0;
  world.refusals.length = 0;
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = world.sim.botToken(),
) {
  const res = await request(`${world.sim.serviceUrl}${path}`, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as Record<string, unknown>,
  };
}

const enc = encodeURIComponent;
const card = {
  contentType: 'application/vnd.microsoft.card.adaptive',
  content: { type: 'AdaptiveCard', version: '1.5', body: [] },
};

describe('invoke round trip (Action.Execute)', () => {
  it('the handler gets verb, data, clicker and card id; the simulator records the card response', async () => {
    const mention = await world.sim.mention({ text: 'rotate acme' });
    const [reply] = world.sim.thread(TEAMS_SIM_CHANNEL, mention.activityId);
    expect(reply).toBeDefined();
    const answer = await world.sim.invoke({
      conversationId: mention.conversationId,
      replyToId: reply!.id,
      verb: 'approve',
      data: { ask: 'ask-1' },
      user: TEAMS_SIM_USERS.approver,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: expect.objectContaining({ type: 'AdaptiveCard', version: '1.5' }),
    });
    expect(world.invokes).toEqual([
      expect.objectContaining({
        verb: 'approve',
        data: { ask: 'ask-1' },
        replyToId: reply!.id,
        conversationType: 'channel',
        user: expect.objectContaining({ aadObjectId: TEAMS_SIM_USERS.approver.aadObjectId }),
      }),
    ]);
    expect(world.sim.deliveries.at(-1)).toMatchObject({ status: 200, body: { statusCode: 200 } });
  });

  it('a click by a user without an Entra id gets a message only they see, and no handler call', async () => {
    const mention = await world.sim.mention({ text: 'rotate acme' });
    const answer = await world.sim.invoke({
      conversationId: mention.conversationId,
      replyToId: 'x',
      verb: 'approve',
      user: TEAMS_SIM_USERS.guest,
    });
    expect(answer.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
    });
    expect(world.invokes).toHaveLength(0);
    expect(world.refusals).toEqual([
      expect.objectContaining({ reason: 'no-entra-id', activityType: 'invoke' }),
    ]);
  });

  it('an invoke that is not Action.Execute: 400 with an error body, not 500', async () => {
    const activity = { ...(await invokeLike()), value: { action: { type: 'Action.Submit', data: {} } } };
    const answer = await world.sim.deliver(activity);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
  });

  async function invokeLike() {
    await world.sim.invoke({ conversationId: TEAMS_SIM_CHANNEL, replyToId: 'x', verb: 'v' });
    return world.sim.deliveries.at(-1)!.activity;
  }
});

describe('v3 conversation routes', () => {
  it('creates a channel post: 201 {id: "<channel>;messageid=<n>", activityId}; activity is mandatory', async () => {
    const created = await call('POST', 'v3/conversations', {
      isGroup: true,
      channelData: { channel: { id: TEAMS_SIM_CHANNEL } },
      activity: { type: 'message', text: 'Report', attachments: [card] },
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toBe(`${TEAMS_SIM_CHANNEL};messageid=${created.body.activityId}`);
    const bare = await call('POST', 'v3/conversations', {
      isGroup: true,
      channelData: { channel: { id: TEAMS_SIM_CHANNEL } },
    });
    expect(bare).toMatchObject({ status: 400, body: { error: { code: 'BadSyntax' } } });
    const group = await call('POST', 'v3/conversations', {
      isGroup: true,
      members: [{ id: '29:a' }, { id: '29:b' }],
      tenantId: world.sim.tenantId,
    });
    expect(group.status).toBe(400);
  });

  it('a 1:1 chat is created (or found) for one member', async () => {
    const body = {
      isGroup: false,
      members: [{ id: TEAMS_SIM_USERS.operator.id }],
      tenantId: world.sim.tenantId,
    };
    const first = await call('POST', 'v3/conversations', body);
    const again = await call('POST', 'v3/conversations', body);
    expect(first.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('sends thread by the ;messageid= suffix; a bare channel id makes a new top-level post', async () => {
    const root = await call('POST', `v3/conversations/${enc(TEAMS_SIM_CHANNEL)}/activities`, {
      type: 'message',
      text: 'root',
    });
    expect(root.status).toBe(201);
    const threaded = `${TEAMS_SIM_CHANNEL};messageid=${root.body.id}`;
    const reply = await call('POST', `v3/conversations/${enc(threaded)}/activities/${root.body.id}`, {
      type: 'message',
      text: 'reply',
    });
    expect(reply.status).toBe(201);
    // replyToId does not thread: a reply route on the bare channel id is a new top-level post.
    await call('POST', `v3/conversations/${enc(TEAMS_SIM_CHANNEL)}/activities/${root.body.id}`, {
      type: 'message',
      text: 'not threaded',
    });
    expect(world.sim.roots(TEAMS_SIM_CHANNEL).map((m) => m.text)).toEqual(['root', 'not threaded']);
    expect(world.sim.thread(TEAMS_SIM_CHANNEL, String(root.body.id)).map((m) => m.text)).toEqual(['reply']);
    const noRoot = await call(
      'POST',
      `v3/conversations/${enc(`${TEAMS_SIM_CHANNEL};messageid=42`)}/activities`,
      { type: 'message', text: 'x' },
    );
    expect(noRoot.status).toBe(404);
  });

  it('updates only the bot’s own messages, through the conversation id they were sent with', async () => {
    const mention = await world.sim.mention({ text: 'status' });
    const [reply] = world.sim.thread(TEAMS_SIM_CHANNEL, mention.activityId);
    const threaded = mention.conversationId;
    const ok = await call('PUT', `v3/conversations/${enc(threaded)}/activities/${reply!.id}`, {
      type: 'message',
      text: 'edited',
    });
    expect(ok).toMatchObject({ status: 200, body: { id: reply!.id } });
    expect(world.sim.message(TEAMS_SIM_CHANNEL, reply!.id)).toMatchObject({ text: 'edited', edits: 1 });
    const users = await call('PUT', `v3/conversations/${enc(threaded)}/activities/${mention.activityId}`, {
      type: 'message',
      text: 'x',
    });
    expect(users.status).toBe(403);
    const wrongThread = await call(
      'PUT',
      `v3/conversations/${enc(TEAMS_SIM_CHANNEL)}/activities/${reply!.id}`,
      { type: 'message', text: 'x' },
    );
    expect(wrongThread).toMatchObject({
      status: 404,
      body: { error: { code: 'ActivityNotFoundInConversation' } },
    });
  });

  it('requires the bot’s Bearer token', async () => {
    const path = `v3/conversations/${enc(TEAMS_SIM_GROUP_CHAT)}/activities`;
    expect((await call('POST', path, { type: 'message', text: 'x' }, null)).status).toBe(401);
    expect(
      (await call('POST', path, { type: 'message', text: 'x' }, world.sim.inboundToken('x'))).status,
    ).toBe(401);
    expect((await call('POST', path, { type: 'message', text: 'x' })).status).toBe(201);
  });

  it('lists members with their Entra ids', async () => {
    const members = await call('GET', `v3/conversations/${enc(TEAMS_SIM_CHANNEL)}/pagedmembers`);
    expect(members.body.members).toContainEqual(
      expect.objectContaining({ aadObjectId: TEAMS_SIM_USERS.admin.aadObjectId }),
    );
  });

  it('enforces 7 sends per second per thread (429, no Retry-After by default)', async () => {
    const path = `v3/conversations/${enc(TEAMS_SIM_GROUP_CHAT)}/activities`;
    const statuses: number[] = [];
    let lastHeaders: Record<string, unknown> = {};
    for (let i = 0; i < 8; i++) {
      const answer = await call('POST', path, { type: 'message', text: `m${i}` });
      statuses.push(answer.status);
      lastHeaders = answer.headers;
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 201, 429]);
    expect(lastHeaders['retry-after']).toBeUndefined();
  });

  it('faults on demand: 429 with Retry-After, 412, 502, 504, 403 roster, 404, accepted-then-500', async () => {
    const path = `v3/conversations/${enc(TEAMS_SIM_GROUP_CHAT)}/activities`;
    const kinds = [
      'throttled',
      'precondition-failed',
      'bad-gateway',
      'gateway-timeout',
      'not-in-roster',
      'conversation-not-found',
      'accepted-then-500',
    ] as const;
    const got: Array<[number, unknown]> = [];
    for (const kind of kinds) {
      world.sim.injectFault({ kind, op: 'send', retryAfterS: 2 });
      const answer = await call('POST', path, { type: 'message', text: kind });
      got.push([
        answer.status,
        answer.headers['retry-after'] ?? (answer.body.error as { code: string }).code,
      ]);
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(got).toEqual([
      [429, '2'],
      [412, 'PreconditionFailed'],
      [502, 'ServiceError'],
      [504, 'GatewayTimeout'],
      [403, 'BotNotInConversationRoster'],
      [404, 'ConversationNotFound'],
      [500, 'ServiceError'],
    ]);
    expect(world.sim.roots(TEAMS_SIM_GROUP_CHAT).map((m) => m.text)).toEqual(['accepted-then-500']);
  });
});

describe('token service and control API', () => {
  it('serves OpenID metadata and a JWKS whose key is endorsed for msteams', async () => {
    const meta = (await (await request(world.sim.openIdMetadataUrl)).body.json()) as {
      issuer: string;
      jwks_uri: string;
    };
    expect(meta.issuer).toBe('https://api.botframework.com');
    const jwks = (await (await request(meta.jwks_uri)).body.json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys[0]).toMatchObject({
      kty: 'RSA',
      kid: world.sim.channelKey.kid,
      endorsements: ['msteams'],
    });
  });

  it('drives a mention and shows the conversation over HTTP; refuses bad control input with 400', async () => {
    const control = (method: string, path: string, body?: unknown) =>
      request(`${world.sim.url}/_sim/${path}`, {
        method: method as 'GET',
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const sent = (await (
      await control('POST', 'mention', { text: 'test acme', user: 'operator' })
    ).body.json()) as {
      status: number;
      activityId: string;
    };
    expect(sent.status).toBe(200);
    const shown = (await (await control('GET', `conversations/${enc(TEAMS_SIM_CHANNEL)}`)).body.json()) as {
      messages: Array<{ id: string; replies: unknown[] }>;
    };
    expect(shown.messages.find((m) => m.id === sent.activityId)?.replies).toHaveLength(1);
    const bad = await control('POST', 'fault', { kind: 'nonsense' });
    expect(bad.statusCode).toBe(400);
    await bad.body.dump();
    const badUser = await control('POST', 'mention', { text: 'x', user: 'nobody' });
    expect(badUser.statusCode).toBe(400);
    await badUser.body.dump();
  });
});

describe('the Teams sandbox (simulator + settings, JWT auth on)', () => {
  it('a mention gets the root card, which a worker-side TeamsChat then edits and answers in its thread', async () => {
    const sandbox = await startTeamsSandbox();
    const adapter = createTeamsAdapter(sandbox.settings, { credentials: sandbox.credentials });
    const roots: Array<{ address: string; ref: MessageRef }> = [];
    const ingress = createTeamsIngress(
      sandbox.settings,
      {
        onMessage: async (event) => ({
          message: view(`Run for ${event.text} started`),
          delivered: (ref) => void roots.push({ address: event.address, ref }),
        }),
        onInvoke: async () => messageResponse('ok'),
      },
      { render: testCard, adapter },
    );
    const server = createServer(ingress.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const lines = sandbox.connect(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
      );
      expect(lines.join('\n')).toContain('/_sim/mention');
      const mention = await sandbox.sim.mention({ text: 'test acme' });
      expect(mention.status).toBe(200);
      expect(roots).toHaveLength(1);
      const { address, ref } = roots[0]!;
      const conversation: Conversation = { platform: 'teams', channel: ref.channel, address };
      const chat = new TeamsChat({ adapter, render: testCard });
      await chat.update(conversation, ref, view('Run for test acme: passed'));
      const detail = await chat.post(conversation, view('detail'), ref);
      expect(sandbox.sim.message(TEAMS_SIM_CHANNEL, ref.id)).toMatchObject({
        text: 'Run for test acme: passed',
        edits: 1,
      });
      expect(sandbox.sim.thread(TEAMS_SIM_CHANNEL, mention.activityId).map((m) => m.id)).toEqual([
        ref.id,
        detail.id,
      ]);
      expect(sandbox.sim.calls.every((c) => c.status < 300)).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sandbox.stop();
    }
  });
});
