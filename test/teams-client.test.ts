/**
 * TeamsChat (the workers' ChatPort for Teams) against the Bot Connector simulator, with auth on (the simulator
 * requires the bot's Bearer token): a new channel post opens a thread, replies land in it, edits happen in place;
 * twenty quick edits arrive in order within Teams' thread limits; 429s become ChatRateLimited (Retry-After, or a
 * jittered exponential backoff without it) and botbuilder's own retries never send a request twice; a removed or
 * blocked bot is a permanent "conversation-gone".
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatDeliveryError, ChatRateLimited } from '../src/chat/port.js';
import { createTeamsAdapter } from '../src/chat/teams/adapter.js';
import { encodeAddress, type TeamsAddress, toConversation } from '../src/chat/teams/address.js';
import { TeamsChat } from '../src/chat/teams/client.js';
import { tokenCredentials } from '../src/chat/teams/credentials.js';
import { MemoryTeamsReferences } from '../src/chat/teams/references.js';
import type { Conversation } from '../src/core/run.js';
import { TEAMS_SIM_CHANNEL, TEAMS_SIM_USERS, TeamsSim } from '../src/sandbox/teams-sim.js';
import { adapterFor, settingsFor, testCard, view } from './helpers/teams.js';

let sim: TeamsSim;
let chat: TeamsChat;
let channel: Conversation;

function address(overrides: Partial<TeamsAddress> = {}): TeamsAddress {
  return {
    serviceUrl: sim.serviceUrl,
    tenantId: sim.tenantId,
    conversationId: TEAMS_SIM_CHANNEL,
    conversationType: 'channel',
    channelId: TEAMS_SIM_CHANNEL,
    ...overrides,
  };
}

beforeAll(async () => {
  sim = await new TeamsSim().start();
  const settings = settingsFor(sim);
  chat = new TeamsChat({
    adapter: adapterFor(sim, settings),
    render: testCard,
    backoff: { random: () => 0.5 },
  });
  channel = toConversation(address());
});

afterAll(async () => {
  await sim?.stop();
});

beforeEach(() => {
  sim.reset();
  // A fresh client: its thread windows and 429 blocks do not carry over from the previous test.
  chat = new TeamsChat({
    adapter: adapterFor(sim, settingsFor(sim)),
    render: testCard,
    backoff: { random: () => 0.5 },
  });
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

describe('posting to a channel', () => {
  it('a post without a thread opens a new top-level post; replies land in its thread; edits stay in place', async () => {
    const root = await chat.post(channel, view('Run r-1 started'));
    expect(root.channel).toBe(`${TEAMS_SIM_CHANNEL};messageid=${root.id}`);
    expect(sim.roots(TEAMS_SIM_CHANNEL).map((m) => m.id)).toEqual([root.id]);
    expect(sim.calls.map((c) => [c.op, c.status])).toEqual([['create', 201]]);

    const reply = await chat.post(channel, view('Check 1 failed'), root);
    expect(reply.channel).toBe(root.channel);
    expect(sim.thread(TEAMS_SIM_CHANNEL, root.id).map((m) => m.id)).toEqual([reply.id]);

    await chat.update(channel, root, view('Run r-1 failed'));
    const stored = sim.message(TEAMS_SIM_CHANNEL, root.id)!;
    expect(stored.edits).toBe(1);
    expect(stored.text).toBe('Run r-1 failed');
    expect(stored.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: { type: 'AdaptiveCard', version: '1.5' },
    });
    expect(sim.roots(TEAMS_SIM_CHANNEL)).toHaveLength(1);
  });

  it('a conversation that is a user’s thread (a command’s reply) posts into that thread', async () => {
    const userPost = sim.state.store({
      conversation: sim.conversation(TEAMS_SIM_CHANNEL),
      fromBot: false,
      from: { id: TEAMS_SIM_USERS.admin.id },
      text: '<at>Align Bot</at> test acme',
      attachments: [],
    });
    const threaded = toConversation(
      address({ conversationId: `${TEAMS_SIM_CHANNEL};messageid=${userPost.id}` }),
    );
    const root = await chat.post(threaded, view('Run r-2 started'));
    const reply = await chat.post(threaded, view('detail'), root);
    expect(sim.thread(TEAMS_SIM_CHANNEL, userPost.id).map((m) => m.id)).toEqual([root.id, reply.id]);
    expect(sim.roots(TEAMS_SIM_CHANNEL)).toHaveLength(1);
  });

  it('twenty quick edits of one message arrive in order, with no 429', async () => {
    const root = await chat.post(channel, view('edit 0'));
    const started = Date.now();
    for (let i = 1; i <= 20; i++) {
      // As the outbox would: a ChatRateLimited parks the job for that long, then it edits again.
      for (;;) {
        const error = await chat.update(channel, root, view(`edit ${i}`)).then(
          () => undefined,
          (e: Error) => e,
        );
        if (!error) break;
        expect(error).toBeInstanceOf(ChatRateLimited);
        await new Promise((r) => setTimeout(r, (error as ChatRateLimited).retryAfterMs));
      }
    }
    const message = sim.message(TEAMS_SIM_CHANNEL, root.id)!;
    expect(message.history.map((h) => h.text)).toEqual(Array.from({ length: 21 }, (_, i) => `edit ${i}`));
    expect(sim.calls.filter((c) => c.status === 429)).toEqual([]);
    // 21 writes under 8 per 2 s cannot take less than 4 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
  }, 60_000);
});

describe('errors', () => {
  it('429 without Retry-After: ChatRateLimited with a growing jittered backoff; botbuilder sent it once', async () => {
    const root = await chat.post(channel, view('start'));
    sim.injectFault({ kind: 'throttled-no-retry-after', op: 'update' });
    sim.injectFault({ kind: 'throttled-no-retry-after', op: 'update', nth: 2 });
    const first = await rejection(chat.update(channel, root, view('a')));
    expect(first).toBeInstanceOf(ChatRateLimited);
    expect((first as ChatRateLimited).retryAfterMs).toBe(750);
    await new Promise((r) => setTimeout(r, 800));
    const second = await rejection(chat.update(channel, root, view('b')));
    expect((second as ChatRateLimited).retryAfterMs).toBe(1500);
    expect(sim.calls.filter((c) => c.op === 'update').map((c) => c.status)).toEqual([429, 429]);
    await new Promise((r) => setTimeout(r, 1600));
    await chat.update(channel, root, view('c'));
    expect(sim.message(TEAMS_SIM_CHANNEL, root.id)!.text).toBe('c');
  });

  it('429 with Retry-After: ChatRateLimited for that long, and no SDK retry', async () => {
    sim.injectFault({ kind: 'throttled', op: 'create', retryAfterS: 3 });
    const error = await rejection(chat.post(channel, view('start')));
    expect(error).toBeInstanceOf(ChatRateLimited);
    expect((error as ChatRateLimited).retryAfterMs).toBe(3000);
    expect(sim.calls).toHaveLength(1);
  });

  it('412, 502 and 504: retryable delivery errors, each request sent exactly once', async () => {
    const root = await chat.post(channel, view('start'));
    // A 412 delivered nothing; after a 502 or a 504 Teams may have stored the message (outcome unknown).
    for (const [kind, reason, outcome] of [
      ['precondition-failed', 'precondition-failed', 'not-delivered'],
      ['bad-gateway', 'bad-gateway', 'unknown'],
      ['gateway-timeout', 'gateway-timeout', 'unknown'],
    ] as const) {
      sim.injectFault({ kind, op: 'send' });
      const error = await rejection(chat.post(channel, view(kind), root));
      expect(error).toBeInstanceOf(ChatDeliveryError);
      expect(error).toMatchObject({ reason, permanent: false, outcome });
    }
    expect(sim.calls.filter((c) => c.op === 'send').map((c) => c.status)).toEqual([412, 502, 504]);
  });

  it('accepted then 500: retryable, and the simulator kept the message (a retry would post it twice)', async () => {
    const root = await chat.post(channel, view('start'));
    sim.injectFault({ kind: 'accepted-then-500', op: 'send' });
    const error = await rejection(chat.post(channel, view('maybe'), root));
    expect(error).toMatchObject({
      reason: 'server-error',
      permanent: false,
      outcome: 'unknown',
      answered: true,
    });
    expect(sim.thread(TEAMS_SIM_CHANNEL, root.id).map((m) => m.text)).toEqual(['maybe']);
    expect(sim.calls.filter((c) => c.op === 'send')).toHaveLength(1);
  });

  it('a removed bot (403 BotNotInConversationRoster): permanent conversation-gone, one request', async () => {
    const root = await chat.post(channel, view('start'));
    sim.removeBot(TEAMS_SIM_CHANNEL);
    const error = await rejection(chat.update(channel, root, view('next')));
    expect(error).toBeInstanceOf(ChatDeliveryError);
    expect(error).toMatchObject({ reason: 'conversation-gone', permanent: true, status: 403 });
    expect(sim.calls.filter((c) => c.op === 'update')).toHaveLength(1);
  });

  it('blocked (403 MessageWritesBlocked) and 404 ConversationNotFound: permanent conversation-gone', async () => {
    sim.removeBot(TEAMS_SIM_CHANNEL, 'blocked');
    expect(await rejection(chat.post(channel, view('x')))).toMatchObject({
      reason: 'conversation-gone',
      permanent: true,
      teamsCode: 'MessageWritesBlocked',
    });
    const nowhere = toConversation(
      address({ conversationId: '19:deleted@thread.tacv2', channelId: '19:deleted@thread.tacv2' }),
    );
    expect(await rejection(chat.post(nowhere, view('x')))).toMatchObject({
      reason: 'conversation-gone',
      permanent: true,
      status: 404,
    });
  });

  it('a wrong outbound token is refused by the simulator (401): a retryable unauthorized', async () => {
    const settings = settingsFor(sim);
    const adapter = createTeamsAdapter(settings, {
      credentials: tokenCredentials(sim.appId, () => 'not-a-token'),
    });
    const impostor = new TeamsChat({ adapter, render: testCard });
    expect(await rejection(impostor.post(channel, view('x')))).toMatchObject({
      reason: 'unauthorized',
      permanent: false,
    });
    expect(sim.calls.map((c) => c.status)).toEqual([401]);
  });

  it('a conversation without a Teams address: permanent bad-address, nothing sent', async () => {
    const error = await rejection(
      chat.post({ platform: 'teams', channel: 'x', address: 'nonsense' }, view('x')),
    );
    expect(error).toMatchObject({ reason: 'bad-address', permanent: true });
    expect(sim.calls).toHaveLength(0);
  });
});

describe('private notes and service URL refresh', () => {
  it('postEphemeral in a channel goes to the user’s 1:1 chat when known, else is a permanent error', async () => {
    const references = new MemoryTeamsReferences();
    const withRefs = new TeamsChat({
      adapter: adapterFor(sim, settingsFor(sim)),
      render: testCard,
      references,
    });
    const aad = TEAMS_SIM_USERS.approver.aadObjectId;
    expect(await rejection(withRefs.postEphemeral(channel, aad, view('only you')))).toMatchObject({
      reason: 'no-private-chat',
      permanent: true,
    });
    const personal = sim.state.addConversation({
      id: 'a:approver-chat',
      type: 'personal',
      tenantId: sim.tenantId,
      members: [TEAMS_SIM_USERS.approver],
    });
    await references.remember(
      {
        serviceUrl: sim.serviceUrl,
        tenantId: sim.tenantId,
        conversationId: personal.id,
        conversationType: 'personal',
        botId: `28:${sim.appId}`,
        updatedAt: Date.now(),
      },
      aad,
    );
    await withRefs.postEphemeral(channel, aad, view('only you'));
    expect(sim.roots(personal.id).map((m) => m.text)).toEqual(['only you']);
  });

  it('an http:// service URL is refused outside the sandbox (the Bearer token must not travel in clear)', async () => {
    const insecure = toConversation(address({ serviceUrl: 'http://smba.example.net/amer/' }));
    expect(await rejection(chat.post(insecure, view('x')))).toMatchObject({
      reason: 'bad-address',
      permanent: true,
    });
  });

  it('uses the latest service URL the conversation’s activities carried', async () => {
    const open = await new TeamsSim({ auth: false }).start();
    try {
      const references = new MemoryTeamsReferences();
      const sandboxChat = new TeamsChat({
        adapter: adapterFor(open, settingsFor(open, { sandbox: true })),
        render: testCard,
        references,
      });
      await references.remember({
        serviceUrl: open.serviceUrl,
        tenantId: open.tenantId,
        conversationId: TEAMS_SIM_CHANNEL,
        conversationType: 'channel',
        botId: '28:',
        updatedAt: Date.now(),
      });
      const stale = toConversation(
        address({ serviceUrl: 'http://127.0.0.1:9/stale/', tenantId: open.tenantId }),
      );
      const ref = await sandboxChat.post(stale, view('fresh url'));
      expect(open.message(TEAMS_SIM_CHANNEL, ref.id)?.text).toBe('fresh url');
      expect(encodeAddress(address())).toMatch(/^teams1:/);
    } finally {
      await open.stop();
    }
  });
});
