/**
 * runPool (src/core/pool.ts) when a task throws. A report run's task throws RunHandedBack when the worker stops
 * (or RunCancelled on a cancel) while other connectors are still being tested: the pool must not settle before
 * those finish, or the job is handed back (and taken by another worker, which tests them again: each lands twice
 * in the connector's history) while this worker's tests still run and write.
 */
import { describe, expect, it } from 'vitest';
import { runPool } from '../../../src/core/pool.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runPool', () => {
  it('a task that throws rejects the pool only after the tasks in flight have finished, and starts no more', async () => {
    const finished: string[] = [];
    const started: string[] = [];
    const outcome = runPool(['fails', 'slow-1', 'slow-2', 'never'], { concurrency: 3 }, async (item) => {
      started.push(item);
      if (item === 'fails') throw new Error('handed back');
      await sleep(100);
      finished.push(item);
    });
    await expect(outcome).rejects.toThrow('handed back');
    expect(finished.sort()).toEqual(['slow-1', 'slow-2']);
    expect(started).not.toContain('never');
  });

  it('resolves when every task succeeded', async () => {
    const done: number[] = [];
    await runPool([1, 2, 3, 4], { concurrency: 2 }, async (n) => {
      await sleep(5);
      done.push(n);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4]);
  });
});
