/**
 * Load (issue 12, item 5): 200 signed `/align test <connector>` commands at once from 20 channels at the bot as
 * docs/operations.md deploys it — an `align-bot web` process beside an `align-bot worker` — against the Slack
 * simulator, which enforces Slack's per-channel posting limit and its per-method tiers (chat.update: 50 a minute)
 * with 429 + Retry-After, and the Jira simulator.
 * Every command is acked 200 with a queued run within Slack's 3 s, every run's root message in the simulator's
 * store ends in a final state, the simulator answered no call 429, and no channel was posted to faster than about
 * one a second. The commands are signed first and sent by a load generator process of their own, one connection
 * each (test/helpers/load-client.ts). Ack p99 is not asserted: with all 200 arriving in the same instant it swings
 * from ~0.3 s to ~2 s on a shared 2-core machine (a bare Bolt app that only acks: 0.15–0.6 s); bench/burst.ts
 * measures it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BurstResult, BurstRig, maxPostsInWindow } from '../../helpers/burst.js';

const COMMANDS = 200;
const CHANNELS = 20;

let rig: BurstRig;
let result: BurstResult;

describe('burst: 200 commands from 20 channels', () => {
  beforeAll(async () => {
    rig = new BurstRig({ tiers: true });
    await rig.start(CHANNELS, 'split');
    await rig.warmUp();
    result = await rig.burst({ commands: COMMANDS, channels: CHANNELS, settleMs: 150_000 });
  }, 240_000);

  afterAll(async () => {
    await rig?.stop();
  }, 30_000);

  it('every command is acked 200 with a queued run within 3 s', () => {
    expect(result.acks).toHaveLength(COMMANDS);
    expect(result.refused).toBe(0);
    expect(result.acks.filter((ms) => ms > 3000)).toEqual([]);
  });

  it('every run completes: its root message in the simulator ends in a final state', () => {
    expect(result.lost, rig.output.slice(-3000)).toBe(0);
  });

  it('the simulator answered no call 429 (per channel or per method tier), and every channel was paced at about one post a second', () => {
    expect(result.rateLimited).toBe(0);
    expect(result.postTimes.size).toBe(CHANNELS);
    const posts = [...result.postTimes.values()].reduce((n, times) => n + times.length, 0);
    expect(posts).toBeGreaterThanOrEqual(COMMANDS);
    // Ten roots a channel: never more than one a second over ten seconds (a slot taken late may land close to
    // the next one, so a single second can hold two).
    expect(maxPostsInWindow(result.postTimes, 10_000)).toBeLessThanOrEqual(11);
    expect(maxPostsInWindow(result.postTimes, 1000)).toBeLessThanOrEqual(3);
  });
});
