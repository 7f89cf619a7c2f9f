/**
 * Issue 13, end to end through Slack, real Redis and the simulators, on a clock the test moves: a whole
 * maintenance window — the Deactivate prompt before it with a note to the channel and a reminder, "in maintenance"
 * in a report and a test during it, Jira down and then up after it, the Activate prompt, the final full test with
 * Jira Align's sync errors — and a window where nobody activates the connector: reminders, an escalation that
 * mentions the admins, the run ending "still deactivated", and the next report highlighting it. The workers are
 * restarted while the first window waits for its prompt time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remindersOf } from '../../../src/core/runbooks/maintenance.js';
import { createLogger } from '../../../src/logger.js';
import { connectInfra, type Infra, type Stoppable, startWorkers } from '../../../src/services.js';
import { ADMIN, type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { click, openAsk } from '../../helpers/guided.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import {
  alignedConnector,
  command,
  localIso,
  messageWith,
  runOf,
  step,
  TestClock,
  text,
  until,
  wakeAt,
  wholeMinute,
} from './world.js';

const MIN = 60_000;
const TZ = 'Europe/Berlin';
const clock = new TestClock();
let bot: BotHarness;
let acme: Awaited<ReturnType<typeof alignedConnector>>;

let worker: { infra: Infra; workers: Stoppable } | undefined;

/** Workers of our own, so a test can restart them while a window waits. */
async function startWorker() {
  const infra = await connectInfra(bot.config, createLogger('silent'), 'worker');
  infra.clock = clock;
  worker = { infra, workers: await startWorkers(infra) };
}

async function stopWorker() {
  await worker?.workers.close();
  await worker?.infra.close();
  worker = undefined;
}

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('maint-window'),
    connectors: [{ name: 'globex', host: 'globex.atlassian.net' }],
    workers: false,
    clock,
  });
  acme = await alignedConnector(bot, 'acme');
  await startWorker();
});

afterAll(async () => {
  await stopWorker();
  await bot.stop();
});

async function schedule(name: string, channel: string, from: number, until: number) {
  const ack = await command(
    bot,
    `maintenance ${name} --from ${localIso(from, TZ)} --until ${localIso(until, TZ)} --tz ${TZ}`,
    channel,
  );
  expect(ack.text).toMatch(/Maintenance window r-[a-z0-9]+ scheduled/);
  return ack.runId!;
}

async function reportRoot(channel: string) {
  const { runId } = await command(bot, 'report now', channel);
  await until(bot, runId!, 'the report ended', (r) => r.state === 'succeeded');
  return waitFor(() => {
    const root = messageWith(bot, channel, runId!);
    return root?.text.includes('Fleet report:') && !root.text.startsWith('🔄') ? root : undefined;
  });
}

