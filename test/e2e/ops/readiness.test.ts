/**
 * /readyz (issue 11 item 4): 503 while Redis does not answer (killed, or frozen: connected but silent) or while no
 * worker has a fresh heartbeat, 200 again as soon as both are back. The Redis outages use a redis-server of this
 * test's own; the worker cases use the shared one under this file's prefix.
 */
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { connectInfra, type Stoppable, startWorkers } from '../../../src/services.js';
import { HEARTBEAT_INTERVAL_MS, Heartbeats } from '../../../src/store/heartbeats.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { readiness } from '../../../src/web/readiness.js';
import { type BotHarness, startBot } from '../../helpers/bot.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { HAS_REDIS_SERVER, PrivateRedisServer } from '../../helpers/redis-server.js';
import { waitFor } from '../../helpers/wait.js';

async function readyz(port: number) {
  const started = performance.now();
  const res = await request(`http://127.0.0.1:${port}/readyz`, { headersTimeout: 5000 });
  return { status: res.statusCode, text: (await res.body.text()).trim(), ms: performance.now() - started };
}

function until(port: number, status: number, what: string, timeoutMs = 15_000) {
  return waitFor(
    async () => {
      const res = await readyz(port);
      return res.status === status ? res : undefined;
    },
    { what, timeoutMs, intervalMs: 100 },
  );
}

describe.skipIf(!HAS_REDIS_SERVER)('/readyz and Redis', () => {
  const redis = new PrivateRedisServer();
  let bot: BotHarness;

  beforeAll(async () => {
    await redis.start();
    bot = await startBot({
      prefix: testPrefix('ready-redis'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      env: { REDIS_URL: redis.url },
    });
  });

  afterAll(async () => {
    redis.thaw();
    await Promise.race([bot?.stop(), new Promise((r) => setTimeout(r, 5000))]);
    await redis.kill();
  });

  it('is 200 while Redis answers and a worker beats', async () => {
    const res = await until(bot.port, 200, 'ready');
    expect(res.text).toBe('ready: Redis answers, 1 worker alive');
  });

  it('is 503 while Redis is down, and 200 again after it restarts', async () => {
    await redis.kill();
    const down = await until(bot.port, 503, 'not ready with Redis down', 5000);
    expect(down.text).toBe('not ready: Redis does not answer');
    expect(down.ms).toBeLessThan(1500);
    await redis.start();
    // The restarted Redis is empty: ready once the worker's next heartbeat lands.
    const back = await until(bot.port, 200, 'ready again', 20_000);
    expect(back.text).toBe('ready: Redis answers, 1 worker alive');
  }, 40_000);

  it('is 503 within its time bound while Redis is frozen (connected but silent), 200 after', async () => {
    redis.freeze();
    try {
      const frozen = await readyz(bot.port);
      expect(frozen.status).toBe(503);
      expect(frozen.ms).toBeLessThan(2500);
    } finally {
      redis.thaw();
    }
    await until(bot.port, 200, 'ready after the thaw');
  });
});

describe('/readyz and workers', () => {
  let bot: BotHarness;
  const logger = createLogger('silent');

  beforeAll(async () => {
    bot = await startBot({
      prefix: testPrefix('ready-workers'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
    });
  });

  afterAll(async () => {
    await bot?.stop();
  });

  async function startWorker(): Promise<Stoppable> {
    const infra = await connectInfra(bot.config, logger, 'worker');
    const workers = await startWorkers(infra);
    return {
      async close() {
        await workers.close();
        await infra.close();
      },
    };
  }

  it('is 503 while no worker runs, 200 once one starts, 503 again as soon as it stops', async () => {
    const none = await readyz(bot.port);
    expect(none).toMatchObject({
      status: 503,
      text: 'not ready: no worker has sent a heartbeat in the last 20 s',
    });

    const first = await startWorker();
    const ready = await until(bot.port, 200, 'ready with a worker', 5000);
    expect(ready.text).toBe('ready: Redis answers, 1 worker alive');

    const second = await startWorker();
    await until(bot.port, 200, 'two workers', 5000);
    expect((await readyz(bot.port)).text).toBe('ready: Redis answers, 2 workers alive');
    await second.close();
    expect((await readyz(bot.port)).text).toBe('ready: Redis answers, 1 worker alive');

    await first.close();
    const gone = await readyz(bot.port);
    expect(gone.status).toBe(503);
  });
});

describe('worker heartbeats', () => {
  const prefix = testPrefix('heartbeats');
  const redis = new Redis(REDIS_URL);
  const keys = new RedisKeys(prefix);

  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  it('run out after their TTL (a worker that died without a word), in one key that expires itself', async () => {
    const heartbeats = new Heartbeats(redis, keys, 300);
    await heartbeats.beat('crashed-worker');
    expect(await heartbeats.live()).toBe(1);
    const ttl = await redis.pttl(keys.workerHeartbeats());
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await new Promise((r) => setTimeout(r, 400));
    expect(await heartbeats.live()).toBe(0);
    expect(await redis.exists(keys.workerHeartbeats())).toBe(0);
  });

  it('hold one member per live worker: a new beat drops the members that ran out', async () => {
    const heartbeats = new Heartbeats(redis, keys, 300);
    for (let i = 0; i < 5; i += 1) await heartbeats.beat(`w${i}`);
    await new Promise((r) => setTimeout(r, 350));
    await new Heartbeats(redis, keys, 20_000).beat('alive');
    expect(await redis.zrange(keys.workerHeartbeats(), '0', '-1')).toEqual(['alive']);
    expect(HEARTBEAT_INTERVAL_MS).toBeLessThan(20_000 / 3);
  });

  it('ALIGN_BOT_READY_REQUIRES_WORKER=false: Redis alone decides', async () => {
    const heartbeats = new Heartbeats(redis, new RedisKeys(`${prefix}-none`));
    expect(await readiness({ redis, heartbeats, requireWorker: true })).toMatchObject({ ready: false });
    expect(await readiness({ redis, heartbeats, requireWorker: false })).toEqual({
      ready: true,
      text: 'ready: Redis answers, 0 workers alive',
    });
  });
});
