/**
 * The outbox's throughput under per-channel pacing (issue 12: "100 channels with a post due each → ≥ 90 % of the
 * pacing limit"), on a clock the test moves: 100 channels with ten posts due in each at once go out one interval
 * apart per channel, all within (ten − 1) intervals, and each waiting sync wakes once, at its own slot — not all
 * at the same moment to find one winner and send the rest back to sleep, which is what kept a loaded worker from
 * the pacing limit.
 */
import { DelayedError, type Job } from 'bullmq';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import type { OutboxJob } from '../../../src/queue/names.js';
import { outboxProcessor } from '../../../src/queue/outbox.js';
import { ManualClock } from '../helpers/clock.js';
import { FakeChat } from '../helpers/fake-chat.js';
import { MemoryDeliveryStore, MemoryPacer, MemoryRunStore } from '../helpers/memory-stores.js';
import { aRun } from '../helpers/runs.js';

const CHANNELS = 100;
const POSTS_PER_CHANNEL = 10;
const INTERVAL_MS = 1000;

interface SimJob {
  runId: string;
  channel: string;
  dueAt: number;
  attempts: number;
  done: boolean;
}

let clock: ManualClock;
let chat: FakeChat;
let runs: MemoryRunStore;
let jobs: SimJob[];
let t0: number;

beforeEach(async () => {
  clock = new ManualClock();
  t0 = clock.now();
  chat = new FakeChat({ pacing: { postIntervalMs: INTERVAL_MS, updateIntervalMs: INTERVAL_MS } });
  runs = new MemoryRunStore(clock);
  jobs = [];
  for (let k = 0; k < POSTS_PER_CHANNEL; k += 1) {
    for (let c = 0; c < CHANNELS; c += 1) {
      const channel = `C${c}`;
      const run = aRun({ state: 'succeeded', conversation: { platform: chat.platform, channel } });
      await runs.create(run);
      jobs.push({ runId: run.id, channel, dueAt: t0, attempts: 0, done: false });
    }
  }
});

/** Runs due jobs in order, as a worker would, and moves the clock to the next due one when none is. */
async function drain(): Promise<Map<string, number[]>> {
  const process = outboxProcessor({
    runs,
    deliveries: new MemoryDeliveryStore(),
    pacer: new MemoryPacer(clock),
    chatFor: () => chat,
    viewOf: (run) => ({ root: { text: run.id, blocks: [{ type: 'text', text: [run.id] }] }, replies: [] }),
    logger: createLogger('silent'),
    now: () => clock.now(),
  });
  const postedAt = new Map<string, number[]>();
  for (let rounds = 0; rounds < 10_000; rounds += 1) {
    const open = jobs.filter((j) => !j.done);
    if (open.length === 0) return postedAt;
    const next = Math.min(...open.map((j) => j.dueAt));
    if (next > clock.now()) clock.advance(next - clock.now());
    for (const job of open.filter((j) => j.dueAt <= clock.now())) {
      job.attempts += 1;
      const posts = chat.calls.length;
      const handle = {
        data: { kind: 'sync', runId: job.runId },
        moveToDelayed: async (at: number) => {
          job.dueAt = at;
        },
      };
      try {
        await process(handle as unknown as Job<OutboxJob>);
        job.done = true;
      } catch (error) {
        if (!(error instanceof DelayedError)) throw error;
      }
      if (chat.calls.length > posts) {
        postedAt.set(job.channel, [...(postedAt.get(job.channel) ?? []), clock.now() - t0]);
      }
    }
  }
  throw new Error('the outbox did not drain');
}

describe('outbox: 100 channels with posts due at once', () => {
  it('posts one per interval per channel, all within (posts − 1) intervals, each sync woken once', async () => {
    const postedAt = await drain();
    expect(chat.roots()).toHaveLength(CHANNELS * POSTS_PER_CHANNEL);
    const expected = Array.from({ length: POSTS_PER_CHANNEL }, (_, i) => i * INTERVAL_MS);
    for (let c = 0; c < CHANNELS; c += 1) expect(postedAt.get(`C${c}`)).toEqual(expected);
    // A waiting sync wakes at the slot it holds: one attempt that waits, one that posts.
    expect(Math.max(...jobs.map((j) => j.attempts))).toBeLessThanOrEqual(2);
    expect(jobs.reduce((n, j) => n + j.attempts, 0)).toBe(2 * jobs.length - CHANNELS);
  });

  it('a 429 voids the slots handed out: their holders queue again behind Retry-After, nothing is lost', async () => {
    chat.rateLimitNext('post', 5000, CHANNELS);
    const postedAt = await drain();
    expect(chat.roots()).toHaveLength(CHANNELS * POSTS_PER_CHANNEL);
    const limited = [...postedAt.values()].find((times) => times[1]! >= 5000);
    expect(limited, 'the rate-limited channel').toBeDefined();
    for (const times of postedAt.values()) {
      for (let i = 1; i < times.length; i += 1)
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(INTERVAL_MS);
    }
  });
});