describe('a maintenance window, end to end', () => {
  it('prompts before, says "in maintenance" during, waits for Jira, prompts Activate and verifies after', async () => {
    const channel = 'CMAINT1';
    const from = wholeMinute(clock.now() + 120 * MIN);
    const end = from + 120 * MIN;
    const runId = await schedule('acme', channel, from, end);
    const root = await waitFor(() => messageWith(bot, channel, runId), { what: 'the root message' });
    expect(root.text).toContain('maintenance acme: scheduled');
    expect(text(root)).toContain('(UTC+01:00)');

    // The window waits in Redis as a delayed job: it survives a restart of the workers.
    await until(bot, runId, 'parked until the prompt', (r) => r.state === 'waiting');
    await stopWorker();
    await startWorker();

    // Lead time: the Deactivate ask in the thread and the note to the channel.
    await wakeAt(bot, clock, runId, from - 15 * MIN + 1000);
    const ask = await openAsk(bot.slack, channel, runId, 'deactivate');
    expect(ask.actions).toEqual(['align.done', 'align.notyet']);
    expect(text(ask.message)).toContain('Deactivate');
    expect(text(ask.message)).toContain('Jira Connectors');
    const note = await waitFor(() =>
      bot.slack.channel(channel).find((m) => !m.threadTs && m.text.includes('hold edits in Jira Align')),
    );
    expect(note.text).toContain('Jira maintenance for connector acme');

    // Ten minutes on, nobody clicked: a reminder that mentions the person who scheduled the window.
    await wakeAt(bot, clock, runId, from - 5 * MIN + 1000);
    const reminder = await waitFor(() =>
      bot.slack.thread(channel, root.ts).find((m) => m.text.includes('Reminder 1')),
    );
    expect(JSON.stringify(reminder.blocks)).toContain(`<@${ADMIN}>`);
    await click(bot.slack, ask, 'done', ADMIN);
    await until(bot, runId, 'deactivated', (r) => step(r, 'deactivate').status === 'pass');

    // During the window: a report lists acme as in maintenance (not tested, not failing); a test says so too.
    await wakeAt(bot, clock, runId, from + MIN);
    await until(bot, runId, 'in the window', (r) => step(r, 'window').status === 'running');
    const report = await reportRoot('CMAINT2');
    expect(report.text).toContain('1 in maintenance');
    expect(text(report)).toMatch(/In maintenance \(1\)/);
    expect(text(report)).toContain('acme until');
    expect(text(report)).not.toMatch(/❌ \*acme\*/);
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    site.fault = 'server-error';
    const test = await command(bot, 'test acme', 'CMAINT3', OPERATOR);
    const tested = await until(
      bot,
      test.runId!,
      'the test ended',
      (r) => r.state !== 'running' && r.state !== 'queued' && r.state !== 'waiting',
    );
    expect(tested.outcome?.reason).toBe('in-maintenance');
    const testRoot = await waitFor(() => {
      const m = messageWith(bot, 'CMAINT3', test.runId!);
      return m?.text.includes('in maintenance') ? m : undefined;
    });
    expect(testRoot.text).toContain('🛠 test acme: in maintenance');
    await new Promise((r) => setTimeout(r, 1500));
    expect(bot.slack.thread('CMAINT3', testRoot.ts)).toHaveLength(0);

    // After the window Jira still fails: probed again with backoff, no Activate prompt yet.
    await wakeAt(bot, clock, runId, end + 1000);
    let run = await until(
      bot,
      runId,
      'first probe',
      (r) => (r.facts.probes as { n: number } | undefined)?.n === 1,
    );
    expect(step(run, 'window').status).toBe('pass');
    expect(step(run, 'jira-back').detail).toMatch(/Not yet \(try 1/);
    await wakeAt(bot, clock, runId, end + 2 * MIN);
    run = await until(
      bot,
      runId,
      'second probe',
      (r) => (r.facts.probes as { n: number } | undefined)?.n === 2,
    );
    expect(run.steps.find((s) => s.id === 'activate')!.status).toBe('pending');

    // Jira is back: the Activate ask, then the full test with Jira Align's sync errors.
    site.fault = undefined;
    await wakeAt(bot, clock, runId, end + 5 * MIN);
    const activate = await openAsk(bot.slack, channel, runId, 'activate');
    expect(text(activate.message)).toContain('Activate');
    await click(bot.slack, activate, 'done', ADMIN);
    run = await until(bot, runId, 'verified', (r) => r.state === 'succeeded');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['deactivate', 'pass'],
      ['window', 'pass'],
      ['jira-back', 'pass'],
      ['activate', 'pass'],
      ['verify', 'pass'],
    ]);
    expect(step(run, 'verify').detail).toMatch(/checks passed/);
    expect(acme.instance.hits.get('/rest/align/api/2/connectors/1/projects')).toBeGreaterThan(0);
    if (process.env.MAINT_DEBUG)
      for (const m of bot.slack.messages.filter((m) => m.channel === channel))
        console.log(m.threadTs ? '   ' : '', m.text, m.edits);
    await waitFor(() => messageWith(bot, channel, runId)?.text.includes('maintenance acme: passed'), {
      what: 'the root says passed',
    });
    await waitFor(
      () => bot.slack.channel(channel).find((m) => m.ts === note.ts && m.text.includes('is over')),
      {
        what: 'the channel note edited',
      },
    );
    const hits = [...(await bot.web!.audit.recent({ connector: 'acme', limit: 50 }))]
      .filter((e) => e.runId === runId)
      .map((e) => `${e.action}:${e.outcome}`);
    expect(hits).toEqual(
      expect.arrayContaining([
        'maintenance started:ok',
        'maintenance deactivate asked:ok',
        'reminder deactivate:ok',
        'done deactivate:ok',
        'done activate:ok',
        'maintenance:ok',
      ]),
    );
  });

  it('nobody activates: reminders, the admins mentioned, "still deactivated", highlighted by the next report', async () => {
    const channel = 'CMAINT4';
    const from = wholeMinute(clock.now() + 30 * MIN);
    const end = from + 60 * MIN;
    const runId = await schedule('globex', channel, from, end);
    await wakeAt(bot, clock, runId, from - 15 * MIN + 1000);
    await click(bot.slack, await openAsk(bot.slack, channel, runId, 'deactivate'), 'done', ADMIN);
    await until(bot, runId, 'deactivated', (r) => step(r, 'deactivate').status === 'pass');
    await wakeAt(bot, clock, runId, from + 1000);
    await until(bot, runId, 'in the window', (r) => step(r, 'window').status === 'running');
    await wakeAt(bot, clock, runId, end + 1000);
    await openAsk(bot.slack, channel, runId, 'activate');
    const asked = (await runOf(bot, runId)).facts.activatePromptedAt as number;

    for (const [minutes, n] of [
      [10, 1],
      [20, 2],
    ] as const) {
      await wakeAt(bot, clock, runId, asked + minutes * MIN + 1000);
      await until(
        bot,
        runId,
        `reminder ${n}`,
        (r) => remindersOf(r).filter((x) => x.step === 'activate').length === n,
      );
    }
    await wakeAt(bot, clock, runId, asked + 60 * MIN + 1000);
    await until(bot, runId, 'escalated', (r) => r.facts.escalatedAt !== undefined);
    const root = messageWith(bot, channel, runId)!;
    const escalation = await waitFor(() =>
      bot.slack.thread(channel, root.ts).find((m) => m.text.startsWith('📣')),
    );
    expect(JSON.stringify(escalation.blocks)).toContain(`<@${ADMIN}>`);
    expect(escalation.text).toContain('nobody has activated connector globex for 1 h');

    await wakeAt(bot, clock, runId, asked + 240 * MIN + 1000);
    const ended = await until(bot, runId, 'ended', (r) => r.state === 'failed');
    expect(step(ended, 'activate')).toMatchObject({ status: 'fail', code: 'ALIGN_CONNECTOR_DEACTIVATED' });
    const reminders = bot.slack.thread(channel, root.ts).filter((m) => m.text.includes('⏰ Reminder'));
    expect(reminders.length).toBeGreaterThanOrEqual(3);
    await waitFor(
      () => messageWith(bot, channel, runId)?.text.includes('maintenance globex: still deactivated'),
      {
        what: 'the root says still deactivated',
      },
    );
    await waitFor(() =>
      bot.slack.channel(channel).find((m) => !m.threadTs && m.text.includes('still deactivated')),
    );

    // The next report highlights it, with the fix in the thread; `status` shows it too.
    const report = await reportRoot('CMAINT5');
    expect(text(report)).toContain('Still deactivated after maintenance (1)');
    expect(text(report)).toContain('ALIGN_CONNECTOR_DEACTIVATED');
    const fix = await waitFor(() =>
      bot.slack.thread('CMAINT5', report.ts).find((m) => m.text.includes('ALIGN_CONNECTOR_DEACTIVATED')),
    );
    expect(JSON.stringify(fix.blocks)).toContain('Activate');
    const status = await bot.slack.sendCommand({
      text: 'status globex',
      userId: OPERATOR,
      channelId: 'CMAINT5',
    });
    expect(JSON.stringify(status.body)).toContain('Still deactivated');

    // The admin activates it and runs a test that passes: the mark is gone from the next report.
    const test = await command(bot, 'test globex', 'CMAINT6', OPERATOR);
    await until(bot, test.runId!, 'the test passed', (r) => r.state === 'succeeded');
    await waitFor(() => text(messageWith(bot, 'CMAINT6', test.runId!)).includes('This passing test clears'), {
      what: 'the test says it clears the mark',
    });
    const next = await reportRoot('CMAINT7');
    expect(text(next)).not.toContain('Still deactivated');
  });
});
