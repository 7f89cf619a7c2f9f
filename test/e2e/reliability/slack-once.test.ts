/**
 * Exactly-once chat posts against real processes (issue 12, "must be true"): a private redis-server, two real
 * worker processes, and a fault-injecting proxy between them and the Slack simulator. Twenty runs each get one
 * ambiguous failure — accepted by Slack, then answered 500, or never answered (the client's 10 s timeout) — on their
 * root or on their first reply. With a history scope nothing is lost and nothing is duplicated (the outbox looks the
 * post up, within the simulator's history rate limit); without one nothing is lost and each ambiguous failure
 * costs one duplicate at most. Counted from what the simulator stored: roots per run id and replies per key, by
 * the metadata each post carries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../src/core/run.js';
import type { SimMessage } from '../../../src/sandbox/slack-sim.js';
import { type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { FaultProxy, type ProxyFault } from '../../helpers/fault-proxy.js';
import { killAll, type Spawned, spawnBot } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import { HAS_REDIS_SERVER, PrivateRedisServer } from '../../helpers/redis-server.js';
import { waitFor } from '../../helpers/wait.js';

const RUNS = 20;
const HISTORY_SCOPES = ['channels:history', 'groups:history'];
/** Tier 3 (a Marketplace app, or an older install): the simulator enforces it, the bot paces to it. */
const LOOKUPS_PER_MINUTE = 50;

let redis: PrivateRedisServer;
let bot: BotHarness;
let proxy: FaultProxy;

describe.skipIf(!HAS_REDIS_SERVER)('exactly-once posts through worker processes and a faulty Slack', () => {
  beforeAll(async () => {
    redis = await new PrivateRedisServer().start();
    bot = await startBot({
      prefix: testPrefix('once'),
      connectors: [
        { name: 'initech', host: 'initech.atlassian.net', setup: (s) => (s.fault = 'anonymous-fallback') },
      ],
      workers: false,
      env: { REDIS_URL: redis.url },
    });
    bot.slack.historyLimit.perMinute = LOOKUPS_PER_MINUTE;
    proxy = await new FaultProxy(bot.slack.url).start();
  }, 30_000);

  afterAll(async () => {
    await killAll();
    await proxy?.stop();
    await bot?.stop();
    await redis?.kill();
  });

  describe('with channels:history and groups:history', () => {
    beforeAll(async () => {
      bot.slack.scopes.push(...HISTORY_SCOPES);
      await startWorkers('history lookups on');
    }, 60_000);

    afterAll(async () => {
      await killAll();
      bot.slack.scopes = bot.slack.scopes.filter((s) => !HISTORY_SCOPES.includes(s));
    });

    it('accepted then 500 on 20 runs: 0 lost, 0 duplicated', { timeout: 90_000 }, async () => {
      const result = await faultyRuns('accepted-then-500', 'h500');
      expectNoneLost(result);
      expect(result.duplicates).toEqual([]);
      expect(result.lookups).toBeGreaterThanOrEqual(RUNS);
      expectNoLookupLimited();
    });

    it('accepted then no answer (10 s timeout) on 20 runs: 0 lost, 0 duplicated', {
      timeout: 90_000,
    }, async () => {
      const result = await faultyRuns('accepted-then-silence', 'hto');
      expectNoneLost(result);
      expect(result.duplicates).toEqual([]);
      expect(result.lookups).toBeGreaterThanOrEqual(RUNS);
      expectNoLookupLimited();
    });
  });

  describe('without a history scope', () => {
    beforeAll(async () => {
      await startWorkers('at most one duplicate after an ambiguous failure');
    }, 60_000);

    it('accepted then 500 on 20 runs: 0 lost, one duplicate per ambiguous failure at most', {
      timeout: 90_000,
    }, async () => {
      const result = await faultyRuns('accepted-then-500', 'n500');
      expectNoneLost(result);
      expectAtMostOneDuplicateEach(result);
      expect(result.lookups).toBe(0);
    });

    it('accepted then no answer (10 s timeout) on 20 runs: 0 lost, one duplicate per ambiguous failure at most', {
      timeout: 90_000,
    }, async () => {
      const result = await faultyRuns('accepted-then-silence', 'nto');
      expectNoneLost(result);
      expectAtMostOneDuplicateEach(result);
    });
  });
});

