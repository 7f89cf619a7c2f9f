/**
 * A clean stop (issue 12 item 2): SIGTERM to a lone `align-bot start` (web and worker in one process) with slow runs
 * in flight. Its runs hand their jobs back at their next step, it exits 0 well before its force timeout, and it
 * leaves nothing locked — so the restarted process resumes every unfinished run within 5 s, each at its first
 * unfinished step, one root message per channel. While it stops, Slack commands keep getting an ephemeral
 * "Align Bot is restarting, try again in a moment" until the listener closes; Teams messages get the same answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTARTING } from '../../../src/app/command-service.js';
import { TEAMS_SIM_CHANNEL } from '../../../src/sandbox/teams-sim.js';
import { type BotHarness, OPERATOR, startBot, TEAMS_USERS } from '../../helpers/bot.js';
import { freePort, killAll } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import {
  expectSucceededKeepingSteps,
  finishedSteps,
  launchRuns,
  max,
  readRuns,
  resumeSeconds,
  rootsWhenFinal,
  startServing,
  takingJobsAt,
  waitEnded,
  waitMidway,
} from '../../helpers/takeover.js';
import { waitFor } from '../../helpers/wait.js';
import { cardOf, cardText } from '../teams/drive.js';

const RUNS = 10;
const RESUME_BOUND_S = 5;

describe('SIGTERM to a lone `start`', () => {
  let bot: BotHarness;
  let port: number;

  beforeAll(async () => {
    bot = await startBot({
      prefix: testPrefix('shutdown'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
    });
    port = await freePort();
  });

  afterAll(async () => {
    await killAll();
    await bot?.stop();
  });

  const start = () => startServing(bot, port);

  it('answers "restarting" until it exits 0; the restart resumes every unfinished run within 5 s', {
    timeout: 180_000,
  }, async () => {
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    site.latencyMs = 1500;
    const first = await start();
    const runs = await launchRuns(bot, RUNS, 'stop');
    await waitMidway(bot, runs, `every run past its tenant check\n${first.proc.output()}`, {
      step: 'tenant',
    });

    const pinger = new Pinger(bot);
    const termAt = Date.now();
    first.proc.child.kill('SIGTERM');
    const exit = await first.proc.exited;
    const exitAt = Date.now();
    const answers = await pinger.stop();
    console.info(
      `[shutdown] exit code ${exit.code} after ${((exitAt - termAt) / 1000).toFixed(1)} s; ${answers.length} commands sent while stopping`,
    );
    expect(exit, first.proc.output()).toEqual({ code: 0, signal: null });
    expect(first.proc.output()).toContain('run handed back');

    // Until the listener closed, every command got the restarting answer, privately; refused only at the very end.
    const restarting = answers.filter((a) => a.text?.includes(RESTARTING));
    expect(restarting.length).toBeGreaterThanOrEqual(3);
    for (const answer of restarting) expect(answer.ephemeral).toBe(true);
    const firstRestarting = Math.min(...restarting.map((a) => a.at));
    const afterwards = answers.filter((a) => a.at >= firstRestarting);
    const refused = afterwards.filter((a) => a.error);
    expect(afterwards.filter((a) => !a.error && !a.text?.includes(RESTARTING))).toEqual([]);
    if (refused.length > 0) expect(exitAt - Math.min(...refused.map((a) => a.at))).toBeLessThan(2000);

    // Nothing left locked: every unfinished run's job waits, ready for the next worker.
    const stopped = await readRuns(bot, runs);
    const unfinished = runs.filter((r) => stopped.find((s) => s.id === r.runId)?.state === 'running');
    expect(unfinished.length).toBeGreaterThan(0);
    const counts = await bot.web!.queues.runs.getJobCounts('active', 'wait');
    expect(counts).toEqual({ active: 0, wait: unfinished.length });
    const doneAtStop = new Map(stopped.map((r) => [r.id, finishedSteps(r.steps)]));

    // Measured from the moment the restarted process's worker starts taking jobs (its log line's time): booting
    // the process (node + tsx here) is not part of the takeover.
    const second = await start();
    const takingAt = takingJobsAt(second.proc.output());
    const resumed = await resumeSeconds(bot, unfinished, takingAt, 30_000);
    const seconds = max(resumed.values());
    console.info(
      `[shutdown] ${resumed.size}/${unfinished.length} unfinished runs resumed; slowest ${seconds.toFixed(2)} s after the restarted worker took jobs, ${((takingAt - second.spawnedAt) / 1000).toFixed(1)} s boot`,
    );
    expect(resumed.size).toBe(unfinished.length);
    expect(seconds).toBeLessThanOrEqual(RESUME_BOUND_S);

    const ended = await waitEnded(bot, runs, `every run to end\n${second.proc.output()}`);
    expectSucceededKeepingSteps(ended, doneAtStop);
    expect(site.hits.get('/_edge/tenant_info')).toBe(RUNS);
    expect(await rootsWhenFinal(bot, runs, `every root final\n${second.proc.output()}`)).toEqual(
      runs.map(() => 1),
    );

    // Idle, it stops at once.
    const idleAt = Date.now();
    second.proc.child.kill('SIGTERM');
    expect((await second.proc.exited).code).toBe(0);
    expect(Date.now() - idleAt).toBeLessThan(10_000);
  });
});

describe('while stopping, Teams messages get the restarting answer too', () => {
  let bot: BotHarness;

  beforeAll(async () => {
    bot = await startBot({
      prefix: testPrefix('shutdown-teams'),
      teams: true,
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    });
  });

  afterAll(async () => {
    await bot?.stop();
  });

  it('a command in a channel is answered in its thread, and nothing is queued', async () => {
    await bot.drain();
    const sim = bot.teams!.sim;
    const sent = await sim.mention({
      text: 'test acme',
      user: TEAMS_USERS.operator,
      conversationId: TEAMS_SIM_CHANNEL,
    });
    expect(sent.status).toBe(200);
    const reply = await waitFor(() => sim.thread(TEAMS_SIM_CHANNEL, sent.activityId)[0]);
    expect(`${reply.text} ${cardText(cardOf(reply))}`).toContain(RESTARTING);
    expect(await bot.web!.queues.runs.getJobCounts('wait', 'active', 'delayed')).toEqual({
      wait: 0,
      active: 0,
      delayed: 0,
    });
    const slack = await bot.slack.sendCommand({ text: 'test acme', userId: OPERATOR, channelId: 'CSTOPS' });
    expect(slack.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining(RESTARTING),
    });
  });
});

interface Answer {
  at: number;
  text?: string;
  ephemeral?: boolean;
  error?: string;
}

/** `/align help` every 25 ms, recording each answer (or the connection error), until stopped. */
class Pinger {
  private readonly answers: Answer[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly bot: BotHarness) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const at = Date.now();
      try {
        const ack = await this.bot.slack.sendCommand({
          text: 'help',
          userId: OPERATOR,
          channelId: 'CSTOPPING',
        });
        const body = ack.body as { text?: string; response_type?: string };
        this.answers.push({ at, text: body.text ?? '', ephemeral: body.response_type === 'ephemeral' });
      } catch (error) {
        this.answers.push({ at, error: (error as Error).message });
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<Answer[]> {
    this.running = false;
    await this.loop;
    return this.answers;
  }
}
