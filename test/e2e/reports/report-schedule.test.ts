/**
 * Report schedules through BullMQ job schedulers on real Redis: one per channel however many processes upsert it,
 * re-asserted when a worker boots, firing report runs (a short `every` here), silent with --only-changes when
 * nothing changed, and managed from Slack with report schedule | list | off.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../src/core/run.js';
import { createLogger } from '../../../src/logger.js';
import { FLEET } from '../../../src/queue/report-runs.js';
import { ReportScheduler, type ScheduleInput, scheduleIdFor } from '../../../src/queue/report-scheduler.js';
import { connectInfra, type Infra, type Stoppable, startWorkers } from '../../../src/services.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;
let prefix: string;
const connections: Redis[] = [];
const schedulers: ReportScheduler[] = [];
let second: { infra: Infra; workers: Stoppable } | undefined;

/** A scheduler on a connection of its own, as another process would have. */
function schedulerOfAnotherProcess(): ReportScheduler {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  connections.push(redis);
  const scheduler = new ReportScheduler(redis, new RedisKeys(prefix), prefix);
  schedulers.push(scheduler);
  return scheduler;
}

function schedule(channel: string, extra: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    conversation: { platform: 'slack', channel },
    cron: '0 9 * * 1-5',
    tz: 'Europe/Berlin',
    onlyChanges: true,
    requestedBy: { platform: 'slack', id: ADMIN },
    ...extra,
  };
}

async function reportRuns(channel: string): Promise<Run[]> {
  const ids = await bot.worker!.runs.recentIds(FLEET, 100);
  const runs = await Promise.all(ids.map((id) => bot.worker!.runs.get(id)));
  return runs
    .filter((r): r is Run => r !== undefined && r.conversation.channel === channel)
    .sort((a, b) => a.createdAt - b.createdAt);
}

beforeAll(async () => {
  prefix = testPrefix('report-sched');
  bot = await startBot({
    prefix,
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net' },
    ],
  });
});

afterAll(async () => {
  await second?.workers.close();
  await second?.infra.close();
  for (const s of schedulers) await s.close();
  for (const c of connections) c.disconnect();
  await bot.stop();
});

