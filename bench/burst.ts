/**
 * Burst (DESIGN.md §8, issue 12 item 5): 200 signed `/align test <connector>` commands at once from 20 channels at
 * the bot as docs/operations.md deploys it — `align-bot web` beside an `align-bot worker`, after a warm-up —
 * against the Slack simulator with its own limits (per-channel posting bucket, per-method tiers, 429 +
 * Retry-After) and the Jira simulator: the same burst as test/e2e/reliability/burst.test.ts, three times. The
 * commands are signed first and sent by a load generator process of their own (test/helpers/load-client.ts), one
 * connection each, as Slack sends from its own machines. Figures: ack p99 (median of the three bursts), acks over
 * 3 s, runs whose root never showed a final state, and the simulator's 429s (sums); the same 200 spread over 1 s
 * and over 2 s. For scale, the same 200 at once from the same generator at a bare Bolt app that only acks and at a
 * plain Node HTTP server (what any Node process pays for 200 new connections on this machine), and at
 * `align-bot start` (web and workers in one process, whose runs share the event loop with the acks).
 *
 *   npx tsx bench/burst.ts            (needs Redis at REDIS_URL, default redis://127.0.0.1:6379)
 */
import type { ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import type { SlackSim } from '../src/sandbox/slack-sim.js';
import {
  type BurstResult,
  BurstRig,
  maxPostsInWindow,
  sendFromOwnProcess,
  signedCommands,
} from '../test/helpers/burst.js';
import { freePort } from '../test/helpers/process.js';
import { startBareBolt } from './lib/bare-bolt-process.js';
import { recordFigures, round1, round2 } from './lib/figures.js';
import { fmt, percentile } from './lib/load.js';

const COMMANDS = 200;
const CHANNELS = 20;
const ROUNDS = 3;
const BENCH = 'bench/burst.ts';
/** Slack's per-method tiers, per workspace (reference/slack.md §4), for the methods a burst calls. */
const TIER_PER_MINUTE: Record<string, string> = {
  'chat.update': 'Tier 3: 50+',
  'chat.postEphemeral': 'Tier 4: 100+',
};

const load = () => loadavg()[0]!.toFixed(2);
const median = (xs: number[]) => percentile(xs, 50);

function describe(label: string, r: BurstResult): void {
  const over = r.acks.filter((ms) => ms > 3000).length;
  console.log(
    `${label.padEnd(22)} p50 ${fmt(percentile(r.acks, 50)).padStart(10)}  p99 ${fmt(percentile(r.acks, 99)).padStart(10)}  max ${fmt(Math.max(...r.acks)).padStart(10)}  over 3 s ${over}  refused ${r.refused}  lost ${r.lost}  all final after ${(r.settledMs / 1000).toFixed(1)} s  429s ${r.rateLimited}  most posts in a channel in 1 s / 10 s: ${maxPostsInWindow(r.postTimes, 1000)} / ${maxPostsInWindow(r.postTimes, 10_000)}  load ${load()}`,
  );
}

/** Calls of each Web API method in its busiest minute, workspace-wide (Slack's tiers count per method so). */
function peakPerMinute(slack: SlackSim): Map<string, number> {
  const byMethod = new Map<string, number[]>();
  for (const c of slack.calls) byMethod.set(c.method, [...(byMethod.get(c.method) ?? []), c.at]);
  return new Map(
    [...byMethod.entries()].map(([method, times]) => [
      method,
      maxPostsInWindow(new Map([[method, times]]), 60_000),
    ]),
  );
}

function tiers(peaks: Map<string, number>): string {
  return [...peaks.entries()]
    .map(
      ([method, peak]) =>
        `${method} ${peak}/min${TIER_PER_MINUTE[method] ? ` (${TIER_PER_MINUTE[method]}/min)` : ''}`,
    )
    .join(', ');
}

/**
 * The same 200 at once, from the same load generator, at a baseline that only acks — a bare Bolt app, or a plain
 * Node HTTP server: what Bolt, and what any Node process, pays on this machine. Median p99 of ROUNDS after a warm-up.
 */
async function baseline(slack: SlackSim, script: string): Promise<number[]> {
  let proc: ChildProcess | undefined;
  const p99s: number[] = [];
  try {
    const port = await freePort();
    proc = await startBareBolt(slack, port, script);
    for (let round = 0; round <= ROUNDS; round += 1) {
      const requests = signedCommands(slack, {
        commands: COMMANDS,
        channels: CHANNELS,
        port,
        channelPrefix: 'CBARE',
        textOf: () => 'test burst0',
      });
      const acks = (await sendFromOwnProcess(requests)).map((a) => a.ms);
      // Round 0 warms it up.
      if (round > 0) p99s.push(percentile(acks, 99));
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    proc?.kill('SIGKILL');
  }
  return p99s;
}

/** One `align-bot start` burst at once, for comparison. */
async function startBurst(): Promise<void> {
  const rig = new BurstRig({ tiers: true });
  try {
    await rig.start(CHANNELS, 'start');
    await rig.warmUp();
    describe('align-bot start, at once', await rig.burst({ commands: COMMANDS, channels: CHANNELS }));
  } finally {
    await rig.stop();
  }
}

async function main(): Promise<void> {
  const rig = new BurstRig({ tiers: true });
  try {
    console.log(
      `bench/burst — node ${process.version}, ${cpus().length} CPUs, load average ${load()} at start`,
    );
    await rig.start(CHANNELS, 'split');
    await rig.warmUp();
    console.log(
      `${COMMANDS} signed "/align test <connector>" at once from ${CHANNELS} channels (one connector each), align-bot web + align-bot worker, Slack simulator with its per-channel limit and per-method tiers\n`,
    );
    const rounds: BurstResult[] = [];
    let updatesPerMinute = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const r = await rig.burst({ commands: COMMANDS, channels: CHANNELS }, `CB${round}x`);
      describe(`burst ${round}, at once`, r);
      const peaks = peakPerMinute(rig.slack);
      updatesPerMinute = Math.max(updatesPerMinute, peaks.get('chat.update') ?? 0);
      if (round === 1)
        console.log(`  busiest minute per method (the simulator enforces the tiers): ${tiers(peaks)}`);
      rounds.push(r);
      rig.slack.reset();
    }
    const second = await rig.burst({ commands: COMMANDS, channels: CHANNELS, spreadMs: 1000 }, 'CSECOND');
    describe('over 1 s (200/s)', second);
    const spread = await rig.burst({ commands: COMMANDS, channels: CHANNELS, spreadMs: 2000 }, 'CSPREAD');
    describe('over 2 s (100/s)', spread);
    const bare = await baseline(rig.slack, 'bench/lib/bare-bolt.ts');
    console.log(
      `bare Bolt app, 200 at once: ack p99 ${bare.map(fmt).join(', ')} (what Bolt alone costs on this machine)`,
    );
    const node = await baseline(rig.slack, 'bench/lib/bare-node.ts');
    console.log(
      `plain Node HTTP server, 200 at once: ack p99 ${node.map(fmt).join(', ')} (what any Node process costs on this machine)`,
    );

    await rig.stop();
    await startBurst();

    const p99 = median(rounds.map((r) => percentile(r.acks, 99)));
    const sum = (f: (r: BurstResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
    console.log(`load average ${load()} at the end`);
    recordFigures([
      { figure: 'burst 200: ack p99', measured: round1(p99), unit: 'ms', target: 100, bench: BENCH },
      {
        figure: 'burst 200: acks over 3 s',
        measured: sum((r) => r.acks.filter((ms) => ms > 3000).length + r.refused),
        unit: 'acks',
        target: 0,
        bench: BENCH,
      },
      { figure: 'burst 200: runs lost', measured: sum((r) => r.lost), unit: 'runs', target: 0, bench: BENCH },
      {
        figure: 'burst 200: simulator 429s',
        measured: sum((r) => r.rateLimited) + second.rateLimited + spread.rateLimited,
        unit: 'calls',
        target: 0,
        bench: BENCH,
      },
      {
        figure: 'burst 200: chat.update calls in the busiest minute (Tier 3: 50+)',
        measured: updatesPerMinute,
        unit: 'calls',
        target: 50,
        bench: BENCH,
      },
      {
        figure: 'burst 200: ack p99, bot / bare Bolt',
        measured: round2(p99 / median(bare)),
        unit: '×',
        target: 1.5,
        bench: BENCH,
      },
      {
        figure: 'burst 200 over 1 s: ack p99',
        measured: round1(percentile(second.acks, 99)),
        unit: 'ms',
        target: 100,
        bench: BENCH,
      },
      {
        figure: 'burst 200 over 2 s: ack p99',
        measured: round1(percentile(spread.acks, 99)),
        unit: 'ms',
        target: 100,
        bench: BENCH,
      },
    ]);
  } finally {
    await rig.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
