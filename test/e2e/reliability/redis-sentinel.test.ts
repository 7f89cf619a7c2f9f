/**
 * REDIS_URL naming a Sentinel group (`redis+sentinel://host:port/<master name>`): the bot asks the Sentinel of this
 * test's own where the master is and runs `/align test` through it. (A failover itself is ioredis's business.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { PrivateSentinel, redisCli } from '../../helpers/redis-sentinel.js';
import { HAS_REDIS_SERVER, PrivateRedisServer } from '../../helpers/redis-server.js';
import { waitFor } from '../../helpers/wait.js';

let master: PrivateRedisServer;
let sentinel: PrivateSentinel | undefined;
let bot: BotHarness;

describe.skipIf(!HAS_REDIS_SERVER)('Align Bot through Redis Sentinel', () => {
  beforeAll(async () => {
    master = await new PrivateRedisServer().start();
    sentinel = await new PrivateSentinel().start('align-main', master.port);
    bot = await startBot({
      prefix: testPrefix('sentinel'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      env: { REDIS_URL: `redis+sentinel://127.0.0.1:${sentinel.port}/align-main` },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.race([bot?.stop(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await sentinel?.stop();
    await master?.kill();
  });

  it('finds the master through the Sentinel and runs /align test on it', async () => {
    expect(bot.config.redisPrefix).not.toMatch(/^\{/);
    const ack = await bot.slack.sendCommand({ text: 'test acme', userId: ADMIN, channelId: 'CSEN' });
    expect((ack.body as { text: string }).text).toMatch(/queued: test acme/);
    await waitFor(
      () => bot.slack.channel('CSEN').find((m) => /test acme:/.test(m.text) && /passed/.test(m.text)),
      {
        what: 'the passed root message',
        timeoutMs: 30_000,
      },
    );
    // The run record is on the master the Sentinel named.
    const keys = await redisCli(master.port, ['--scan', '--pattern', `${bot.config.redisPrefix}:run:*`]);
    expect(keys.trim().split('\n').filter(Boolean)).toHaveLength(1);
  }, 60_000);
});
