/**
 * The pacer's Redis scripts (src/queue/pacer.ts): a post that finds its channel busy is handed the next free slot
 * and holds it — later callers queue one interval apart behind it — and gets it when it comes back; a slot held
 * too long is gone; a 429 voids every slot handed out.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Pacer, PaceWait } from '../../../src/queue/pacer.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';

const prefix = testPrefix('pacer');
const redis = new Redis(REDIS_URL);
const pacer = new Pacer(redis, new RedisKeys(prefix));
const INTERVAL = 1000;
/** How late a call may come on a loaded machine. */
const LATE = 400;

afterAll(async () => {
  redis.disconnect();
  await deleteKeys(prefix);
});

async function waitOf(holder: string, target: string): Promise<number> {
  try {
    await pacer.reserve('post', target, INTERVAL, holder);
    return 0;
  } catch (error) {
    if (error instanceof PaceWait) return error.waitMs;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Pacer.reserve', () => {
  it('queues waiting callers one interval apart and hands each its own slot when it comes back', async () => {
    expect(await waitOf('a', 'slack:C1')).toBe(0);
    const b = await waitOf('b', 'slack:C1');
    const c = await waitOf('c', 'slack:C1');
    expect(b).toBeGreaterThan(INTERVAL - LATE);
    expect(b).toBeLessThanOrEqual(INTERVAL);
    expect(c - b).toBeGreaterThan(INTERVAL - LATE);
    expect(c - b).toBeLessThanOrEqual(INTERVAL);
    // Asking again early: the same slot, not a new one at the back.
    const again = await waitOf('c', 'slack:C1');
    expect(again).toBeLessThanOrEqual(c);
    expect(again).toBeGreaterThan(c - LATE);
    await sleep(b + 5);
    expect(await waitOf('b', 'slack:C1')).toBe(0);
    // Another channel is not held up.
    expect(await waitOf('d', 'slack:C2')).toBe(0);
    await sleep(c - b + 5);
    expect(await waitOf('c', 'slack:C1')).toBe(0);
  });

  it('a slot held for more than two intervals past its time is gone: the caller queues again', async () => {
    expect(await waitOf('a', 'slack:C3')).toBe(0);
    expect(await waitOf('b', 'slack:C3')).toBeGreaterThan(0);
    await sleep(4 * INTERVAL);
    expect(await waitOf('b', 'slack:C3')).toBe(0);
    expect(await waitOf('b', 'slack:C3')).toBeGreaterThan(INTERVAL - LATE);
  });

  it('a 429 voids the slots handed out: holders queue again after Retry-After', async () => {
    expect(await waitOf('a', 'slack:C4')).toBe(0);
    expect(await waitOf('b', 'slack:C4')).toBeGreaterThan(0);
    await pacer.push('post', 'slack:C4', 5000);
    const b = await waitOf('b', 'slack:C4');
    expect(b).toBeGreaterThan(5000 - LATE);
  });

  it('a 429 behind a queue of held slots: the channel is free again after Retry-After, not after the voided slots', async () => {
    expect(await waitOf('a', 'slack:C5')).toBe(0);
    for (const holder of ['b', 'c', 'd', 'e', 'f'])
      expect(await waitOf(holder, 'slack:C5')).toBeGreaterThan(0);
    // Five slots were handed out (up to 5 s ahead); the 429 voids them and asks for 1 s.
    await pacer.push('post', 'slack:C5', INTERVAL);
    // The first voided holder, back at its old slot, queues after Retry-After — not behind the five void slots.
    const b = await waitOf('b', 'slack:C5');
    expect(b).toBeLessThanOrEqual(INTERVAL);
    expect(b).toBeGreaterThan(INTERVAL - LATE);
  });

  it('a holder that comes back late and posts again at once (next page of the same sync) waits an interval', async () => {
    expect(await waitOf('a', 'slack:C6')).toBe(0);
    const b = await waitOf('b', 'slack:C6');
    expect(b).toBeGreaterThan(0);
    // Back late (a busy worker), but within the two intervals a held slot is kept: b posts...
    await sleep(b + 1.3 * INTERVAL);
    expect(await waitOf('b', 'slack:C6')).toBe(0);
    // ...and its next post in the same sync must not follow it at once.
    expect(await waitOf('b', 'slack:C6')).toBeGreaterThan(INTERVAL - LATE);
  });
});