let workers: Spawned[] = [];

/** Two worker processes behind the proxy; waits for the line that says which mode they run in. */
async function startWorkers(modeLine: string): Promise<void> {
  const env = {
    ...bot.env,
    REDIS_URL: redis.url,
    SLACK_API_URL: proxy.apiUrl,
    SLACK_HISTORY_LOOKUPS_PER_MINUTE: String(LOOKUPS_PER_MINUTE),
    LOG_LEVEL: 'info',
  };
  workers = [spawnBot(['worker'], env), spawnBot(['worker'], env)];
  for (const worker of workers) {
    await waitFor(() => worker.output().includes(modeLine), {
      what: `a worker to log "${modeLine}"\n${worker.output()}`,
      timeoutMs: 40_000,
    });
  }
}

interface Result {
  runs: Run[];
  /** Copies stored per message: `<channel>/root`, `<channel>/<check title>` (each run has a channel of its own). */
  copies: Map<string, number>;
  /** Messages whose first post the proxy spoiled. */
  faulted: Set<string>;
  duplicates: string[];
  lookups: number;
}

/**
 * Twenty `test initech` runs in twenty channels; the first post of each run's root (even runs) or of its first
 * reply (odd runs) is spoiled by `fault`. Waits until every run ended and its messages are final, then counts.
 * Messages are told apart by channel and text (a reply's text starts with its check's title), not by metadata, so
 * that the count means the same with and without it.
 */
async function faultyRuns(fault: ProxyFault, label: string): Promise<Result> {
  const faulted = new Set<string>();
  const order = new Map<string, number>();
  const firstReply = new Map<string, string>();
  proxy.plan = ({ method, args }) => {
    if (method !== 'chat.postMessage') return undefined;
    const channel = String(args.channel);
    const key = args.thread_ts ? keyOfText(String(args.text)) : 'root';
    if (!order.has(channel)) order.set(channel, order.size);
    if (key !== 'root' && !firstReply.has(channel)) firstReply.set(channel, key);
    const target = order.get(channel)! % 2 === 0 ? key === 'root' : firstReply.get(channel) === key;
    const id = `${channel}/${key}`;
    if (!target || faulted.has(id)) return undefined;
    faulted.add(id);
    return fault;
  };
  const lookupsBefore = lookupCalls();
  const started = Date.now();
  const channels = Array.from({ length: RUNS }, (_, i) => `CONCE${label}${String(i).padStart(2, '0')}`);
  const launched = await Promise.all(
    channels.map(async (channel) => {
      const ack = await bot.slack.sendCommand({ text: 'test initech', userId: OPERATOR, channelId: channel });
      const runId = /Run (r-[a-z0-9]+) queued/.exec((ack.body as { text: string }).text)?.[1];
      expect(runId, JSON.stringify(ack.body)).toBeDefined();
      return { channel, runId: runId! };
    }),
  );
  const channelOf = new Map(launched.map((r) => [r.runId, r.channel]));
  const runs = await waitFor(
    async () => {
      const all = await Promise.all(launched.map((r) => bot.web!.runs.get(r.runId)));
      return all.every((r) => r?.state === 'failed') ? (all as Run[]) : undefined;
    },
    { what: `every run to end\n${workerOutput()}`, timeoutMs: 60_000 },
  );
  await waitFor(() => runs.every((run) => complete(run, channelOf.get(run.id)!)), {
    what: `every run's root to be final and each failure to have its reply\n${workerOutput()}`,
    timeoutMs: 60_000,
  });
  // Anything still on its way lands before counting.
  await new Promise((r) => setTimeout(r, 2000));
  const copies = new Map<string, number>();
  const count = (id: string) => copies.set(id, (copies.get(id) ?? 0) + 1);
  for (const channel of channels) {
    for (const root of bot.slack.channel(channel)) {
      count(`${channel}/root`);
      for (const reply of bot.slack.thread(channel, root.ts)) count(`${channel}/${keyOfText(reply.text)}`);
    }
  }
  const duplicates = [...copies].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  const result = { runs, copies, faulted, duplicates, lookups: lookupCalls() - lookupsBefore };
  report(label, fault, result, Date.now() - started);
  expectTagged(channelOf);
  return result;
}

