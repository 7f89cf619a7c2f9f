/**
 * Issue 8, defect 3: /metrics (connector names, up/down, credential expiry dates) was served to anyone on the
 * Slack-facing port. It now lives on the internal listener only: 127.0.0.1 unless ALIGN_BOT_METRICS_HOST says
 * otherwise, on ALIGN_BOT_METRICS_PORT.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_METRICS_PORT, loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { startInternal } from '../../../src/services.js';
import { type BotHarness, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('internal'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    workers: false,
  });
});

afterAll(async () => {
  await bot?.stop();
});

async function get(port: number, path: string) {
  const res = await request(`http://127.0.0.1:${port}${path}`);
  return { status: res.statusCode, text: await res.body.text() };
}

describe('the internal listener', () => {
  it('serves /metrics; the public port answers 404 for it', async () => {
    const internal = await get(bot.metricsPort, '/metrics');
    expect(internal.status).toBe(200);
    expect(internal.text).toContain('# TYPE align_bot_connector_up gauge');
    const outside = await get(bot.port, '/metrics');
    expect(outside.status).toBe(404);
    expect(outside.text).not.toContain('align_bot');
    expect((await get(bot.port, '/metrics/')).status).toBe(404);
  });

  it('is not the public port, and answers other paths with 404', async () => {
    expect(bot.metricsPort).not.toBe(bot.port);
    expect((await get(bot.metricsPort, '/slack/events')).status).toBe(404);
    expect((await get(bot.metricsPort, '/readyz')).status).toBe(404);
  });

  it('answers /healthz (what a worker’s probes ask), as the public port does', async () => {
    expect(await get(bot.metricsPort, '/healthz')).toEqual({ status: 200, text: 'ok' });
    expect(await get(bot.port, '/healthz')).toEqual({ status: 200, text: 'ok' });
  });

  it('without ALIGN_BOT_ADMIN_USER and ALIGN_BOT_ADMIN_PASSWORD: no queue dashboard, and a note saying so', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await get(bot.metricsPort, path);
      expect(res.status).toBe(404);
      expect(res.text).toMatch(
        /queue dashboard is off: set ALIGN_BOT_ADMIN_USER and ALIGN_BOT_ADMIN_PASSWORD/,
      );
    }
    expect((await get(bot.port, '/admin/queues')).status).toBe(404);
  });

  it('binds 127.0.0.1 by default, and the address ALIGN_BOT_METRICS_HOST names', async () => {
    const logger = createLogger('silent');
    const byDefault = await startInternal(loadConfig({ ALIGN_BOT_METRICS_PORT: '0' }), logger);
    const anywhere = await startInternal(
      loadConfig({ ALIGN_BOT_METRICS_PORT: '0', ALIGN_BOT_METRICS_HOST: '0.0.0.0' }),
      logger,
    );
    try {
      expect(byDefault.host).toBe('127.0.0.1');
      expect(anywhere.host).toBe('0.0.0.0');
    } finally {
      await Promise.all([byDefault.close(), anywhere.close()]);
    }
  });

  it('defaults to port 9464 and refuses a bad host or port, naming the variable', () => {
    expect(DEFAULT_METRICS_PORT).toBe(9464);
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(() => loadConfig({ ALIGN_BOT_METRICS_HOST: 'not a host!' })).toThrow(ConfigError);
    expect(() => loadConfig({ ALIGN_BOT_METRICS_HOST: 'not a host!' })).toThrow(/ALIGN_BOT_METRICS_HOST/);
    expect(() => loadConfig({ ALIGN_BOT_METRICS_PORT: '70000' })).toThrow(/ALIGN_BOT_METRICS_PORT/);
  });
});
