/**
 * Slash-command ack latency (DESIGN.md §8): signed `/align test acme` at 50 commands per second, ~20 s per side,
 * against the real `align-bot web` process (Run record + BullMQ enqueue in Redis; no workers running) and against
 * a bare Bolt app that only acks — same machine, same requests, same open-loop generator (the Slack simulator's
 * signer and HTTP client). The sides alternate in 10 s rounds (A B B A) so background load hits both alike.
 * Then: command → root message at the simulated Slack API, on `align-bot start` (web and workers in one process).
 *
 *   npx tsx bench/ack.ts            (needs Redis at REDIS_URL, default redis://127.0.0.1:6379)
 */
import type { ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { request } from 'undici';
import { JiraSim } from '../src/sandbox/jira-sim.js';
import { SlackSim } from '../src/sandbox/slack-sim.js';
import { ADMIN, addHealthySite, botEnv, writeConnectors } from '../test/helpers/bot.js';
import { freePort, killAll, spawnBot } from '../test/helpers/process.js';
import { deleteKeys, testPrefix } from '../test/helpers/redis.js';
import { startBareBolt } from './lib/bare-bolt-process.js';
import { recordFigures, round1, round2 } from './lib/figures.js';
import { fmt, openLoop, percentile, type Sample, summary } from './lib/load.js';

const RATE = 50;
const ROUND_MS = 10_000;
const ROOT_SAMPLES = 40;

async function waitHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await request(url);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function load(slack: SlackSim, url: string, expectQueued: boolean): Promise<Sample[]> {
  slack.botUrl = url;
  return openLoop({
    rate: RATE,
    durationMs: ROUND_MS,
    fire: async (i) => {
      const ack = await slack.sendCommand({ text: 'test acme', userId: ADMIN, channelId: `CACK${i % 20}` });
      if (ack.status !== 200) return false;
      return !expectQueued || /queued/.test((ack.body as { text?: string }).text ?? '');
    },
  });
}

async function ackLatency(slack: SlackSim, botUrl: string, bareUrl: string) {
  // Warm-up: JIT, connection pools, Redis scripts.
  await load(slack, bareUrl, false);
  await load(slack, botUrl, true);
  const bare: Sample[] = [];
  const bot: Sample[] = [];
  bare.push(...(await load(slack, bareUrl, false)));
  bot.push(...(await load(slack, botUrl, true)));
  bot.push(...(await load(slack, botUrl, true)));
  bare.push(...(await load(slack, bareUrl, false)));
  return { bare: summary(bare), bot: summary(bot) };
}

/** Command sent → the run's root message arriving at the simulated chat.postMessage. */
async function commandToRoot(slack: SlackSim, botUrl: string): Promise<number[]> {
  slack.botUrl = botUrl;
  const sent = new Map<string, number>();
  for (let i = 0; i < ROOT_SAMPLES + 3; i += 1) {
    const channel = `CROOT${i}`;
    sent.set(channel, Date.now());
    const ack = await slack.sendCommand({ text: 'test acme', userId: ADMIN, channelId: channel });
    if (ack.status !== 200) throw new Error(`command ${i} answered ${ack.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const deadline = Date.now() + 30_000;
  const rootAt = (channel: string) =>
    slack
      .callsOf('chat.postMessage')
      .find((c) => c.args.channel === channel && !c.args.thread_ts && c.status === 200)?.at;
  while ([...sent.keys()].some((c) => rootAt(c) === undefined) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // The first three warm the worker up.
  return [...sent.entries()].slice(3).map(([channel, at]) => (rootAt(channel) ?? Number.NaN) - at);
}

function row(label: string, s: ReturnType<typeof summary>): string {
  return `${label.padEnd(26)} ${String(s.n).padStart(5)} ${fmt(s.p50).padStart(10)} ${fmt(s.p90).padStart(10)} ${fmt(s.p99).padStart(10)} ${fmt(s.max).padStart(10)} ${String(s.errors).padStart(7)}   ${fmt(s.p99FromSchedule)}`;
}

async function main(): Promise<void> {
  const prefixes = [testPrefix('bench-ack'), testPrefix('bench-root')];
  const slack = await new SlackSim({ burstPerChannel: 1000 }).start();
  const jira = await new JiraSim().start();
  const secrets: Record<string, string> = {};
  const { entry } = addHealthySite(jira, { name: 'acme', host: 'acme.atlassian.net' }, secrets);
  const connectors = writeConnectors([entry]);
  let bareBolt: ChildProcess | undefined;
  try {
    const [webPort, barePort, startPort] = [await freePort(), await freePort(), await freePort()];
    const web = spawnBot(['web'], {
      ...botEnv(prefixes[0]!, slack, jira, connectors),
      ...secrets,
      PORT: String(webPort),
      LOG_LEVEL: 'warn',
    });
    await waitHttp(`http://127.0.0.1:${webPort}/healthz`).catch((e: Error) => {
      throw new Error(`${e.message}\n${web.output()}`);
    });
    bareBolt = await startBareBolt(slack, barePort);
    const botUrl = `http://127.0.0.1:${webPort}/slack/events`;
    const bareUrl = `http://127.0.0.1:${barePort}/slack/events`;

    console.log(
      `bench/ack — node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)} at start`,
    );
    console.log(
      `signed "/align test acme" at ${RATE}/s, open loop, ${(2 * ROUND_MS) / 1000} s per side in ${ROUND_MS / 1000} s rounds (A B B A) after a warm-up`,
    );
    console.log('Align Bot side: `align-bot web` (Run record + BullMQ enqueue in Redis), workers off\n');
    const { bare, bot } = await ackLatency(slack, botUrl, bareUrl);
    console.log(
      `${'ack latency'.padEnd(26)} ${'n'.padStart(5)} ${'p50'.padStart(10)} ${'p90'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)} ${'errors'.padStart(7)}   p99 incl. generator lateness`,
    );
    console.log(row('bare Bolt app', bare));
    console.log(row('Align Bot (align-bot web)', bot));
    console.log(
      `${'ratio bot / bare'.padEnd(26)} ${''.padStart(5)} ${`${(bot.p50 / bare.p50).toFixed(2)}×`.padStart(10)} ${`${(bot.p90 / bare.p90).toFixed(2)}×`.padStart(10)} ${`${(bot.p99 / bare.p99).toFixed(2)}×`.padStart(10)}`,
    );
    const met = bot.p99 <= 50 && bot.p99 <= 1.5 * bare.p99;
    console.log(`target (DESIGN.md §8): p99 ≤ 50 ms and ≤ 1.5 × bare Bolt → ${met ? 'met' : 'NOT met'}`);
    recordFigures([
      {
        figure: 'Slack ack p99 (50 commands/s)',
        measured: round1(bot.p99),
        unit: 'ms',
        target: 50,
        bench: 'bench/ack.ts',
      },
      {
        figure: 'Slack ack p99, bot / bare Bolt',
        measured: round2(bot.p99 / bare.p99),
        unit: '×',
        target: 1.5,
        bench: 'bench/ack.ts',
      },
    ]);
    console.log('');
    web.child.kill('SIGTERM');
    await web.exited;

    const start = spawnBot(['start'], {
      ...botEnv(prefixes[1]!, slack, jira, connectors),
      ...secrets,
      PORT: String(startPort),
      LOG_LEVEL: 'warn',
    });
    await waitHttp(`http://127.0.0.1:${startPort}/healthz`);
    const toRoot = await commandToRoot(slack, `http://127.0.0.1:${startPort}/slack/events`);
    const missing = toRoot.filter((ms) => Number.isNaN(ms)).length;
    const ok = toRoot.filter((ms) => !Number.isNaN(ms));
    console.log(
      `command → root message at the simulated chat.postMessage (\`align-bot start\`, web + workers in one process, ${ok.length} commands, 2/s, one channel each):`,
    );
    console.log(
      `  p50 ${fmt(percentile(ok, 50))}  p90 ${fmt(percentile(ok, 90))}  max ${fmt(Math.max(...ok))}${missing ? `  (${missing} never arrived)` : ''}`,
    );
    console.log(`  target (DESIGN.md §8): p50 ≤ 100 ms → ${percentile(ok, 50) <= 100 ? 'met' : 'NOT met'}`);
    recordFigures([
      {
        figure: 'Slack command → root message p50',
        measured: round1(percentile(ok, 50)),
        unit: 'ms',
        target: 100,
        bench: 'bench/ack.ts',
      },
      {
        figure: 'Slack commands whose root never arrived',
        measured: missing,
        unit: 'runs',
        target: 0,
        bench: 'bench/ack.ts',
      },
    ]);
    start.child.kill('SIGTERM');
    await start.exited;
  } finally {
    bareBolt?.kill('SIGKILL');
    await killAll();
    await Promise.all([slack.stop(), jira.stop()]);
    for (const prefix of prefixes) await deleteKeys(prefix);
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
