/**
 * The Slack client's half of exactly-once posts (issue 12 item 1), over HTTP against the simulator and the fault
 * proxy: failures are told apart — nothing delivered (429, a refused connection, an `ok:false` answer) from outcome
 * unknown (accepted then 500, accepted then no answer) —, every post carries its metadata, the granted scopes decide
 * the lookup mode at start, and a lookup finds a post by its metadata in the channel or the thread, within Tier 1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatDeliveryError, ChatRateLimited } from '../../../src/chat/port.js';
import { SlackChat } from '../../../src/chat/slack/client.js';
import { POST_EVENT_TYPE } from '../../../src/chat/slack/history-lookup.js';
import type { Conversation } from '../../../src/core/run.js';
import { SLACK_SIM_SCOPES, SlackSim } from '../../../src/sandbox/slack-sim.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';
import { registerSecret } from '../../helpers/leaks.js';
import { freePort } from '../../helpers/process.js';

const HISTORY = ['channels:history', 'groups:history'];
const say = (text: string) => ({ text, blocks: [{ type: 'text' as const, text: [text] }] });
const here: Conversation = { platform: 'slack', channel: 'CONCE' };

let sim: SlackSim;
let proxy: FaultProxy;

beforeAll(async () => {
  sim = await new SlackSim({ historyPerMinute: 2 }).start();
  registerSecret(sim.botToken, 'Slack bot token');
  proxy = await new FaultProxy(sim.url).start();
});

afterEach(() => {
  sim.reset();
  sim.scopes = [...SLACK_SIM_SCOPES];
  proxy.plan = () => undefined;
});

afterAll(async () => {
  await proxy?.stop();
  await sim?.stop();
});

function chat(options: { apiUrl?: string; timeoutMs?: number; perMinute?: number } = {}) {
  return new SlackChat({
    token: sim.botToken,
    apiUrl: options.apiUrl ?? proxy.apiUrl,
    timeoutMs: options.timeoutMs ?? 2000,
    historyLookupsPerMinute: options.perMinute ?? 2,
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error,
  );
}

describe('what a failed post may have delivered', () => {
  it('accepted then 500: outcome unknown (answered), and Slack holds the message with its metadata', async () => {
    proxy.plan = ({ method }) => (method === 'chat.postMessage' ? 'accepted-then-500' : undefined);
    const error = await failure(chat().post(here, say('once'), undefined, { runId: 'r-a1', key: 'root' }));
    expect(error).toBeInstanceOf(ChatDeliveryError);
    expect(error).toMatchObject({ outcome: 'unknown', answered: true, permanent: false, reason: 'http-500' });
    expect(sim.channel(here.channel)).toHaveLength(1);
    expect(sim.channel(here.channel)[0]!.metadata).toEqual({
      event_type: POST_EVENT_TYPE,
      event_payload: { run_id: 'r-a1', key: 'root' },
    });
  });

  it('accepted then no answer: the client times out, outcome unknown (not answered)', async () => {
    proxy.plan = ({ method }) => (method === 'chat.postMessage' ? 'accepted-then-silence' : undefined);
    const started = Date.now();
    const error = await failure(chat({ timeoutMs: 400 }).post(here, say('slow')));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ outcome: 'unknown', answered: false, reason: 'timeout' });
    expect(sim.channel(here.channel)).toHaveLength(1);
  });

  it('nothing delivered: a 500 before Slack got it is still unknown; a refused connection, 429 and ok:false are not', async () => {
    proxy.plan = ({ method }) => (method === 'chat.postMessage' ? 'refused-500' : undefined);
    expect(await failure(chat().post(here, say('x')))).toMatchObject({ outcome: 'unknown' });
    expect(sim.channel(here.channel)).toHaveLength(0);

    const closed = `http://127.0.0.1:${await freePort()}/api/`;
    expect(await failure(chat({ apiUrl: closed }).post(here, say('x')))).toMatchObject({
      outcome: 'not-delivered',
      reason: 'network:ECONNREFUSED',
    });
    proxy.plan = () => undefined;
    sim.injectFault({ method: 'chat.postMessage', nth: 1, status: 429, retryAfterS: 2 });
    expect(await failure(chat().post(here, say('x')))).toBeInstanceOf(ChatRateLimited);
    expect(await failure(chat().post({ ...here, channel: '' }, say('x')))).toMatchObject({
      outcome: 'not-delivered',
      reason: 'channel_not_found',
      permanent: true,
    });
  });

  it('the simulator’s own accepted faults: stored, then 500 or no answer', async () => {
    sim.injectFault({ method: 'chat.postMessage', nth: 1, status: 500, accepted: 'answer' });
    expect(await failure(chat({ apiUrl: sim.apiUrl }).post(here, say('a')))).toMatchObject({
      outcome: 'unknown',
    });
    sim.injectFault({ method: 'chat.postMessage', nth: 1, status: 500, accepted: 'no-answer' });
    expect(await failure(chat({ apiUrl: sim.apiUrl, timeoutMs: 300 }).post(here, say('b')))).toMatchObject({
      outcome: 'unknown',
      reason: 'timeout',
    });
    expect(sim.channel(here.channel).map((m) => m.text)).toEqual(['a', 'b']);
  });
});

describe('the lookup mode, from the scopes Slack reports', () => {
  it('no history scope: off, and the start-up line says what to add', async () => {
    const mode = await chat().lookup.check();
    expect(mode.on).toBe(false);
    expect(mode.message).toContain('at most one duplicate');
    expect(mode.message).toContain('channels:history and groups:history');
  });

  it('both scopes: on; one: on for that kind of channel; SLACK_HISTORY_LOOKUPS_PER_MINUTE=0: off', async () => {
    sim.scopes.push(...HISTORY);
    expect(await chat().lookup.check()).toMatchObject({ on: true, scopes: HISTORY });
    sim.scopes = [...SLACK_SIM_SCOPES, 'channels:history'];
    const partial = await chat().lookup.check();
    expect(partial.on).toBe(true);
    expect(partial.message).toContain('groups:history is missing, so private channels fall back');
    sim.scopes.push('groups:history');
    expect(await chat({ perMinute: 0 }).lookup.check()).toMatchObject({ on: false });
    expect(sim.callsOf('auth.test')).toHaveLength(2);
  });
});

describe('finding a post again', () => {
  it('a root in the channel and a reply in its thread, by metadata; another key is absent', async () => {
    sim.scopes.push(...HISTORY);
    const slack = chat();
    const at = Date.now();
    const root = await slack.post(here, say('root'), undefined, { runId: 'r-f1', key: 'root' });
    const reply = await slack.post(here, say('reply'), root, { runId: 'r-f1', key: 'fail:a' });
    await slack.post(here, say('other'), undefined, { runId: 'r-f2', key: 'root' });

    expect(await slack.lookup.find(here, { runId: 'r-f1', key: 'root' }, at)).toEqual({
      kind: 'found',
      ref: root,
    });
    expect(await slack.lookup.find(here, { runId: 'r-f1', key: 'fail:a' }, at, root)).toEqual({
      kind: 'found',
      ref: reply,
    });
    const history = sim.callsOf('conversations.history')[0]!.args;
    expect(history).toMatchObject({ include_all_metadata: 'true', limit: '15', inclusive: 'true' });
    // Tier 1 in the simulator: two calls a minute per method here.
    sim.historyLimit.perMinute = 3;
    expect(await slack.lookup.find(here, { runId: 'r-f1', key: 'fail:b' }, at, root)).toEqual({
      kind: 'absent',
    });
    expect(await slack.lookup.find(here, { runId: 'r-f9', key: 'root' }, at)).toEqual({ kind: 'absent' });
    expect(await slack.lookup.find(here, { runId: 'r-f9', key: 'root' }, at)).toEqual({ kind: 'absent' });
    expect(await failure(slack.lookup.find(here, { runId: 'r-f9', key: 'root' }, at))).toBeInstanceOf(
      ChatRateLimited,
    );
  });

  it('cannot tell: no scope for a private channel, or a page full of other messages', async () => {
    sim.scopes.push('channels:history');
    sim.privateChannels.add('GSECRET');
    sim.historyLimit.perMinute = 100;
    const slack = chat();
    const at = Date.now();
    expect(
      await slack.lookup.find({ ...here, channel: 'GSECRET' }, { runId: 'r-p', key: 'root' }, at),
    ).toEqual({
      kind: 'unavailable',
      reason: 'missing_scope',
    });
    const mine = await slack.post(here, say('mine'), undefined, { runId: 'r-busy', key: 'root' });
    expect(mine.id).toBeDefined();
    for (let i = 0; i < 16; i += 1)
      sim.messages.push({ ...sim.messages.at(-1)!, ts: `${Date.now() / 1000 + i}`, metadata: undefined });
    expect(await slack.lookup.find(here, { runId: 'r-busy', key: 'root' }, at)).toEqual({
      kind: 'unavailable',
      reason: 'busy_channel',
    });
  });

  it('metadata comes back only with include_all_metadata', async () => {
    sim.scopes.push(...HISTORY);
    await chat().post(here, say('m'), undefined, { runId: 'r-m', key: 'root' });
    const plain = await chat().client.conversations.history({ channel: here.channel });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    expect(plain.response_metadata?.scopes).toEqual(sim.scopes);
  });
});
