/**
 * Teams ingress authentication through a REAL CloudAdapter (ConfigurationBotFrameworkAuthentication with the
 * endpoint group pointed at the simulator's OpenID metadata and JWKS, RS256 tokens signed by its key): every wrong
 * token is 401, a tenant that is not pinned is 403 and audited, never a 500; a valid token is 200 and the handler
 * sees the command without the @mention, with the sender's Entra object id. Bad bodies get short 4xx answers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTeamsReferences } from '../src/chat/teams/references.js';
import { newSigningKey, nowS } from '../src/sandbox/teams-jwks.js';
import { TEAMS_SIM_CHANNEL, TEAMS_SIM_USERS } from '../src/sandbox/teams-sim.js';
import { messageActivity } from '../src/sandbox/teams-sim-activities.js';
import { startTeamsWorld, type TeamsWorld } from './helpers/teams.js';

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
  world.refusals.length = 0;
});

/** A channel @mention activity as Teams sends it (not yet delivered). */
function mentionActivity(text = 'test acme', conversationId = TEAMS_SIM_CHANNEL) {
  const sim = world.sim;
  const conversation = sim.conversation(conversationId);
  const post = sim.state.store({
    conversation,
    fromBot: false,
    from: { id: TEAMS_SIM_USERS.admin.id, name: TEAMS_SIM_USERS.admin.name },
    text,
    attachments: [],
  });
  return messageActivity({
    bot: sim.bot,
    serviceUrl: sim.serviceUrl,
    conversation,
    user: TEAMS_SIM_USERS.admin,
    conversationId: `${conversationId};messageid=${post.id}`,
    id: post.id,
    text,
    mention: true,
  });
}

async function withToken(
  claims: Record<string, unknown>,
  extra: { key?: ReturnType<typeof newSigningKey>; kid?: string } = {},
) {
  const activity = mentionActivity();
  const token = world.sim.inboundToken(String(activity.serviceUrl), { claims, ...extra });
  return world.sim.deliver(activity, { token });
}

describe('inbound JWT validation through CloudAdapter', () => {
  it('a valid token: 200, the handler sees the stripped command and the Entra object id, the reply is threaded', async () => {
    const answer = await world.sim.mention({ text: 'test acme' });
    expect(answer.status).toBe(200);
    expect(world.messages).toHaveLength(1);
    const event = world.messages[0]!;
    expect(event.text).toBe('test acme');
    expect(event.user.aadObjectId).toBe(TEAMS_SIM_USERS.admin.aadObjectId);
    expect(event.conversationType).toBe('channel');
    const replies = world.sim.thread(TEAMS_SIM_CHANNEL, answer.activityId);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.fromBot).toBe(true);
    expect(replies[0]!.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
    });
  });

  it('no token: 401', async () => {
    const answer = await world.sim.deliver(mentionActivity(), { token: null });
    expect(answer.status).toBe(401);
    expect(world.messages).toHaveLength(0);
  });

  it('a token for another app (wrong audience): 401', async () => {
    expect((await withToken({ aud: 'a-different-app-id' })).status).toBe(401);
  });

  it('a token from another issuer: 401, also one shaped like an Entra (emulator) token', async () => {
    expect((await withToken({ iss: 'https://api.botframework.example' })).status).toBe(401);
    const entra = await withToken({
      iss: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/',
      ver: '1.0',
      appid: world.sim.appId,
    });
    expect(entra.status).toBe(401);
  });

  it('an expired token (beyond the 5-minute tolerance): 401', async () => {
    expect((await withToken({ exp: nowS() - 600, nbf: nowS() - 4000 })).status).toBe(401);
  });

  it('a bad signature (botbuilder would answer 500): 401', async () => {
    expect((await withToken({}, { key: newSigningKey() })).status).toBe(401);
  });

  it('an unknown key id, and a token that is not a JWT: 401', async () => {
    expect((await withToken({}, { kid: 'not-published' })).status).toBe(401);
    expect((await world.sim.deliver(mentionActivity(), { token: 'not.a.jwt' })).status).toBe(401);
  });

  it('a serviceurl claim that does not match the activity: 401', async () => {
    expect((await withToken({ serviceurl: 'https://smba.trafficmanager.net/emea/' })).status).toBe(401);
  });

  it('why the mapping exists: botbuilder’s own CloudAdapter.process answers a bad signature with 500', async () => {
    const app = express();
    app.post('/api/messages', express.json(), (req, res) => world.adapter.process(req, res, async () => {}));
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const bare = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
    const activity = mentionActivity();
    const token = world.sim.inboundToken(String(activity.serviceUrl), { key: newSigningKey() });
    try {
      const res = await request(bare, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(activity),
      });
      expect(res.statusCode).toBe(500);
      await res.body.dump();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('no case gave a 500 through our ingress, and the handler never ran', () => {
    expect(world.sim.deliveries.filter((d) => d.status >= 500)).toEqual([]);
    expect(world.messages).toEqual([]);
  });
});

