/**
 * /metrics on the web process: connector up gauges and expiry from Redis, check-duration histograms, runs by kind
 * and state, outbox deliveries and 429s, queue depths — and a separate worker's own endpoint.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { startWorkerMetrics } from '../../../src/web/metrics.js';
import { ADMIN, addHealthySite, type BotHarness, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;

async function scrape(url: string): Promise<string> {
  const res = await request(url);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  return res.body.text();
}

function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inner.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('metrics'),
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
    ],
  });
  const { entry } = addHealthySite(bot.jira, { name: 'initech', host: 'initech.atlassian.net' }, {});
  await bot.web!.connectors.save({
    name: 'initech',
    jira: { url: entry.jira, kind: 'cloud' },
    auth: 'basic',
    email: entry.email,
    project: entry.project,
    secrets: entry.secrets,
    tokenExpiresAt: '2030-01-31',
  });
});

afterAll(async () => {
  await bot.stop();
});

describe('/metrics', () => {
  it('exposes fleet, run, check, delivery and queue series after a report', async () => {
    const url = `http://127.0.0.1:${bot.metricsPort}/metrics`;
    const before = await scrape(url);
    expect(value(before, 'align_bot_connector_up', { connector: 'acme' })).toBeUndefined(); // never tested yet

    bot.slack.injectFault({ method: 'chat.postMessage', nth: 1, status: 429, retryAfterS: 1 });
    await bot.slack.sendCommand({ text: 'test acme', userId: ADMIN, channelId: 'CMETRICS1' });
    await bot.slack.sendCommand({ text: 'report now', userId: ADMIN, channelId: 'CMETRICS2' });

    const text = await waitFor(
      async () => {
        const t = await scrape(url);
        const done =
          value(t, 'align_bot_runs_total', { kind: 'report', state: 'succeeded' }) === 1 &&
          value(t, 'align_bot_runs_total', { kind: 'test', state: 'succeeded' }) === 1 &&
          (value(t, 'align_bot_chat_deliveries_total', { platform: 'slack', event: 'post' }) ?? 0) >= 2;
        return done ? t : undefined;
      },
      { what: 'both runs finished and delivered', timeoutMs: 30_000, intervalMs: 300 },
    ).then(() => new Promise((r) => setTimeout(r, 300)).then(() => scrape(url))); // past the fleet read's cache
    expect(value(text, 'align_bot_connector_up', { connector: 'acme' })).toBe(1);
    expect(value(text, 'align_bot_connector_up', { connector: 'globex' })).toBe(0);
    expect(value(text, 'align_bot_connector_up', { connector: 'initech' })).toBe(1);
    expect(
      value(text, 'align_bot_connector_last_result_timestamp_seconds', { connector: 'globex' }),
    ).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(value(text, 'align_bot_credential_expiry_timestamp_seconds', { connector: 'initech' })).toBe(
      Date.UTC(2030, 0, 31) / 1000,
    );
    // reach ran for acme twice (test + report), globex and initech once each (report).
    expect(value(text, 'align_bot_check_duration_seconds_count', { check: 'reach', status: 'pass' })).toBe(4);
    expect(value(text, 'align_bot_check_duration_seconds_count', { check: 'auth', status: 'fail' })).toBe(1);
    expect(value(text, 'align_bot_check_duration_seconds_bucket', { check: 'reach', le: '+Inf' })).toBe(4);
    expect(value(text, 'align_bot_chat_rate_limited_total', { platform: 'slack' })).toBe(1);
    for (const queue of ['runs', 'outbox', 'report-triggers']) {
      expect(value(text, 'align_bot_queue_jobs', { queue, state: 'waiting' })).toBeGreaterThanOrEqual(0);
    }
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).not.toMatch(/tok-|xoxb-/); // no token or credential in any label
  });

  it('a separate worker serves its own counters on ALIGN_BOT_METRICS_PORT', async () => {
    const server = await startWorkerMetrics(0, createLogger('silent'));
    try {
      const text = await scrape(`http://127.0.0.1:${server!.port}/metrics`);
      expect(text).toContain('# TYPE align_bot_runs_total counter');
      expect(text).toContain('# TYPE align_bot_check_duration_seconds histogram');
      expect(text).not.toContain('align_bot_connector_up'); // fleet state is the web process's to report
    } finally {
      await server!.close();
    }
    expect(await startWorkerMetrics(undefined, createLogger('silent'))).toBeUndefined();
  });
});