describe('report schedules', () => {
  it('the same schedule upserted from two processes exists once, and every worker boot re-asserts it', async () => {
    const [a, b] = [schedulerOfAnotherProcess(), schedulerOfAnotherProcess()];
    const input = schedule('CSAME');
    await Promise.all([a.upsert(input), b.upsert(input), a.upsert(input), b.upsert(input)]);
    expect(await a.queue.getJobSchedulersCount()).toBe(1);
    expect(await b.queue.getDelayedCount()).toBe(1);
    const [stored] = await a.queue.getJobSchedulers(0, -1);
    expect(stored).toMatchObject({
      key: scheduleIdFor(input.conversation),
      pattern: '0 9 * * 1-5',
      tz: 'Europe/Berlin',
    });
    // The next firing is 09:00 on a weekday in Berlin, not now.
    const next = new Date(Number(stored!.next));
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);

    // Lost from BullMQ (say, a restored Redis): the record in Redis brings it back on the next worker boot.
    expect(await a.queue.removeJobScheduler(stored!.key)).toBe(true);
    expect(await a.queue.getJobSchedulersCount()).toBe(0);
    const infra = await connectInfra(bot.config, createLogger('silent'), 'worker');
    second = { infra, workers: await startWorkers(infra) };
    expect(await a.queue.getJobSchedulersCount()).toBe(1);
    expect(await a.queue.getDelayedCount()).toBe(1);
    expect((await b.list()).map((s) => s.id)).toEqual([stored!.key]);

    expect(await b.remove(input.conversation)).toBe(true);
    expect(await a.queue.getJobSchedulersCount()).toBe(0);
    expect(await a.list()).toEqual([]);
  });

  it('fires and posts a report; with --only-changes an unchanged fleet posts nothing, a change posts again', async () => {
    const scheduler = schedulerOfAnotherProcess();
    await scheduler.upsert(schedule('CFIRE', { cron: undefined, everyMs: 1500 }));
    const first = await waitFor(
      () =>
        bot.slack
          .channel('CFIRE')
          .find((m) => /Fleet report:/.test(m.text) && !/testing|starting/.test(m.text)),
      { what: 'first scheduled report', timeoutMs: 20_000 },
    );
    expect(first.text).toBe('✅ Fleet report: 2 passing (2 connectors)');
    expect(JSON.stringify(first.blocks)).toContain('scheduled (every 2 s, changes only)');

    // Two more firings, both processed (by either worker process) and both silent.
    const runs = await waitFor(
      async () => {
        const r = (await reportRuns('CFIRE')).filter((run) => run.state === 'succeeded');
        return r.length >= 3 ? r : undefined;
      },
      { what: 'three finished scheduled runs', timeoutMs: 20_000 },
    );
    expect(runs[0]!.facts.silent).toBe(false);
    expect(runs.slice(1).every((r) => r.facts.silent === true)).toBe(true);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    await new Promise((r) => setTimeout(r, 1200));
    expect(bot.slack.channel('CFIRE')).toHaveLength(1);
    // Nothing was even attempted for the silent runs: one post, plus the edits of that first root.
    expect(bot.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CFIRE')).toHaveLength(1);

    bot.jira.sites.get('globex.atlassian.net')!.fault = 'token-rejected';
    try {
      const changed = await waitFor(
        () => bot.slack.channel('CFIRE').find((m) => m.text.startsWith('❌ Fleet report')),
        { what: 'a report about the new failure', timeoutMs: 20_000 },
      );
      expect(JSON.stringify(changed.blocks)).toContain('New failures (1): globex');
    } finally {
      bot.jira.sites.get('globex.atlassian.net')!.fault = undefined;
      expect(await scheduler.remove({ platform: 'slack', channel: 'CFIRE' })).toBe(true);
    }
    expect(await scheduler.queue.getJobSchedulersCount()).toBe(0);
  }, 60_000);

  it('from Slack: report schedule, list and off', async () => {
    const send = async (text: string) =>
      (await bot.slack.sendCommand({ text, userId: ADMIN, channelId: 'CSLACK' })).body as { text: string };

    const scheduled = await send('report schedule "0 9 * * 1-5" --tz Europe/Berlin --only-changes');
    expect(scheduled.text).toContain(
      'Fleet report scheduled for this channel: `0 9 * * 1-5` in Europe/Berlin',
    );
    expect(scheduled.text).toMatch(/Next: (Mon|Tue|Wed|Thu|Fri), .* 09:00\./);

    const again = await send('report schedule "30 8 * * *" --tz Europe/Berlin');
    expect(again.text).toContain('This replaces the earlier schedule (0 9 * * 1-5 Europe/Berlin)');

    expect((await send('report schedule "* * * * *"')).text).toContain('more often than every 5 minutes');
    expect((await send('report schedule "0 9 * * 1-5" --tz Mars/Olympus')).text).toContain(
      'is not a time zone',
    );
    expect((await send('report schedule "61 9 * * *"')).text).toContain('not a cron expression');

    const list = await send('report list');
    expect(list.text).toContain('1 fleet report schedule(s)');
    const scheduler = schedulerOfAnotherProcess();
    const [record] = await scheduler.list();
    expect(record).toMatchObject({ cron: '30 8 * * *', tz: 'Europe/Berlin', onlyChanges: false });
    expect(await scheduler.queue.getJobSchedulersCount()).toBe(1);

    expect((await send('report off')).text).toContain('Stopped the scheduled fleet report');
    expect((await send('report off')).text).toContain('no fleet report schedule');
    expect(await scheduler.queue.getJobSchedulersCount()).toBe(0);
  });
});
