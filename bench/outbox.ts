/**
 * Outbox throughput (DESIGN.md §8, issue 12 item 7): 100 Slack channels, each with ten posts due at once (ten
 * ended runs per channel whose root message is not posted yet), delivered by a real `align-bot worker` to the
 * Slack simulator, which enforces Slack's per-channel limit (about one post a second, short bursts; 429 +
 * Retry-After). The outbox paces posts at one a second per channel (SlackChat.pacing) and has no workspace-wide
 * limit, so the pacing limit is 100 posts a second; the figure is the rate sustained after each channel's first
 * post — (posts − channels) over the time from the first post to the last — as a share of it.
 *
 * The syncs are requested the way the app requests them (Queues.requestSync, one per run) while the queue is
 * paused, then it is resumed: every post is due at the same moment.
 *
 *   npx tsx bench/outbox.ts            (needs Redis at REDIS_URL, default redis://127.0.0.1:6379)
 */
import { cpus, loadavg } from 'node:os';
import { loadConfig } from '../src/config.js';
import { stepsOutcome } from '../src/core/run.js';
import { createLogger } from '../src/logger.js';
import { newRun } from '../src/queue/run-kinds.js';
import { JiraSim } from '../src/sandbox/jira-sim.js';
import { SlackSim } from '../src/sandbox/slack-sim.js';
import { connectInfra, type Infra } from '../src/services.js';
import { ADMIN, addHealthySite, botEnv, writeConnectors } from '../test/helpers/bot.js';
import { maxPostsInWindow } from '../test/helpers/burst.js';
import { killAll, spawnBot } from '../test/helpers/process.js';
import { deleteKeys, testPrefix } from '../test/helpers/redis.js';
import { waitFor } from '../test/helpers/wait.js';
import { recordFigures, round1 } from './lib/figures.js';

const CHANNELS = 100;
const POSTS_PER_CHANNEL = 10;
const INTERVAL_MS = 1000;
const BENCH = 'bench/outbox.ts';

const load = () => loadavg()[0]!.toFixed(2);

/** An ended run in `channel` whose root message the outbox has not posted yet. */
async function endedRun(infra: Infra, channel: string): Promise<string> {
  const now = Date.now();
  const run = newRun({
    id: `r-ob${Math.random().toString(36).slice(2, 12)}`,
    kind: 'test',
    connector: 'acme',
    requestedBy: { platform: 'slack', id: ADMIN },
    conversation: { platform: 'slack', channel },
    params: { name: 'acme' },
    now,
  });
  await infra.runs.create({ ...run, state: 'succeeded', endedAt: now, outcome: stepsOutcome([]) });
  return run.id;
}

function posted(slack: SlackSim): number[] {
  return slack
    .callsOf('chat.postMessage')
    .filter((c) => c.status === 200 && !c.error)
    .map((c) => c.at)
    .sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const slack = await new SlackSim().start();
  const jira = await new JiraSim().start();
  const secrets: Record<string, string> = {};
  const { entry } = addHealthySite(jira, { name: 'acme', host: 'acme.atlassian.net' }, secrets);
  const prefix = testPrefix('bench-outbox');
  const env = { ...botEnv(prefix, slack, jira, writeConnectors([entry])), ...secrets, LOG_LEVEL: 'warn' };
  const infra = await connectInfra(loadConfig(env as NodeJS.ProcessEnv), createLogger('silent'), 'web');
  try {
    console.log(
      `bench/outbox — node ${process.version}, ${cpus().length} CPUs, load average ${load()} at start`,
    );
    const worker = spawnBot(['worker'], env);
    // Warm-up: one post through the worker, which also shows it is up.
    await infra.queues.requestSync(await endedRun(infra, 'CWARM'));
    await waitFor(() => posted(slack).length > 0, {
      what: `the warm-up post\n${worker.output()}`,
      timeoutMs: 60_000,
    });
    slack.reset();

    const ids: string[] = [];
    for (let k = 0; k < POSTS_PER_CHANNEL; k += 1) {
      ids.push(
        ...(await Promise.all(Array.from({ length: CHANNELS }, (_, c) => endedRun(infra, `COB${c}`)))),
      );
    }
    await infra.queues.outbox.pause();
    await Promise.all(ids.map((id) => infra.queues.requestSync(id)));
    const resumedAt = Date.now();
    await infra.queues.outbox.resume();
    const total = CHANNELS * POSTS_PER_CHANNEL;
    await waitFor(() => posted(slack).length >= total, {
      what: `${total} posts (${posted(slack).length} so far)`,
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    const times = posted(slack);
    const first = times[0]!;
    const last = times.at(-1)!;
    const rate = (times.length - CHANNELS) / ((last - first) / 1000);
    const limit = CHANNELS * (1000 / INTERVAL_MS);
    const share = (100 * rate) / limit;
    const limited = slack.calls.filter((c) => c.status === 429).length;
    const perSecond: number[] = [];
    for (const t of times) {
      const s = Math.floor((t - first) / 1000);
      perSecond[s] = (perSecond[s] ?? 0) + 1;
    }
    const byChannel = new Map<string, number[]>();
    for (const c of slack.callsOf('chat.postMessage').filter((x) => x.status === 200)) {
      const channel = String(c.args.channel);
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), c.at]);
    }
    console.log(
      `${CHANNELS} channels × ${POSTS_PER_CHANNEL} posts due at once, one align-bot worker, pacing 1 post/s per channel (limit ${limit}/s)`,
    );
    console.log(
      `  first post ${first - resumedAt} ms after resume; last ${((last - first) / 1000).toFixed(2)} s after the first (ideal ${((POSTS_PER_CHANNEL - 1) * INTERVAL_MS) / 1000} s)`,
    );
    console.log(`  posts per second: ${perSecond.map((n) => n ?? 0).join(' ')}`);
    console.log(
      `  sustained ${rate.toFixed(1)} posts/s = ${share.toFixed(1)} % of the limit; 429s ${limited}; most posts in a channel in 1 s / 5 s: ${maxPostsInWindow(byChannel, 1000)} / ${maxPostsInWindow(byChannel, 5000)}; load average ${load()}`,
    );
    recordFigures([
      {
        figure: 'outbox: share of pacing limit sustained, 100 channels',
        measured: round1(share),
        unit: '%',
        target: 90,
        direction: 'atLeast',
        bench: BENCH,
      },
      { figure: 'outbox: simulator 429s', measured: limited, unit: 'calls', target: 0, bench: BENCH },
    ]);
  } finally {
    await killAll();
    await infra.close();
    await deleteKeys(prefix);
    await Promise.all([slack.stop(), jira.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
