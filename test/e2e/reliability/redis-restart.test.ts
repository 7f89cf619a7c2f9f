/**
 * Redis restarted under load → 0 lost (issue 12): a private redis-server with an append-only file (as production
 * runs it), two real worker processes with 30 slow runs in flight and more commands arriving every 150 ms, and a
 * graceful Redis restart (SIGTERM, start again on the same port and data) in the middle. Every command the bot
 * answered "queued" ends as a run that passed, with its one root message in its channel; commands that arrived
 * while Redis was down were told to try again, none claimed as queued and then dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { killAll, type Spawned, spawnBot } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import { HAS_REDIS_SERVER, PrivateRedisServer } from '../../helpers/redis-server.js';
import {
  type LaunchedRun,
  launchRuns,
  liveWorkers,
  rootsWhenFinal,
  waitEnded,
  waitMidway,
} from '../../helpers/takeover.js';
import { waitFor } from '../../helpers/wait.js';

const RUNS = 30;

describe.skipIf(!HAS_REDIS_SERVER)('Redis restarted under load', () => {
  const redis = new PrivateRedisServer({ persist: true });
  let bot: BotHarness;
  let workers: Spawned[] = [];

  beforeAll(async () => {
    await redis.start();
    bot = await startBot({
      prefix: testPrefix('redis-restart'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
      env: { REDIS_URL: redis.url },
    });
  }, 30_000);

  afterAll(async () => {
    await killAll();
    await Promise.race([bot?.stop(), new Promise((r) => setTimeout(r, 10_000))]);
    await redis.kill();
  });

  it('every run acked as queued passes, with one root message; none lost', { timeout: 240_000 }, async () => {
    bot.jira.sites.get('acme.atlassian.net')!.latencyMs = 800;
    const env = { ...bot.env, LOG_LEVEL: 'warn' };
    workers = [spawnBot(['worker'], env), spawnBot(['worker'], env)];
    await waitFor(async () => (await liveWorkers(bot)) === 2, {
      what: `two worker heartbeats\n${output()}`,
      timeoutMs: 40_000,
    });
    const runs = await launchRuns(bot, RUNS, 'rr');
    await waitMidway(bot, runs, `every run mid-way\n${output()}`);

    const stream = new CommandStream(bot);
    await new Promise((r) => setTimeout(r, 1000));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await redis.start();
    await new Promise((r) => setTimeout(r, 3000));
    const streamed = await stream.stop();
    console.info(
      `[redis-restart] ${RUNS} runs in flight; ${streamed.queued.length} more queued and ${streamed.refused} told to try again around the restart`,
    );
    expect(streamed.refused).toBeGreaterThan(0);
    expect(streamed.queued.length).toBeGreaterThan(0);
    expect(streamed.other).toEqual([]);

    const all = [...runs, ...streamed.queued];
    const ended = await waitEnded(bot, all, `every queued run to end\n${output()}`, 150_000);
    const notPassed = ended.filter((r) => r.state !== 'succeeded');
    expect(notPassed.map((r) => `${r.id} ${r.state} ${JSON.stringify(r.outcome)}`)).toEqual([]);
    expect(await rootsWhenFinal(bot, all, `every root final\n${output()}`)).toEqual(all.map(() => 1));
  });

  function output(): string {
    return workers.map((w) => w.output().slice(-3000)).join('\n---\n');
  }
});

/** `/align test acme` every 150 ms, each in a channel of its own, sorting the answers. */
class CommandStream {
  readonly queued: LaunchedRun[] = [];
  refused = 0;
  readonly other: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly bot: BotHarness) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    for (let i = 0; this.running; i++) {
      const channel = `CRRS${String(i).padStart(3, '0')}`;
      const ack = await this.bot.slack.sendCommand({
        text: 'test acme',
        userId: OPERATOR,
        channelId: channel,
      });
      const text = (ack.body as { text?: string }).text ?? '';
      const runId = /Run (r-[a-z0-9]+) queued/.exec(text)?.[1];
      if (runId) this.queued.push({ runId, channel });
      else if (/try again/.test(text)) this.refused += 1;
      else this.other.push(`${ack.status} ${text}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  async stop() {
    this.running = false;
    await this.loop;
    return { queued: this.queued, refused: this.refused, other: this.other };
  }
}
