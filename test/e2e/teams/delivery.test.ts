/**
 * Proactive delivery to Teams through the outbox, against the simulator's limits and faults: twenty quick
 * messages to one thread arrive in order without a 429 and without needless spacing; seventy channels of one
 * tenant at once stay within the tenant’s 50 per second; a 429 without Retry-After
 * is retried after a jittered backoff and delivers once; a removed bot (403) is written to once, then never again
 * by any run — its requester is told in their 1:1 chat and the audit says so.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatRateLimited } from '../../../src/chat/port.js';
import { toConversation } from '../../../src/chat/teams/address.js';
import { teamsPlatform } from '../../../src/chat/teams/platform.js';
import type { TeamsSettings } from '../../../src/chat/teams/settings.js';
import type { Run } from '../../../src/core/run.js';
import type { MessageView, RunView } from '../../../src/core/views/view.js';
import { createLogger } from '../../../src/logger.js';
import { syncRun } from '../../../src/queue/outbox.js';
import { Pacer, PaceWait } from '../../../src/queue/pacer.js';
import { ReportScheduler } from '../../../src/queue/report-scheduler.js';
import { TEAMS_SIM_CHANNEL } from '../../../src/sandbox/teams-sim.js';
import type { TeamsSimMessage } from '../../../src/sandbox/teams-sim-state.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { type BotHarness, startBot, TEAMS_USERS } from '../../helpers/bot.js';
import { REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { cardOf, cardText, mention, type Sim } from './drive.js';

const prefix = testPrefix('teams-delivery');
let bot: BotHarness;
let sim: Sim;
const redis = new Redis(REDIS_URL);

beforeAll(async () => {
  bot = await startBot({
    prefix,
    teams: true,
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
      { name: 'slowco', host: 'slowco.atlassian.net', setup: (s) => (s.latencyMs = 250) },
    ],
  });
  sim = bot.teams!.sim;
});

afterAll(async () => {
  redis.disconnect();
  await bot.stop();
});

const view = (text: string): MessageView => ({ text, blocks: [{ type: 'text', text: [text] }] });
const finished = (m: TeamsSimMessage) => /passed|failed/.test(cardText(cardOf(m)));

/** The outbox's sync, waiting out pacing and 429s in-process as its queue would (moveToDelayed). */
async function syncToEnd(runId: string, viewOf: (run: Run) => RunView) {
  const chat = teamsPlatform.chat(bot.config.platforms.teams as TeamsSettings, {
    redis,
    keys: new RedisKeys(prefix),
    logger: createLogger('silent'),
    roles: bot.config.roles,
  });
  const deps = {
    runs: bot.web!.runs,
    deliveries: bot.web!.deliveries,
    pacer: new Pacer(redis, new RedisKeys(prefix)),
    chatFor: () => chat,
    viewOf,
    logger: createLogger('silent'),
  };
  for (;;) {
    try {
      return await syncRun(runId, deps);
    } catch (error) {
      const wait =
        error instanceof PaceWait
          ? error.waitMs
          : error instanceof ChatRateLimited
            ? error.retryAfterMs
            : undefined;
      if (wait === undefined) throw error;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

describe('pacing per thread', () => {
  it('twenty quick replies to one thread arrive in order, within Teams’ windows, without needless spacing', async () => {
    // A channel of its own: the windows it fills do not slow the other tests.
    const channel = sim.addChannel('19:twenty@thread.tacv2').id;
    const sent = await mention(sim, 'test acme', TEAMS_USERS.operator, channel);
    const base = (await bot.web!.runs.get(sent.runId!))!;
    await waitFor(() => finished(sim.message(channel, sent.root!.id)!), { timeoutMs: 20_000 });
    const run: Run = { ...base, id: `${base.id}x`, steps: [], state: 'running' };
    await bot.web!.runs.create(run);
    const keys = Array.from({ length: 20 }, (_, i) => `k${String(i + 1).padStart(2, '0')}`);
    const callsBefore = sim.calls.length;
    const started = Date.now();
    await syncToEnd(run.id, () => ({
      root: view('twenty replies'),
      replies: keys.map((key) => ({ key, message: view(`reply ${key}`) })),
    }));
    const ms = Date.now() - started;
    const all = sim.calls.slice(callsBefore);
    expect(all.filter((c) => c.status === 429)).toEqual([]);
    const calls = all.filter((c) =>
      /^(reply k|twenty)/.test(String((c.body as { summary?: string }).summary)),
    );
    expect(calls).toHaveLength(21);
    const replies = sim.thread(channel, sent.activityId).filter((m) => /^reply k/.test(m.text));
    expect(replies.map((m) => m.text)).toEqual(keys.map((k) => `reply ${k}`));
    // 21 sends at 8 per 2 s need at least 4 s; the outbox spacing posts 1 s apart would have taken 20 s.
    expect(ms).toBeGreaterThan(3500);
    expect(ms).toBeLessThan(12_000);
    const times = calls.map((c) => c.at);
    for (let i = 8; i < times.length; i += 1) expect(times[i]! - times[i - 8]!).toBeGreaterThanOrEqual(2000);
  });
});

describe('pacing per tenant', () => {
  it('seventy channels of one tenant at once: all delivered, never more than 50 writes in a second, no 429', async () => {
    const chat = teamsPlatform.chat(bot.config.platforms.teams as TeamsSettings, {
      redis,
      keys: new RedisKeys(prefix),
      logger: createLogger('silent'),
      roles: bot.config.roles,
    });
    const channels = Array.from({ length: 70 }, (_, i) => sim.addChannel(`19:tenant${i}@thread.tacv2`).id);
    const callsBefore = sim.calls.length;
    const started = Date.now();
    await Promise.all(
      channels.map((channel) =>
        chat.post(
          toConversation({
            serviceUrl: sim.serviceUrl,
            tenantId: sim.tenantId,
            conversationId: channel,
            conversationType: 'channel',
            channelId: channel,
          }),
          view(`tenant post ${channel}`),
        ),
      ),
    );
    const ms = Date.now() - started;
    const ours = new Set(channels);
    const writes = sim.calls
      .slice(callsBefore)
      .filter((c) => c.op !== undefined && ours.has(String(c.conversationId).split(';')[0] ?? ''));
    expect(writes.filter((c) => c.status === 429)).toEqual([]);
    expect(writes).toHaveLength(70);
    for (const channel of channels)
      expect(sim.roots(channel).map((m) => m.text)).toEqual([`tenant post ${channel}`]);
    const times = writes.map((c) => c.at).sort((a, b) => a - b);
    // Slots are taken as calls leave (1.35 s windows, withMargin); on a loaded machine the first calls can arrive a
    // few hundred ms late, so arrivals are held to 0.7 s. Without the tenant limiter all 70 arrive within ~0.1 s.
    for (let i = 50; i < times.length; i += 1) expect(times[i]! - times[i - 50]!).toBeGreaterThanOrEqual(700);
    // 70 writes at 50 per second need more than one second, and the limiter should not make them wait much longer.
    expect(ms).toBeGreaterThan(1000);
    expect(ms).toBeLessThan(8000);
  });
});

describe('the root card a command was answered with', () => {
  it('is reserved before the job exists: the outbox waits for it, then edits it, and never posts a root of its own', async () => {
    const sent = await mention(sim, 'test acme', TEAMS_USERS.operator);
    const base = (await bot.web!.runs.get(sent.runId!))!;
    const run: Run = { ...base, id: `${base.id}r`, steps: [], state: 'running' };
    await bot.web!.runs.create(run);
    await bot.web!.deliveries.reserveRoot(run.id, 5000);
    const writes: string[] = [];
    const chat = {
      platform: 'teams',
      commandPrefix: '@Align Bot',
      pacing: { postIntervalMs: 0, updateIntervalMs: 0 },
      post: async () => {
        writes.push('post');
        return { channel: 'c', id: `m${writes.length}` };
      },
      update: async () => void writes.push('update'),
      postEphemeral: async () => undefined,
    };
    const deps = {
      runs: bot.web!.runs,
      deliveries: bot.web!.deliveries,
      pacer: new Pacer(redis, new RedisKeys(prefix)),
      chatFor: () => chat,
      viewOf: () => ({ root: view('running'), replies: [] }),
      logger: createLogger('silent'),
    };
    await expect(syncRun(run.id, deps)).rejects.toBeInstanceOf(PaceWait);
    expect(writes).toEqual([]);
    await bot.web!.deliveries.setRoot(run.id, { ref: { channel: 'c', id: 'answer' }, hash: 'queued' });
    await syncRun(run.id, deps);
    expect(writes).toEqual(['update']);
    // A released reservation (the answer could not be sent): the outbox posts the root itself.
    const other: Run = { ...run, id: `${base.id}s` };
    await bot.web!.runs.create(other);
    await bot.web!.deliveries.reserveRoot(other.id, 5000);
    await bot.web!.deliveries.releaseRoot(other.id);
    await syncRun(other.id, deps);
    expect(writes).toEqual(['update', 'post']);
  });
});

describe('429 and a removed bot', () => {
  it('a 429 without Retry-After on an edit: retried after a jittered backoff, the root ends final, once', async () => {
    const sent = await mention(sim, 'test globex', TEAMS_USERS.operator);
    const root = sent.root!;
    const from = sim.calls.length;
    sim.injectFault({ kind: 'throttled-no-retry-after', op: 'update' });
    await waitFor(() => finished(sim.message(TEAMS_SIM_CHANNEL, root.id)!), { timeoutMs: 20_000 });
    const throttled = await waitFor(() =>
      sim.calls.slice(from).find((c) => c.op === 'update' && c.status === 429),
    );
    const retry = await waitFor(() =>
      sim.calls.find((c) => c.at > throttled.at && c.activityId === throttled.activityId && c.status === 200),
    );
    // No Retry-After: the backoff (0.5–1 s for the first 429 of a thread) decides, not an immediate retry.
    expect(retry.at - throttled.at).toBeGreaterThanOrEqual(450);
    expect(sim.calls.filter((c) => c.activityId === throttled.activityId && c.status === 429)).toHaveLength(
      1,
    );
    const thread = await waitFor(() => {
      const t = sim.thread(TEAMS_SIM_CHANNEL, sent.activityId);
      return t.length >= 2 ? t : undefined;
    });
    expect(thread.filter((m) => /JIRA_AUTH_REJECTED/.test(cardText(cardOf(m))))).toHaveLength(2);
    expect(thread).toHaveLength(2);
  });

  it('a removed bot (403): one refused write, then no write to that conversation from any run; the requester is told', async () => {
    const channel = '19:removed@thread.tacv2';
    sim.addChannel(channel);
    // The requester wrote to the bot 1:1 before: that is where they hear of it.
    await sim.personal({ text: 'help', user: TEAMS_USERS.admin });
    const personal = `a:sim-personal-${TEAMS_USERS.admin.id.replace(/\W/g, '')}`;
    const sent = await mention(sim, 'test slowco', TEAMS_USERS.admin, channel);
    expect(sent.root?.fromBot).toBe(true);
    sim.removeBot(channel);
    const calls = () => sim.calls.filter((c) => c.conversationId?.startsWith(channel));
    await waitFor(() => calls().find((c) => c.status === 403), {
      what: 'a refused write',
      timeoutMs: 20_000,
    });
    await waitFor(async () => (await bot.web!.runs.get(sent.runId!))?.state === 'succeeded', {
      timeoutMs: 20_000,
    });
    // Another run to the same channel: a scheduled report fires, and writes nothing either.
    const scheduler = new ReportScheduler(redis, new RedisKeys(prefix), prefix);
    const run = (await bot.web!.runs.get(sent.runId!))!;
    const { thread: _thread, ...conversation } = run.conversation;
    await scheduler.upsert({
      conversation,
      everyMs: 1000,
      tz: 'UTC',
      onlyChanges: false,
      requestedBy: run.requestedBy,
    });
    await new Promise((r) => setTimeout(r, 3500));
    await scheduler.remove(conversation);
    await scheduler.close();
    const writes = calls();
    expect(writes.filter((c) => c.status === 403)).toHaveLength(1);
    expect(writes.filter((c) => c.status !== 403 && c.at > writes.find((w) => w.status === 403)!.at)).toEqual(
      [],
    );
    const notice = await waitFor(() =>
      sim.roots(personal).find((m) => m.fromBot && /can no longer post/.test(cardText(cardOf(m)))),
    );
    expect(cardText(cardOf(notice))).toContain('BotNotInConversationRoster');
    const audit = await bot.web!.audit.recent({ limit: 100 });
    expect(audit.filter((e) => e.action === 'teams conversation gone')).toHaveLength(1);
    expect(audit.find((e) => e.action === 'teams conversation gone')!.detail).toContain(
      TEAMS_USERS.admin.aadObjectId,
    );
  });

  it('an activity from the conversation again (the app added back) clears the mark: delivery resumes', async () => {
    const channel = '19:readded@thread.tacv2';
    sim.addChannel(channel);
    const first = await mention(sim, 'test slowco', TEAMS_USERS.admin, channel);
    sim.removeBot(channel);
    await waitFor(() => sim.calls.find((c) => c.conversationId?.startsWith(channel) && c.status === 403), {
      timeoutMs: 20_000,
    });
    await waitFor(async () => (await bot.web!.runs.get(first.runId!))?.state === 'succeeded');
    sim.conversation(channel).botInRoster = true;
    const again = await mention(sim, 'test acme', TEAMS_USERS.admin, channel);
    expect(again.root?.fromBot).toBe(true);
    await waitFor(() => finished(sim.message(channel, again.root!.id)!), { timeoutMs: 20_000 });
  });
});