/** A reply's key here: its check's title, the text before the first colon. */
function keyOfText(text: string): string {
  return text.split(':')[0]!;
}

/** The run's root shows its end, and every failed check has its reply. */
function complete(run: Run, channel: string): boolean {
  const roots = bot.slack.channel(channel);
  if (!roots.some((m) => m.text.includes('test initech: failed'))) return false;
  const replies = roots.flatMap((root) => bot.slack.thread(channel, root.ts));
  return run.steps
    .filter((s) => s.status === 'fail')
    .every((s) => replies.some((m) => keyOfText(m.text) === s.title));
}

/** Every post carries its run and key as metadata (what a lookup finds it by). */
function expectTagged(channelOf: Map<string, string>): void {
  for (const [runId, channel] of channelOf) {
    for (const root of bot.slack.channel(channel)) {
      expect(tagOf(root.metadata)).toEqual({ run: runId, key: 'root' });
      for (const reply of bot.slack.thread(channel, root.ts)) {
        expect(tagOf(reply.metadata)?.run).toBe(runId);
        expect(tagOf(reply.metadata)?.key).toMatch(/^fail:/);
      }
    }
  }
}

function tagOf(metadata: unknown): { run: string; key: string } | undefined {
  const payload = (metadata as SimMessage['metadata'])?.event_payload;
  const run = payload?.run_id;
  const key = payload?.key;
  return typeof run === 'string' && typeof key === 'string' ? { run, key } : undefined;
}

function expectNoneLost(result: Result): void {
  expect(result.runs).toHaveLength(RUNS);
  for (const run of result.runs) {
    expect(run.steps.filter((s) => s.status === 'fail').length).toBeGreaterThanOrEqual(2);
  }
  // Every run had exactly one ambiguous failure: on its root (10 runs) or on its first reply (10 runs).
  expect(result.faulted.size).toBe(RUNS);
  expect([...result.faulted].filter((t) => t.endsWith('/root'))).toHaveLength(RUNS / 2);
}

function expectAtMostOneDuplicateEach(result: Result): void {
  for (const [tag, n] of result.copies) {
    expect(n, tag).toBeLessThanOrEqual(1 + (result.faulted.has(tag) ? 1 : 0));
  }
  const roots = [...result.copies].filter(([t]) => t.endsWith('/root')).reduce((sum, [, n]) => sum + n, 0);
  expect(roots).toBeLessThanOrEqual(RUNS + RUNS / 2);
}

function lookupCalls(): number {
  return proxy.calls.filter((c) => c.method.startsWith('conversations.')).length;
}

function expectNoLookupLimited(): void {
  const limited = bot.slack.calls.filter((c) => c.method.startsWith('conversations.') && c.status === 429);
  expect(limited).toEqual([]);
}

function workerOutput(): string {
  return workers.map((w) => w.output().slice(-3000)).join('\n---\n');
}

/** The measured counts, for the figures. */
function report(label: string, fault: ProxyFault, result: Result, ms: number): void {
  const roots = [...result.copies].filter(([t]) => t.endsWith('/root'));
  const replies = [...result.copies].filter(([t]) => !t.endsWith('/root'));
  const sum = (list: Array<[string, number]>) => list.reduce((s, [, n]) => s + n, 0);
  const extra = (list: Array<[string, number]>) => sum(list) - list.length;
  console.info(
    `[once] ${label} ${fault}: ${result.runs.length} runs, ${sum(roots)} roots, ${sum(replies)} replies for ${replies.length} keys; ${result.faulted.size} ambiguous failures; duplicates: ${extra(roots)} roots, ${extra(replies)} replies (most copies of one message: ${Math.max(...result.copies.values())}); ${result.lookups} lookups; ${ms} ms`,
  );
}
