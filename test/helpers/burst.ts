/**
 * A burst of signed `/align test <connector>` commands from many channels at a real `align-bot start` process,
 * against the Slack simulator (enforcing its rate limits) and the Jira simulator; shared by
 * test/e2e/reliability/burst.test.ts and bench/burst.ts. It measures each ack, waits until every run's root
 * message in the simulator's store shows a final state, and reads back what the simulator saw: its 429s and the
 * times of every post per channel.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { JiraSim } from '../../src/sandbox/jira-sim.js';
import { SlackSim, type SlackSimOptions } from '../../src/sandbox/slack-sim.js';
import { ADMIN, addHealthySite, botEnv, writeConnectors } from './bot.js';
import type { LoadAnswer, LoadPlan, LoadRequest } from './load-client.js';
import { freePort, REPO_ROOT, type Spawned, spawnBot } from './process.js';
import { deleteKeys, testPrefix } from './redis.js';

export interface BurstOptions {
  commands: number;
  channels: number;
  /** The simulator's limits (default: its own, Slack's). */
  slack?: SlackSimOptions;
  /** Spread the commands evenly over this many ms (open loop) instead of sending them all at once. */
  spreadMs?: number;
  /** How long every run may take to show a final root message after the burst. */
  settleMs?: number;
}

export interface BurstResult {
  /** Ack latency of each command, ms, from opening its connection to the end of the answer. */
  acks: number[];
  /** Commands not answered 200 with a queued run. */
  refused: number;
  /** Runs whose root message never reached a final state within settleMs. */
  lost: number;
  /** ms from the first command to the last run's final root message. */
  settledMs: number;
  /** Every Web API call the simulator answered 429. */
  rateLimited: number;
  /** Successful chat.postMessage arrival times per channel (ms since epoch, ascending). */
  postTimes: Map<string, number[]>;
  /** Calls per Web API method during the burst. */
  callsByMethod: Record<string, number>;
}

const FINAL = /: (passed|failed|cancelled|expired)\b/;
const RUN_ID = /Run (r-[a-z0-9]+) queued/;

export class BurstRig {
  readonly slack: SlackSim;
  readonly jira = new JiraSim();
  private procs: Spawned[] = [];
  private port = 0;
  private readonly prefix = testPrefix('burst');
  private connectors: string[] = [];
  private stopped = false;

  constructor(slackOptions: SlackSimOptions = {}) {
    this.slack = new SlackSim(slackOptions);
  }

  /**
   * Starts the simulators and the bot with one connector per channel — `align-bot start` (web and workers in one
   * process) or, split, `align-bot web` beside `align-bot worker` — and resolves once it is ready.
   */
  async start(channels: number, mode: 'start' | 'split' = 'start'): Promise<void> {
    await Promise.all([this.slack.start(), this.jira.start()]);
    const secrets: Record<string, string> = {};
    const entries = [];
    for (let i = 0; i < channels; i += 1) {
      const name = `burst${i}`;
      entries.push(addHealthySite(this.jira, { name, host: `${name}.atlassian.net` }, secrets).entry);
      this.connectors.push(name);
    }
    this.port = await freePort();
    const env = {
      ...botEnv(this.prefix, this.slack, this.jira, writeConnectors(entries)),
      ...secrets,
      PORT: String(this.port),
      LOG_LEVEL: 'warn',
    };
    const web = spawnBot([mode === 'split' ? 'web' : 'start'], env);
    this.procs = [web, ...(mode === 'split' ? [spawnBot(['worker'], env)] : [])];
    this.slack.botUrl = `http://127.0.0.1:${this.port}/slack/events`;
    await waitReady(`http://127.0.0.1:${this.port}/readyz`, web);
  }

  get output(): string {
    return this.procs.map((p) => p.output()).join('\n');
  }

  /** A few commands first, so the burst meets a warm process (JIT, pools, Redis scripts), as it would in use. */
  async warmUp(count = 10): Promise<void> {
    await this.burst({ commands: count, channels: Math.min(count, this.connectors.length) }, 'CWARM');
    this.slack.reset();
  }

