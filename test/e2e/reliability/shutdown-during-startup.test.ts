/**
 * SIGTERM while `start` is still starting: its worker already takes jobs, its web part is not listening yet (a
 * rollout that is cancelled, a scale-down right after a scale-up). The signal handlers were installed only once
 * everything had started, so Node's default action killed the process at once, its runs' jobs still locked until
 * their lock expired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, startBot } from '../../helpers/bot.js';
import { freePort, killAll, spawnBot } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import { launchRuns } from '../../helpers/takeover.js';
import { waitFor } from '../../helpers/wait.js';

describe('SIGTERM during startup', () => {
  let bot: BotHarness;

  beforeAll(async () => {
    bot = await startBot({
      prefix: testPrefix('term-startup'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
    });
  });

  afterAll(async () => {
    await killAll();
    await bot?.stop();
  });

  it('once its worker takes jobs, the stop hands them back and exits 0', {
    timeout: 120_000,
  }, async () => {
    bot.jira.sites.get('acme.atlassian.net')!.latencyMs = 1500;
    await launchRuns(bot, 2, 'early');
    const proc = spawnBot(['start'], {
      ...bot.env,
      PORT: String(await freePort()),
      ALIGN_BOT_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    });
    await waitFor(() => proc.output().includes('worker taking jobs'), {
      what: `the worker to take jobs\n${proc.output()}`,
      timeoutMs: 40_000,
      intervalMs: 5,
    });
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit, proc.output()).toEqual({ code: 0, signal: null });
    expect(await bot.web!.queues.runs.getJobCounts('active')).toEqual({ active: 0 });
  });
});
