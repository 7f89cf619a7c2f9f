/**
 * Teams figures beside bench/ack.ts's Slack ones. The Bot Connector simulator sends JWT-signed (its own JWKS)
 * `@Align Bot test acme` mentions, open loop at 20 per second spread over 20 channels, ~20 s per side:
 *   - against Align Bot's `web` (real CloudAdapter, JWT + tenant check, Run record + BullMQ enqueue in Redis, the
 *     run's root card sent back into the thread; no workers), and
 *   - against a bare botbuilder app (CloudAdapter behind express.json(), authenticated the same way) that answers
 *     each message with a short text, also into the thread.
 * The sides alternate in 10 s rounds (A B B A). Both answer during the request, so the HTTP round trip is the ack
 * path. Then: command → first card at the simulator, on `start` (web + workers in one process).
 *
 *   npx tsx bench/teams.ts          (needs Redis at REDIS_URL, default redis://127.0.0.1:6379)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { JiraSim } from '../src/sandbox/jira-sim.js';
import { SlackSim } from '../src/sandbox/slack-sim.js';
import { TeamsSim } from '../src/sandbox/teams-sim.js';
import { TEAMS_SIM_USERS } from '../src/sandbox/teams-sim-state.js';
import { addHealthySite, botEnv, writeConnectors } from '../test/helpers/bot.js';
import { freePort, REPO_ROOT } from '../test/helpers/process.js';
import { deleteKeys, testPrefix } from '../test/helpers/redis.js';
import { recordFigures, round1, round2 } from './lib/figures.js';
import { fmt, openLoop, percentile, type Sample, summary } from './lib/load.js';

const RATE = 20;
const ROUND_MS = 10_000;
const CHANNELS = 20;
const CARD_SAMPLES = 40;

function child(script: string, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stop(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The environment both sides read: the app id, the simulator's endpoint group and token, the pinned tenant. */
function teamsEnv(sim: TeamsSim): Record<string, string> {
  return {
    MicrosoftAppId: sim.appId,
    MicrosoftAppPassword: 'bench-unused-client-secret',
    ALIGN_BOT_TEAMS_TENANTS: sim.tenantId,
    BENCH_TEAMS_BOT_TOKEN: sim.botToken(3 * 3600),
    ...sim.endpointSettings,
  };
}

async function load(sim: TeamsSim, url: string, channels: string[], expectCard: boolean): Promise<Sample[]> {
  sim.botUrl = url;
  return openLoop({
    rate: RATE,
    durationMs: ROUND_MS,
    fire: async (i) => {
      const conversationId = channels[i % channels.length]!;
      const sent = await sim.mention({ text: 'test acme', user: TEAMS_SIM_USERS.operator, conversationId });
      if (sent.status !== 200) return false;
      const answer = sim.thread(conversationId, sent.activityId)[0];
      return Boolean(answer && (!expectCard || answer.attachments.length > 0));
    },
  });
}

async function ackLatency(sim: TeamsSim, botUrl: string, bareUrl: string, channels: string[]) {
  // Warm-up: JIT, the JWKS cache, connection pools, Redis scripts.
  await load(sim, bareUrl, channels, false);
  await load(sim, botUrl, channels, true);
  const bare: Sample[] = [];
  const bot: Sample[] = [];
  bare.push(...(await load(sim, bareUrl, channels, false)));
  bot.push(...(await load(sim, botUrl, channels, true)));
  bot.push(...(await load(sim, botUrl, channels, true)));
  bare.push(...(await load(sim, bareUrl, channels, false)));
  return { bare: summary(bare), bot: summary(bot) };
}

/** Mention sent → the first card in its thread at the simulator (the run's root card), 2 per second. */
async function commandToCard(sim: TeamsSim, botUrl: string, channels: string[]): Promise<number[]> {
  sim.botUrl = botUrl;
  const out: number[] = [];
  for (let i = 0; i < CARD_SAMPLES + 3; i += 1) {
    const conversationId = channels[i % channels.length]!;
    const at = Date.now();
    const sent = await sim.mention({ text: 'test acme', user: TEAMS_SIM_USERS.operator, conversationId });
    const card = sim.thread(conversationId, sent.activityId).find((m) => m.attachments.length > 0);
    // The first three warm the worker up.
    if (i >= 3) out.push(card ? card.at - at : Number.NaN);
    await new Promise((r) => setTimeout(r, 500));
  }
  return out;
}

function row(label: string, s: ReturnType<typeof summary>): string {
  return `${label.padEnd(30)} ${String(s.n).padStart(5)} ${fmt(s.p50).padStart(10)} ${fmt(s.p90).padStart(10)} ${fmt(s.p99).padStart(10)} ${fmt(s.max).padStart(10)} ${String(s.errors).padStart(7)}   ${fmt(s.p99FromSchedule)}`;
}

