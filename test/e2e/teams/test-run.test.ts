/**
 * `@Align Bot test …` end to end in Teams: the Bot Connector simulator sends JWT-signed activities (its own JWKS)
 * to the whole bot's real CloudAdapter; the root card is the reply to the command, in the command's thread, edited
 * in place as the run goes; a failed check's diagnosis is a reply in the same thread. A 1:1 chat and a command
 * typed inside an existing thread work the same way; a scheduled report opens a new top-level post.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportScheduler } from '../../../src/queue/report-scheduler.js';
import { TEAMS_SIM_CHANNEL } from '../../../src/sandbox/teams-sim.js';
import type { TeamsSimMessage } from '../../../src/sandbox/teams-sim-state.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { type BotHarness, startBot, TEAMS_USERS } from '../../helpers/bot.js';
import { REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { cardOf, cardText, mention, type Sim } from './drive.js';

const prefix = testPrefix('teams-run');
let bot: BotHarness;
let sim: Sim;

beforeAll(async () => {
  bot = await startBot({
    prefix,
    teams: true,
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
    ],
  });
  sim = bot.teams!.sim;
});

afterAll(async () => {
  await bot.stop();
});

const finished = (m: TeamsSimMessage) => /passed|failed/.test(cardText(cardOf(m))) && !/running/.test(m.text);

describe('@Align Bot test in a channel', () => {
  it('a broken site: the root card answers in the thread, is edited in place, and the diagnosis follows in the thread', async () => {
    const roots = sim.roots(TEAMS_SIM_CHANNEL).length;
    const sent = await mention(sim, 'test globex', TEAMS_USERS.operator);
    expect(sent.ms).toBeLessThan(3000);
    // The answer to the command is the run's root card itself, a reply under the user's post, naming the
    // requester by the name Teams gave (never by their Entra object id).
    expect(cardText(cardOf(sent.root!))).toContain(`requested by @${TEAMS_USERS.operator.name}`);
    expect(cardText(cardOf(sent.root!))).not.toContain(TEAMS_USERS.operator.aadObjectId);
    expect(sent.root?.fromBot).toBe(true);
    expect(sent.runId).toMatch(/^r-/);
    const root = sent.root!;
    await waitFor(() => finished(sim.message(TEAMS_SIM_CHANNEL, root.id)!), {
      what: 'the root card edited to its final state',
      timeoutMs: 20_000,
    });
    const final = sim.message(TEAMS_SIM_CHANNEL, root.id)!;
    expect(final.edits).toBeGreaterThan(0);
    expect(cardText(cardOf(final))).toContain('failed');
    expect(cardText(cardOf(final))).toContain('JIRA_AUTH_REJECTED');
    const diagnosis = await waitFor(() =>
      sim.thread(TEAMS_SIM_CHANNEL, sent.activityId).find((m) => m.id !== root.id),
    );
    expect(cardText(cardOf(diagnosis))).toContain('JIRA_AUTH_REJECTED');
    expect(cardText(cardOf(diagnosis))).toContain('Fix (on Jira)');
    // Everything in the user's thread: no top-level post by the bot, one root card (the outbox edits the card
    // that answered the command instead of posting its own) and one diagnosis.
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.thread(TEAMS_SIM_CHANNEL, sent.activityId).map((m) => m.id)).toEqual([root.id, diagnosis.id]);
    expect(sim.roots(TEAMS_SIM_CHANNEL)).toHaveLength(roots + 1);
    expect(sim.thread(TEAMS_SIM_CHANNEL, sent.activityId)[0]!.id).toBe(root.id);
    expect(sim.thread(TEAMS_SIM_CHANNEL, sent.activityId).every((m) => m.fromBot)).toBe(true);
    // The card alone, with a plain summary for notifications: a `text` beside it would be a second body (the
    // Agents Playground splits such a message in two and answers without an id, so it could not be edited).
    const answer = sim.calls.find((c) => c.op === 'send' && c.activityId === root.id)!;
    expect(answer.body).not.toHaveProperty('text');
    expect(answer.body).toMatchObject({ summary: expect.stringContaining('test globex') });
    // The Adaptive Card is what Teams draws: schema 1.5, no markdown text.
    expect(cardOf(final)).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
  });

  it('a healthy site: one root card, edited to passed, no other reply', async () => {
    const sent = await mention(sim, 'test acme', TEAMS_USERS.operator);
    const root = sent.root!;
    await waitFor(() => finished(sim.message(TEAMS_SIM_CHANNEL, root.id)!), { timeoutMs: 20_000 });
    expect(cardText(cardOf(sim.message(TEAMS_SIM_CHANNEL, root.id)!))).toContain('passed');
    await new Promise((r) => setTimeout(r, 800));
    expect(sim.thread(TEAMS_SIM_CHANNEL, sent.activityId).map((m) => m.id)).toEqual([root.id]);
  });

  it('typed as a reply inside an existing thread: the root card and the replies stay in that thread', async () => {
    const first = await mention(sim, 'help', TEAMS_USERS.operator);
    const thread = first.activityId;
    const before = sim.thread(TEAMS_SIM_CHANNEL, thread).length;
    const sent = await sim.mention({ text: 'test globex', user: TEAMS_USERS.operator, threadId: thread });
    expect(sent.status).toBe(200);
    expect(sent.conversationId).toBe(`${TEAMS_SIM_CHANNEL};messageid=${thread}`);
    const replies = await waitFor(() => {
      const bot = sim.thread(TEAMS_SIM_CHANNEL, thread).filter((m) => m.fromBot);
      return bot.length >= 3 ? bot : undefined;
    });
    const root = replies[1]!;
    expect(cardText(cardOf(root))).toMatch(/r-[a-z0-9]+/);
    await waitFor(() => finished(sim.message(TEAMS_SIM_CHANNEL, root.id)!), { timeoutMs: 20_000 });
    expect(sim.thread(TEAMS_SIM_CHANNEL, thread).length).toBeGreaterThan(before + 2);
  });

  it('an operator may not start an admin command: the refusal answers in the thread, nothing starts', async () => {
    const sent = await mention(sim, 'rotate acme', TEAMS_USERS.operator);
    expect(cardText(cardOf(sent.root!))).toContain('🔒');
    expect(sent.runId).toBeUndefined();
  });
});

describe('@Align Bot test in a 1:1 chat', () => {
  it('the root card answers in the chat and is edited in place', async () => {
    const sent = await sim.personal({ text: 'test acme', user: TEAMS_USERS.operator });
    expect(sent.status).toBe(200);
    const messages = () => sim.roots(sent.conversationId).filter((m) => m.fromBot);
    const root = await waitFor(() => messages()[0]);
    await waitFor(() => finished(sim.message(sent.conversationId, root.id)!), { timeoutMs: 20_000 });
    expect(messages()).toHaveLength(1);
  });
});

describe('a scheduled report', () => {
  it('is scheduled for the channel, not the thread it was asked in, and posts as a new top-level post', async () => {
    const sent = await mention(sim, 'report schedule "0 9 * * 1-5" --tz Europe/Berlin', TEAMS_USERS.admin);
    expect(cardText(cardOf(sent.root!))).toContain('Fleet report scheduled');
    const redis = new Redis(REDIS_URL);
    const scheduler = new ReportScheduler(redis, new RedisKeys(prefix), prefix);
    try {
      const [schedule] = await scheduler.list();
      expect(schedule!.conversation).toMatchObject({ platform: 'teams', channel: TEAMS_SIM_CHANNEL });
      expect(schedule!.conversation).not.toHaveProperty('thread');
      // Fire it now: the same schedule at a short interval (as the benchmark does).
      const roots = sim.roots(TEAMS_SIM_CHANNEL).length;
      await scheduler.upsert({ ...schedule!, cron: undefined, everyMs: 1500 });
      const report = await waitFor(
        () =>
          sim
            .roots(TEAMS_SIM_CHANNEL)
            .slice(roots)
            .find((m) => m.fromBot && /Fleet report/.test(cardText(cardOf(m)))),
        { what: 'a report as a new channel post', timeoutMs: 30_000 },
      );
      expect(report.threadId).toBe(report.id);
      expect(sim.calls.some((c) => c.op === 'create' && c.activityId === report.id)).toBe(true);
      await scheduler.remove(schedule!.conversation);
    } finally {
      await scheduler.close();
      redis.disconnect();
    }
  });
});
