/**
 * Issue 13, "Works in Slack and Teams alike": a short maintenance window run by the whole bot through the Teams
 * simulator (JWT-signed activities to the real CloudAdapter), on a clock the test moves. The command's root card
 * answers in the command's thread; the Deactivate ask arrives as a card in that thread and Done is clicked through
 * an Action.Execute invoke (a toast to the clicker), and the note that Jira Align edits should wait is a post of
 * its own in the channel, as in Slack; the run waits out the window, finds Jira back, asks Activate in the thread
 * and ends with a verified test. window.test.ts runs the same window through Slack at length.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAMS_SIM_CHANNEL } from '../../../src/sandbox/teams-sim.js';
import { type BotHarness, startBot, TEAMS_USERS } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { cardOf, cardText, clickTeams, mention, openTeamsAsk, type Sim } from '../teams/drive.js';
import { alignedConnector, localIso, step, TestClock, until, wakeAt, wholeMinute } from './world.js';

const MIN = 60_000;
const TZ = 'Europe/Berlin';
const TOAST = 'application/vnd.microsoft.activity.message';
const { admin } = TEAMS_USERS;
const clock = new TestClock();
let bot: BotHarness;
let sim: Sim;

beforeAll(async () => {
  bot = await startBot({ prefix: testPrefix('maint-teams'), teams: true, connectors: [], clock });
  sim = bot.teams!.sim;
  await alignedConnector(bot, 'acme');
});

afterAll(async () => {
  await bot.stop();
});

/** The card text of a bot message in the channel, read afresh (the outbox edits cards in place). */
function textOf(id: string): string {
  return cardText(cardOf(sim.message(TEAMS_SIM_CHANNEL, id) ?? { attachments: [] }));
}

describe('a maintenance window in Teams', () => {
  it('the Deactivate ask as a card in the thread, Done by an invoke, then Activate and a verified test', async () => {
    const from = wholeMinute(clock.now() + 30 * MIN);
    const end = from + 30 * MIN;
    const sent = await mention(
      sim,
      `maintenance acme --from ${localIso(from, TZ)} --until ${localIso(end, TZ)} --tz ${TZ}`,
      admin,
    );
    const runId = sent.runId!;
    // The answer to the command: the window's confirmation, in the command's thread (Teams has no ephemeral
    // messages); the run's root card follows in the same thread.
    expect(runId).toMatch(/^r-/);
    expect(cardText(cardOf(sent.root!))).toContain(`Maintenance window ${runId} scheduled for acme`);
    const thread = () => sim.thread(TEAMS_SIM_CHANNEL, sent.activityId);
    const root = await waitFor(
      () => thread().find((m) => m.fromBot && textOf(m.id).includes('maintenance acme: scheduled')),
      { what: 'the root card in the thread' },
    );

    // Lead time: the Deactivate ask, a card in the command's thread with Action.Execute buttons.
    await until(bot, runId, 'parked until the prompt', (r) => r.state === 'waiting');
    await wakeAt(bot, clock, runId, from - 15 * MIN + 1000);
    const deactivate = await openTeamsAsk(sim, runId, 'deactivate');
    expect(deactivate.message.threadId).toBe(sent.activityId);
    expect(deactivate.verbs).toEqual(['align.done', 'align.notyet']);
    expect(cardText(cardOf(deactivate.message))).toContain('Deactivate');
    // The heads-up to the channel: a post of its own, not in the thread.
    const note = await waitFor(
      () =>
        sim
          .roots(TEAMS_SIM_CHANNEL)
          .find((m) => m.fromBot && textOf(m.id).includes('hold edits in Jira Align')),
      { what: 'the note to the channel' },
    );
    expect(textOf(note.id)).toContain('Jira maintenance for connector acme');

    const clicked = await clickTeams(sim, deactivate, 'done', admin);
    expect(clicked.status).toBe(200);
    expect(clicked.body).toMatchObject({ statusCode: 200, type: TOAST });
    await until(bot, runId, 'deactivated', (r) => step(r, 'deactivate').status === 'pass');

    // The window, then Jira answers at once: the Activate ask in the same thread.
    await wakeAt(bot, clock, runId, from + 1000);
    await until(bot, runId, 'in the window', (r) => step(r, 'window').status === 'running');
    await wakeAt(bot, clock, runId, end + 1000);
    const activate = await openTeamsAsk(sim, runId, 'activate');
    expect(activate.message.threadId).toBe(sent.activityId);
    expect(cardText(cardOf(activate.message))).toContain('Activate');
    expect((await clickTeams(sim, activate, 'done', admin)).body).toMatchObject({ type: TOAST });

    const run = await until(bot, runId, 'verified', (r) => r.state === 'succeeded');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['deactivate', 'pass'],
      ['window', 'pass'],
      ['jira-back', 'pass'],
      ['activate', 'pass'],
      ['verify', 'pass'],
    ]);
    expect(step(run, 'verify').detail).toMatch(/checks passed/);
    await waitFor(() => textOf(root.id).includes('maintenance acme: passed'), {
      what: 'the root card says passed',
    });
    await waitFor(() => textOf(note.id).includes('is over'), { what: 'the channel note edited' });
    // The run's cards stayed in the command's thread; the note alone is a post of its own in the channel.
    const ids = thread().map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([sent.root!.id, root.id, deactivate.message.id, activate.message.id]),
    );
    expect(ids).not.toContain(note.id);
    expect(thread().every((m) => m.fromBot)).toBe(true);
  }, 30_000);
});
