/**
 * The bounded stop's parts (src/queue/worker-stop.ts): its budget exceeds the longest step, and the active-job
 * tracker knows which jobs still run and hands them back with their own lock tokens.
 */
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../src/core/runbooks/checks/context.js';
import { ActiveJobs, stopBudget } from '../../../src/queue/worker-stop.js';

describe('stopBudget', () => {
  it('hands back after the longest step and a margin, and exits only after that', () => {
    const budget = stopBudget(DEFAULT_LIMITS);
    expect(budget).toEqual({ stepMs: 30_000, handBackMs: 35_000, exitMs: 45_000 });
    const long = stopBudget({ requestMs: 10_000, totalMs: 120_000 });
    expect(long.exitMs).toBeGreaterThan(long.handBackMs);
    expect(long.handBackMs).toBeGreaterThan(120_000);
  });
});

describe('ActiveJobs', () => {
  function fakeJob(id: string) {
    const moved: Array<string | undefined> = [];
    const job = {
      id,
      moveToWait: async (token?: string) => {
        moved.push(token);
        return 0;
      },
    };
    return { job: job as unknown as Job, moved };
  }

  it('tracks a job while its processor runs, and settles when it returns', async () => {
    const active = new ActiveJobs();
    let finish: () => void = () => undefined;
    const processor = active.track(() => new Promise<void>((resolve) => (finish = resolve)));
    const running = processor(fakeJob('a').job, 'tok-a');
    expect(active.size).toBe(1);
    expect(await active.settled(20)).toBe(false);
    const settled = active.settled(5000);
    finish();
    await running;
    expect(await settled).toBe(true);
    expect(active.size).toBe(0);
  });

  it('hands back every job still running, with its own token; a job whose lock is gone is skipped', async () => {
    const active = new ActiveJobs();
    const hang = active.track(() => new Promise<void>(() => undefined));
    const a = fakeJob('a');
    const gone = { id: 'b', moveToWait: async () => Promise.reject(new Error('Missing lock')) };
    void hang(a.job, 'tok-a');
    void hang(gone as unknown as Job, 'tok-b');
    expect(await active.handBack()).toEqual(['a']);
    expect(a.moved).toEqual(['tok-a']);
  });
});
