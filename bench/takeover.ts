/**
 * Takeover and restart (issue 12 item 2), with the default lock and stall settings, against the simulators and the
 * shared Redis under a prefix of its own:
 *
 * - kill -9: two worker processes, the first running RUNS slow `test` runs, is SIGKILLed; the figure is the time
 *   until the last of its runs was resumed by the other (the resumed run's first save), target ≤ 15 s.
 * - SIGTERM: a lone `align-bot start` running RUNS slow runs gets SIGTERM; its exit code (target 0), and the time
 *   from its restart's worker taking jobs until the last unfinished run was resumed, target ≤ 5 s.
 *
 * Usage: npx tsx bench/takeover.ts   (RUNS=25 by default)
 */
import { type BotHarness, startBot } from '../test/helpers/bot.js';
import { freePort, killAll, type Spawned, spawnBot } from '../test/helpers/process.js';
import { testPrefix } from '../test/helpers/redis.js';
import {
  launchRuns,
  liveWorkers,
  max,
  readRuns,
  resumeSeconds,
  startServing,
  takingJobsAt,
  waitEnded,
  waitMidway,
} from '../test/helpers/takeover.js';
import { waitFor } from '../test/helpers/wait.js';
import { recordFigures, round1, round2 } from './lib/figures.js';

const RUNS = Number(process.env.RUNS ?? 25);
const LATENCY_MS = 1500;
const BENCH = 'bench/takeover.ts';

async function world(label: string): Promise<BotHarness> {
  const bot = await startBot({
    prefix: testPrefix(`bench-${label}`),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    workers: false,
  });
  bot.jira.sites.get('acme.atlassian.net')!.latencyMs = LATENCY_MS;
  return bot;
}

async function heartbeats(bot: BotHarness, n: number, proc: Spawned): Promise<void> {
  await waitFor(async () => (await liveWorkers(bot)) === n, {
    what: `${n} worker heartbeat(s)\n${proc.output()}`,
    timeoutMs: 60_000,
    intervalMs: 20,
  });
}

/** Seconds until the last run of a SIGKILLed worker was resumed by the other one. */
async function killNine(): Promise<number> {
  const bot = await world('kill');
  try {
    const env = { ...bot.env, LOG_LEVEL: 'warn' };
    const first = spawnBot(['worker'], env);
    await heartbeats(bot, 1, first);
    const runs = await launchRuns(bot, RUNS, 'bk');
    await waitMidway(bot, runs, 'every run taken up by the first worker', { minDone: 0 });
    const second = spawnBot(['worker'], env);
    await heartbeats(bot, 2, second);
    await waitMidway(bot, runs, 'every run mid-way');
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const resumed = await resumeSeconds(bot, runs, killedAt, 90_000);
    if (resumed.size < runs.length) throw new Error(`only ${resumed.size}/${runs.length} runs resumed`);
    await waitEnded(bot, runs, 'every run to end');
    return max(resumed.values());
  } finally {
    await killAll();
    await bot.stop();
  }
}

/** The exit code after SIGTERM, how long the stop took, and seconds until the restart resumed the last run. */
async function sigterm(): Promise<{
  code: number | null;
  stopS: number;
  resumeS: number;
  handedBack: number;
}> {
  const bot = await world('term');
  const port = await freePort();
  const start = async () => (await startServing(bot, port, 60_000)).proc;
  try {
    const first = await start();
    const runs = await launchRuns(bot, RUNS, 'bt');
    await waitMidway(bot, runs, 'every run mid-way');
    const termAt = Date.now();
    first.child.kill('SIGTERM');
    const { code } = await first.exited;
    const stopS = (Date.now() - termAt) / 1000;
    const unfinished = (await readRuns(bot, runs)).filter((r) => r.state === 'running');
    const handed = runs.filter((r) => unfinished.some((u) => u.id === r.runId));
    const second = await start();
    const resumed = await resumeSeconds(bot, handed, takingJobsAt(second.output()), 90_000);
    if (resumed.size < handed.length) throw new Error(`only ${resumed.size}/${handed.length} runs resumed`);
    await waitEnded(bot, runs, 'every run to end');
    second.child.kill('SIGTERM');
    await second.exited;
    return { code, stopS, resumeS: max(resumed.values()), handedBack: handed.length };
  } finally {
    await killAll();
    await bot.stop();
  }
}

async function main(): Promise<void> {
  console.log(`takeover: ${RUNS} runs, Jira latency ${LATENCY_MS} ms, default lock and stall settings`);
  const takeover = await killNine();
  console.log(`  kill -9: last run resumed after ${takeover.toFixed(2)} s`);
  const term = await sigterm();
  console.log(
    `  SIGTERM: exit ${term.code} after ${term.stopS.toFixed(1)} s; ${term.handedBack} runs handed back, the last resumed ${term.resumeS.toFixed(2)} s after the restart's worker took jobs`,
  );
  recordFigures([
    { figure: 'takeover after kill -9', measured: round1(takeover), unit: 's', target: 15, bench: BENCH },
    {
      figure: 'resume after SIGTERM restart',
      measured: round2(term.resumeS),
      unit: 's',
      target: 5,
      bench: BENCH,
    },
    { figure: 'SIGTERM exit code', measured: term.code ?? -1, unit: 'code', target: 0, bench: BENCH },
  ]);
}

await main();
process.exit(0);