  /**
   * `commands` commands at once (or spread over `spreadMs`), round-robin over `channels` channels, each testing its
   * channel's connector, sent by a load generator of its own (signedCommands).
   */
  async burst(options: BurstOptions, channelPrefix = 'CBURST'): Promise<BurstResult> {
    const t0 = Date.now();
    const requests = signedCommands(this.slack, {
      ...options,
      port: this.port,
      channelPrefix,
      textOf: (n) => `test ${this.connectors[n % this.connectors.length]!}`,
    });
    const answers = await sendFromOwnProcess(requests);
    const acks = answers.map((a) => a.ms);
    const runs = answers.flatMap((a) => {
      const runId = a.status === 200 ? RUN_ID.exec(a.body)?.[1] : undefined;
      return runId ? [runId] : [];
    });
    const refused = answers.length - runs.length;
    const pending = new Set(runs);
    const deadline = Date.now() + (options.settleMs ?? 120_000);
    while (pending.size > 0 && Date.now() < deadline) {
      for (const m of this.slack.messages) {
        const runId = m.metadata?.event_payload?.run_id;
        if (!m.threadTs && typeof runId === 'string' && FINAL.test(m.text)) pending.delete(runId);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
    }
    return {
      acks,
      refused,
      lost: pending.size,
      settledMs: Date.now() - t0,
      ...this.simulatorView(),
    };
  }

  private simulatorView() {
    const postTimes = new Map<string, number[]>();
    const callsByMethod: Record<string, number> = {};
    let rateLimited = 0;
    for (const call of this.slack.calls) {
      callsByMethod[call.method] = (callsByMethod[call.method] ?? 0) + 1;
      if (call.status === 429) rateLimited += 1;
      if (call.method !== 'chat.postMessage' || call.status !== 200 || call.error) continue;
      const channel = String(call.args.channel);
      postTimes.set(channel, [...(postTimes.get(channel) ?? []), call.at]);
    }
    return { postTimes, callsByMethod, rateLimited };
  }

  /** Stops the bot and the simulators and deletes the bot's keys; a second call does nothing. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.procs.map(stopProcess));
    await Promise.all([this.slack.stop(), this.jira.stop()]);
    await deleteKeys(this.prefix);
  }
}

/** The most posts any channel made within any `windowMs` (a channel paced at 1/s makes about windowMs / 1000). */
export function maxPostsInWindow(postTimes: Map<string, number[]>, windowMs: number): number {
  let max = 0;
  for (const times of postTimes.values()) {
    let first = 0;
    for (let last = 0; last < times.length; last += 1) {
      while (times[last]! - times[first]! >= windowMs) first += 1;
      max = Math.max(max, last - first + 1);
    }
  }
  return max;
}

async function stopProcess(proc: Spawned): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
}

async function waitReady(url: string, bot: Spawned, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await request(url).then(
      async (res) => {
        await res.body.dump();
        return res.statusCode;
      },
      () => 0,
    );
    if (status === 200) return;
    if (bot.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`align-bot start did not become ready\n${bot.output()}`);
}

/**
 * `commands` slash commands as Slack would send them to the bot on `port`, round-robin over `channels` channels
 * (`textOf` gives a channel's command text), each `spreadMs / commands` after the last (0: all at once): built
 * and signed now, to be sent by sendFromOwnProcess.
 */
export function signedCommands(
  slack: SlackSim,
  options: BurstOptions & { port: number; channelPrefix: string; textOf: (channel: number) => string },
): LoadRequest[] {
  const spacing = (options.spreadMs ?? 0) / options.commands;
  return Array.from({ length: options.commands }, (_, i) => {
    const n = i % options.channels;
    const body = new URLSearchParams(
      slack.commandPayload({
        text: options.textOf(n),
        userId: ADMIN,
        channelId: `${options.channelPrefix}${n}`,
      }),
    ).toString();
    return {
      port: options.port,
      path: '/slack/events',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slack.sign(body) },
      body,
      at: i * spacing,
    };
  });
}

/**
 * Sends the requests from a load generator process of its own (load-client.ts), as Slack sends from machines of
 * its own: a client sharing the simulators' event loop, or signing as it sends, would add its own queueing to
 * every ack. Returns the answers in the requests' order.
 */
export async function sendFromOwnProcess(requests: LoadRequest[]): Promise<LoadAnswer[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/load-client.ts'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdin.end(JSON.stringify({ requests } satisfies LoadPlan));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`the load generator exited with ${code}: ${err.slice(-2000)}`);
  return JSON.parse(out) as LoadAnswer[];
}