describe('tenants and identities', () => {
  it('a tenant that is not pinned: 403, audited, nothing run, nothing posted', async () => {
    const other = '11111111-2222-4333-8444-555555555555';
    world.sim.addChannel('19:other-tenant@thread.tacv2', other);
    const answer = await world.sim.mention({
      text: 'test acme',
      conversationId: '19:other-tenant@thread.tacv2',
    });
    expect(answer.status).toBe(403);
    expect(world.messages).toHaveLength(0);
    expect(world.refusals).toEqual([
      expect.objectContaining({ reason: 'tenant-not-pinned', tenantId: other, activityType: 'message' }),
    ]);
    expect(world.sim.calls).toHaveLength(0);
  });

  it('a sender without an Entra object id: a short refusal in the thread, no command run', async () => {
    const answer = await world.sim.mention({ text: 'rotate acme', user: TEAMS_SIM_USERS.guest });
    expect(answer.status).toBe(200);
    expect(world.messages).toHaveLength(0);
    expect(world.refusals).toEqual([expect.objectContaining({ reason: 'no-entra-id' })]);
    const replies = world.sim.thread(TEAMS_SIM_CHANNEL, answer.activityId);
    expect(replies.map((r) => r.text)).toEqual([expect.stringContaining('signed-in members')]);
  });

  it('a 1:1 message keeps its text as is', async () => {
    const answer = await world.sim.personal({ text: 'status', user: TEAMS_SIM_USERS.operator });
    expect(answer.status).toBe(200);
    expect(world.messages[0]).toMatchObject({ text: 'status', conversationType: 'personal' });
  });
});

describe('conversation references', () => {
  it('every accepted activity refreshes its conversation’s reference; a 1:1 chat is also kept by user', async () => {
    const references = new MemoryTeamsReferences();
    const local = await startTeamsWorld({ references });
    try {
      await local.sim.mention({ text: 'status' });
      expect(await references.conversation(`${TEAMS_SIM_CHANNEL};messageid=1`)).toMatchObject({
        serviceUrl: local.sim.serviceUrl,
        tenantId: local.sim.tenantId,
        conversationId: TEAMS_SIM_CHANNEL,
        conversationType: 'channel',
        channelId: TEAMS_SIM_CHANNEL,
        botId: `28:${local.sim.appId}`,
      });
      await local.sim.personal({ text: 'help', user: TEAMS_SIM_USERS.operator });
      const chat = await references.personalChat(local.sim.tenantId, TEAMS_SIM_USERS.operator.aadObjectId);
      expect(chat?.conversationType).toBe('personal');
    } finally {
      await local.stop();
    }
  });
});

describe('bad input', () => {
  const post = (body: string, contentType = 'application/json') =>
    request(world.botUrl, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('malformed JSON: 400; not JSON: 400; not an activity: 400', async () => {
    const malformed = await post('{"type":');
    expect(malformed.statusCode).toBe(400);
    expect(await malformed.body.json()).toEqual({ error: 'malformed JSON' });
    expect((await post('type=message', 'application/x-www-form-urlencoded')).statusCode).toBe(400);
    expect((await post('[1,2]')).statusCode).toBe(400);
    expect((await post('{"type":"message"}')).statusCode).toBe(400);
    for (const res of [await post('{"type":'), await post('{}')]) await res.body.dump();
  });

  it('too large: 413; GET: 405', async () => {
    const huge = await post(JSON.stringify({ type: 'message', text: 'x'.repeat(300_000) }));
    expect(huge.statusCode).toBe(413);
    await huge.body.dump();
    const get = await request(world.botUrl);
    expect(get.statusCode).toBe(405);
    await get.body.dump();
  });
});

describe('sandbox mode (no app id)', () => {
  it('accepts activities without a token, and refuses to start outside the sandbox', async () => {
    const sandbox = await startTeamsWorld({ sandbox: true });
    try {
      const answer = await sandbox.sim.mention({ text: 'help' });
      expect(answer.status).toBe(200);
      expect(sandbox.messages[0]?.text).toBe('help');
      expect(sandbox.sim.thread(TEAMS_SIM_CHANNEL, answer.activityId)).toHaveLength(1);
      // Auth is off: an activity naming a service URL off this machine is refused, nothing is sent there.
      const activity = { ...mentionActivity(), serviceUrl: 'http://203.0.113.7/amer/' };
      const remote = await sandbox.sim.deliver(activity, { token: null });
      expect(remote.status).toBe(403);
      expect(sandbox.refusals).toEqual([expect.objectContaining({ reason: 'non-local-service-url' })]);
    } finally {
      await sandbox.stop();
    }
    const { createTeamsAdapter } = await import('../src/chat/teams/adapter.js');
    expect(world.settings.sandbox).toBe(false);
    expect(() =>
      createTeamsAdapter({
        sandbox: false,
        appType: 'MultiTenant',
        endpoints: {},
        tenants: ['t'],
        maxBodyBytes: 262_144,
      }),
    ).toThrow(/MicrosoftAppId/);
  });
});
