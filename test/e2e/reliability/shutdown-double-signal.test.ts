/**
 * A second signal while the process already stops (a supervisor that repeats SIGTERM, or `npm start` forwarding
 * the Ctrl-C the terminal also sent to the bot): the stop in progress goes on — runs handed back, exit 0 — instead
 * of Node's default action for a signal nobody listens to any more (killed at once, jobs left locked).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, startBot } from '../../helpers/bot.js';
import { freePort, killAll } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import { launchRuns, startServing, waitMidway } from '../../helpers/takeover.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a second signal during the stop', () => {
  let bot: BotHarness;

  beforeAll(async () => {
    bot = await startBot({
      prefix: testPrefix('double-signal'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
    });
  });

  afterAll(async () => {
    await killAll();
    await bot?.stop();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} twice: the stop goes on, the runs are handed back and the process exits 0`, {
      timeout: 120_000,
    }, async () => {
      const port = await freePort();
      bot.jira.sites.get('acme.atlassian.net')!.latencyMs = 1500;
      const { proc } = await startServing(bot, port);
      const runs = await launchRuns(bot, 2, `twice-${signal}`);
      await waitMidway(bot, runs, `the runs past their tenant check\n${proc.output()}`, { step: 'tenant' });

      proc.child.kill(signal);
      await sleep(200);
      proc.child.kill(signal);
      const exit = await proc.exited;
      expect(exit, proc.output()).toEqual({ code: 0, signal: null });
      expect(await bot.web!.queues.runs.getJobCounts('active')).toEqual({ active: 0 });
    });
  }
});
