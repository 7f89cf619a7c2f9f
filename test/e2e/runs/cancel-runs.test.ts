/**
 * Issue 8, defect 10: `/align cancel` cancels every kind of run between its steps — a test between two checks, a
 * report between two connectors — and the root message says it was cancelled and by whom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;
const SLOW = ['slow1', 'slow2', 'slow3', 'slow4'];

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('cancel-runs'),
    // Every Jira answer takes a while, so there is time to cancel between steps.
    connectors: SLOW.map((name) => ({
      name,
      host: `${name}.atlassian.net`,
      setup: (site) => (site.latencyMs = 150),
    })),
    env: { ALIGN_BOT_REPORT_CONCURRENCY: '1' },
  });
});

afterAll(async () => {
  await bot.stop();
});

async function command(text: string, channel: string, userId: string): Promise<string> {
  const ack = await bot.slack.sendCommand({ text, userId, channelId: channel });
  return (ack.body as { text: string }).text;
}

describe('/align cancel', () => {
  it('stops a test run between checks; the root says cancelled, by whom', async () => {
    const channel = 'CCANT';
    const runId = /Run (r-[a-z0-9]+)/.exec(await command('test slow1', channel, OPERATOR))![1]!;
    await waitFor(async () => (await bot.web!.runs.get(runId))?.steps.some((s) => s.status === 'pass'), {
      what: 'the first check passed',
    });
    expect(await command(`cancel ${runId}`, channel, OPERATOR)).toContain('Cancelling');
    const run = await waitFor(
      async () => {
        const r = await bot.web!.runs.get(runId);
        return r && r.state !== 'running' ? r : undefined;
      },
      { what: 'the test run ended', timeoutMs: 20_000 },
    );
    expect(run.state).toBe('cancelled');
    expect(run.endedAt).toBeDefined();
    const cancelled = run.steps.filter((s) => s.status === 'skip' && s.detail === 'Cancelled.');
    expect(cancelled.length).toBeGreaterThan(0);
    const root = await waitFor(() => bot.slack.channel(channel).find((m) => m.text.includes('cancelled')), {
      what: 'the root message says cancelled',
    });
    expect(root.text).toContain(`Cancelled by @${OPERATOR}`);
    expect(bot.slack.channel(channel)).toHaveLength(1);
    const audit = (await bot.web!.audit.recent({ limit: 50 })).filter((e) => e.runId === runId);
    expect(audit.map((e) => `${e.action}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['cancel:ok', 'test:cancelled']),
    );
  });

  it('stops a report between connectors; the root says cancelled, by whom', async () => {
    const channel = 'CCANR';
    const runId = /(r-[a-z0-9]+) queued/.exec(await command('report now', channel, ADMIN))![1]!;
    await waitFor(async () => (await bot.web!.runs.get(runId))?.state === 'running', {
      what: 'the report running',
    });
    expect(await command(`cancel ${runId}`, channel, ADMIN)).toContain('Cancelling');
    const run = await waitFor(
      async () => {
        const r = await bot.web!.runs.get(runId);
        return r && r.state !== 'running' ? r : undefined;
      },
      { what: 'the report ended', timeoutMs: 30_000 },
    );
    expect(run.state).toBe('cancelled');
    expect(run.facts.report).toBeUndefined();
    const root = await waitFor(
      () => bot.slack.channel(channel).find((m) => m.text.includes('Fleet report cancelled')),
      { what: 'the report root says cancelled' },
    );
    expect(root.text).toContain(`Cancelled by @${ADMIN}`);
  });
});
