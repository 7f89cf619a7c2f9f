/**
 * Takeover after `kill -9` (issue 12 item 2), with the default lock and stall settings: two real worker processes,
 * one of them running 25 slow `test` runs, is SIGKILLed; the other resumes every one of them within 15 s (lock
 * 8 s + stall check 2 s), continues each at its first unfinished step (no check asked of Jira twice), the runs
 * pass — not failed as "stalled more than allowable limit" — and each channel holds one root message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, startBot } from '../../helpers/bot.js';
import { killAll, type Spawned, spawnBot } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import {
  expectSucceededKeepingSteps,
  finishedSteps,
  launchRuns,
  liveWorkers,
  max,
  readRuns,
  resumeSeconds,
  rootsWhenFinal,
  waitEnded,
  waitMidway,
} from '../../helpers/takeover.js';
import { waitFor } from '../../helpers/wait.js';

const RUNS = 25;
const TAKEOVER_BOUND_S = 15;

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('takeover'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    workers: false,
  });
});

afterAll(async () => {
  await killAll();
  await bot?.stop();
});

/** A worker process with the defaults (no lock or stall setting in its environment). */
function worker(): Spawned {
  const env = { ...bot.env, LOG_LEVEL: 'warn' };
  expect(env).not.toHaveProperty('ALIGN_BOT_LOCK_MS');
  expect(env).not.toHaveProperty('ALIGN_BOT_STALLED_MS');
  return spawnBot(['worker'], env);
}

describe('kill -9 of one of two workers', () => {
  it(`its ${RUNS} active runs resume on the other within ${TAKEOVER_BOUND_S} s and finish once`, {
    timeout: 180_000,
  }, async () => {
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    site.latencyMs = 1500;
    const first = worker();
    await waitFor(async () => (await liveWorkers(bot)) === 1, {
      what: `the first worker's heartbeat\n${first.output()}`,
      timeoutMs: 40_000,
    });
    const runs = await launchRuns(bot, RUNS, 'take');
    await waitMidway(bot, runs, `every run taken up by the first worker\n${first.output()}`, { minDone: 0 });
    // The second worker joins only now, so the first one holds every run.
    const second = worker();
    await waitFor(async () => (await liveWorkers(bot)) === 2, {
      what: `the second worker's heartbeat\n${second.output()}`,
      timeoutMs: 40_000,
    });
    // Killed once every run has asked Jira's tenant_info (so a second ask would be a repeated step).
    await waitMidway(bot, runs, `every run past its tenant check\n${first.output()}`, { step: 'tenant' });
    const before = await readRuns(bot, runs);
    expect(before.every((r) => r.state === 'running')).toBe(true);

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();
    const atKill = await readRuns(bot, runs);
    const doneAtKill = new Map(atKill.map((r) => [r.id, finishedSteps(r.steps)]));
    expect(atKill.every((r) => r.state === 'running' && finishedSteps(r.steps).length < r.steps.length)).toBe(
      true,
    );

    const resumed = await resumeSeconds(bot, runs, killedAt, 30_000);
    console.info(
      `[takeover] ${resumed.size}/${RUNS} runs resumed after kill -9; slowest ${max(resumed.values()).toFixed(1)} s`,
    );
    expect(resumed.size).toBe(RUNS);
    expect(max(resumed.values())).toBeLessThanOrEqual(TAKEOVER_BOUND_S);

    const ended = await waitEnded(bot, runs, `every run to end\n${second.output()}`);
    expectSucceededKeepingSteps(ended, doneAtKill);
    // Each run asked Jira its first question once: nothing was checked twice.
    expect(site.hits.get('/_edge/tenant_info')).toBe(RUNS);
    expect(site.hits.get('/status')).toBe(RUNS);
    expect(await rootsWhenFinal(bot, runs, `every root final\n${second.output()}`)).toEqual(
      runs.map(() => 1),
    );
  });
});