async function main(): Promise<void> {
  const prefixes = [testPrefix('bench-teams-ack'), testPrefix('bench-teams-card')];
  // The bot's own per-thread windows stay on; the simulator's are off so the bare app is not throttled either.
  const sim = await new TeamsSim({ enforceLimits: false }).start();
  const slack = await new SlackSim().start();
  const jira = await new JiraSim().start();
  const channels = Array.from(
    { length: CHANNELS },
    (_, i) => sim.addChannel(`19:bench-${i}@thread.tacv2`).id,
  );
  const secrets: Record<string, string> = {};
  const { entry } = addHealthySite(jira, { name: 'acme', host: 'acme.atlassian.net' }, secrets);
  const connectors = writeConnectors([entry]);
  const procs: ChildProcess[] = [];
  try {
    const [webPort, barePort, startPort] = [await freePort(), await freePort(), await freePort()];
    const envOf = (prefix: string, port: number) => ({
      ...botEnv(prefix, slack, jira, connectors, {
        ALIGN_BOT_OPERATORS: TEAMS_SIM_USERS.operator.aadObjectId,
      }),
      ...secrets,
      ...teamsEnv(sim),
      PORT: String(port),
      LOG_LEVEL: 'warn',
    });
    const web = await child('bench/lib/teams-bot.ts', ['web'], envOf(prefixes[0]!, webPort));
    procs.push(web);
    const bare = await child('bench/lib/bare-teams.ts', [], { ...teamsEnv(sim), PORT: String(barePort) });
    procs.push(bare);
    const botUrl = `http://127.0.0.1:${webPort}/api/messages`;
    const bareUrl = `http://127.0.0.1:${barePort}/api/messages`;

    console.log(
      `bench/teams — node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)} at start`,
    );
    console.log(
      `JWT-signed "@Align Bot test acme" at ${RATE}/s over ${CHANNELS} channels, open loop, ${(2 * ROUND_MS) / 1000} s per side in ${ROUND_MS / 1000} s rounds (A B B A) after a warm-up`,
    );
    console.log(
      'Align Bot side: `web` (CloudAdapter, JWT + tenant, Run record + BullMQ enqueue, root card into the thread), workers off',
    );
    console.log(
      'baseline: a bare CloudAdapter app answering each message with a short text into the thread\n',
    );
    const ack = await ackLatency(sim, botUrl, bareUrl, channels);
    console.log(
      `${'ack path (HTTP round trip)'.padEnd(30)} ${'n'.padStart(5)} ${'p50'.padStart(10)} ${'p90'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)} ${'errors'.padStart(7)}   p99 incl. generator lateness`,
    );
    console.log(row('bare CloudAdapter app', ack.bare));
    console.log(row('Align Bot (web)', ack.bot));
    console.log(
      `${'ratio bot / bare'.padEnd(30)} ${''.padStart(5)} ${`${(ack.bot.p50 / ack.bare.p50).toFixed(2)}×`.padStart(10)} ${`${(ack.bot.p90 / ack.bare.p90).toFixed(2)}×`.padStart(10)} ${`${(ack.bot.p99 / ack.bare.p99).toFixed(2)}×`.padStart(10)}`,
    );
    console.log(
      `Teams' own limit: an answer within ~15 s (reference/teams.md §3) → ${ack.bot.p99 < 15_000 ? 'met' : 'NOT met'}`,
    );
    recordFigures([
      {
        figure: 'Teams ack p50, bot / bare CloudAdapter',
        measured: round2(ack.bot.p50 / ack.bare.p50),
        unit: '×',
        target: 1.5,
        bench: 'bench/teams.ts',
      },
      {
        figure: 'Teams ack p99',
        measured: round1(ack.bot.p99),
        unit: 'ms',
        target: 15_000,
        bench: 'bench/teams.ts',
      },
    ]);
    console.log('');
    await stop(web);
    await stop(bare);

    const start = await child('bench/lib/teams-bot.ts', ['start'], envOf(prefixes[1]!, startPort));
    procs.push(start);
    const toCard = await commandToCard(sim, `http://127.0.0.1:${startPort}/api/messages`, channels);
    const ok = toCard.filter((ms) => !Number.isNaN(ms));
    const missing = toCard.length - ok.length;
    console.log(
      `command → first card at the simulator (\`start\`, web + workers in one process, ${ok.length} mentions, 2/s):`,
    );
    console.log(
      `  p50 ${fmt(percentile(ok, 50))}  p90 ${fmt(percentile(ok, 90))}  max ${fmt(Math.max(...ok))}${missing ? `  (${missing} never arrived)` : ''}`,
    );
    console.log(
      `  Slack's target for the same (DESIGN.md §8): p50 ≤ 100 ms → ${percentile(ok, 50) <= 100 ? 'met' : 'NOT met'}`,
    );
    recordFigures([
      {
        figure: 'Teams command → first card p50',
        measured: round1(percentile(ok, 50)),
        unit: 'ms',
        target: 100,
        bench: 'bench/teams.ts',
      },
      {
        figure: 'Teams commands whose card never arrived',
        measured: missing,
        unit: 'runs',
        target: 0,
        bench: 'bench/teams.ts',
      },
    ]);
    await stop(start);
  } finally {
    for (const proc of procs) await stop(proc);
    await Promise.all([sim.stop(), slack.stop(), jira.stop()]);
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
