/**
 * Runs in flight across worker processes that die or stop (test/e2e/reliability/takeover.test.ts, shutdown.test.ts,
 * bench/takeover.ts): start many slow `test` runs, one channel each, wait until every one is mid-way, and measure
 * when each is resumed — the first save of its record after a moment (a worker picking the job up saves the run
 * before its next step).
 */
import { request } from 'undici';
import { expect } from 'vitest';
import type { Run, StepRecord } from '../../src/core/run.js';
import { Heartbeats } from '../../src/store/heartbeats.js';
import { type BotHarness, OPERATOR } from './bot.js';
import { type Spawned, spawnBot } from './process.js';
import { waitFor } from './wait.js';

const FINISHED = new Set(['pass', 'warn', 'fail', 'skip']);

export interface LaunchedRun {
  runId: string;
  channel: string;
}

export const finishedSteps = (steps: StepRecord[]) => steps.filter((s) => FINISHED.has(s.status));

/** `/align test <connector>` in `n` channels of their own; returns the queued runs. */
export async function launchRuns(
  bot: BotHarness,
  n: number,
  label: string,
  connector = 'acme',
): Promise<LaunchedRun[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const channel = `C${label.toUpperCase()}${String(i).padStart(3, '0')}`;
      const ack = await bot.slack.sendCommand({
        text: `test ${connector}`,
        userId: OPERATOR,
        channelId: channel,
      });
      const runId = /Run (r-[a-z0-9]+) queued/.exec((ack.body as { text?: string }).text ?? '')?.[1];
      if (!runId) throw new Error(`not queued: ${JSON.stringify(ack.body)}`);
      return { runId, channel };
    }),
  );
}

export async function readRuns(bot: BotHarness, runs: LaunchedRun[]): Promise<Run[]> {
  const all = await Promise.all(runs.map((r) => bot.web!.runs.get(r.runId)));
  return all.filter((r): r is Run => r !== undefined);
}

/**
 * Every run is running (a worker took it up) with at least `minDone` steps finished — and `step`, if given — and at
 * least one to go.
 */
export async function waitMidway(
  bot: BotHarness,
  runs: LaunchedRun[],
  what: string,
  options: { minDone?: number; step?: string; timeoutMs?: number } = {},
) {
  return waitFor(
    async () => {
      const all = await readRuns(bot, runs);
      const midway = all.filter((r) => {
        const done = finishedSteps(r.steps);
        return (
          r.state === 'running' &&
          done.length >= (options.minDone ?? 1) &&
          done.length < r.steps.length &&
          (!options.step || done.some((s) => s.id === options.step))
        );
      });
      return midway.length === runs.length ? all : undefined;
    },
    { what, timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100 },
  );
}

/**
 * Seconds from `since` (epoch ms) until each run's record was saved again, by the run's own `updatedAt`; waits
 * until every run has been, or `timeoutMs`. Runs not resumed by then are missing from the map.
 */
export async function resumeSeconds(
  bot: BotHarness,
  runs: LaunchedRun[],
  since: number,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const resumed = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (resumed.size < runs.length && Date.now() < deadline) {
    for (const run of await readRuns(bot, runs)) {
      if (!resumed.has(run.id) && run.updatedAt > since) resumed.set(run.id, (run.updatedAt - since) / 1000);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return resumed;
}

/** Every run ended; returns the records. */
/**
 * Every run succeeded, and the steps it had finished before the interruption are the same records (same start
 * and end), not re-run ones.
 */
export function expectSucceededKeepingSteps(ended: Run[], doneBefore: Map<string, StepRecord[]>): void {
  for (const run of ended) {
    expect(run.state, `${run.id}: ${JSON.stringify(run.outcome)}`).toBe('succeeded');
    for (const step of doneBefore.get(run.id) ?? []) {
      expect(run.steps.find((s) => s.id === step.id)).toMatchObject({
        status: step.status,
        startedAt: step.startedAt,
        endedAt: step.endedAt,
      });
    }
  }
}

export async function waitEnded(bot: BotHarness, runs: LaunchedRun[], what: string, timeoutMs = 90_000) {
  return waitFor(
    async () => {
      const all = await readRuns(bot, runs);
      return all.length === runs.length && all.every((r) => r.state !== 'running' && r.state !== 'queued')
        ? all
        : undefined;
    },
    { what, timeoutMs, intervalMs: 200 },
  );
}

/** Waits until each run's channel shows its final root message, then returns how many roots each channel holds. */
export async function rootsWhenFinal(bot: BotHarness, runs: LaunchedRun[], what: string): Promise<number[]> {
  await waitFor(
    () =>
      runs.every((r) => bot.slack.channel(r.channel).some((m) => /test acme: (passed|failed)/.test(m.text))),
    { what, timeoutMs: 60_000, intervalMs: 200 },
  );
  // Anything still on its way lands before counting.
  await new Promise((r) => setTimeout(r, 1500));
  return runs.map((r) => bot.slack.channel(r.channel).length);
}

/** Worker processes with a live heartbeat. */
export function liveWorkers(bot: BotHarness): Promise<number> {
  return new Heartbeats(bot.web!.redis, bot.web!.keys).live();
}

export function max(values: Iterable<number>): number {
  return Math.max(0, ...values);
}

/** The time (epoch ms) of a process's "worker taking jobs" log line. */
export function takingJobsAt(output: string): number {
  const line = output.split('\n').find((l) => l.includes('"msg":"worker taking jobs"'));
  if (!line) throw new Error(`no "worker taking jobs" line in:\n${output}`);
  return (JSON.parse(line) as { time: number }).time;
}

/**
 * `align-bot start` on `port` as a child process, serving `bot`'s world: waits for its worker's heartbeat and its
 * web listener, then points the Slack simulator at it. `spawnedAt` is when the process was spawned.
 */
export async function startServing(
  bot: BotHarness,
  port: number,
  timeoutMs = 40_000,
): Promise<{ proc: Spawned; spawnedAt: number }> {
  const spawnedAt = Date.now();
  const proc = spawnBot(['start'], {
    ...bot.env,
    PORT: String(port),
    ALIGN_BOT_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  });
  await waitFor(async () => (await liveWorkers(bot)) === 1, {
    what: `the worker's heartbeat\n${proc.output()}`,
    timeoutMs,
  });
  await waitFor(() => healthy(port), { what: `the web to listen\n${proc.output()}`, timeoutMs });
  bot.slack.botUrl = `http://127.0.0.1:${port}/slack/events`;
  return { proc, spawnedAt };
}

export async function healthy(port: number): Promise<boolean> {
  try {
    const res = await request(`http://127.0.0.1:${port}/healthz`, { headersTimeout: 2000 });
    await res.body.text();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}
