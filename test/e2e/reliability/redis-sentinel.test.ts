/**
 * REDIS_URL naming a Sentinel group (`redis+sentinel://host:port/<master name>`): the bot asks the Sentinel of this
 * test's own where the master is and runs `/align test` through it. (A failover itself is ioredis's business.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersPing } from '../../../src/cli/private-redis.js';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { freePort } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import { HAS_REDIS_SERVER, PrivateRedisServer } from '../../helpers/redis-server.js';
import { waitFor } from '../../helpers/wait.js';

let master: PrivateRedisServer;
let sentinel: ChildProcess | undefined;
let sentinelPort: number;
let bot: BotHarness;

async function startSentinel(masterPort: number): Promise<ChildProcess> {
  sentinelPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'align-bot-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor align-main 127.0.0.1 ${masterPort} 1\n`,
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  await waitFor(() => answersPing('127.0.0.1', sentinelPort), { what: 'the Sentinel to answer' });
  return child;
}

describe.skipIf(!HAS_REDIS_SERVER)('Align Bot through Redis Sentinel', () => {
  beforeAll(async () => {
    master = await new PrivateRedisServer().start();
    sentinel = await startSentinel(master.port);
    bot = await startBot({
      prefix: testPrefix('sentinel'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      env: { REDIS_URL: `redis+sentinel://127.0.0.1:${sentinelPort}/align-main` },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.race([bot?.stop(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (sentinel && sentinel.exitCode === null && sentinel.signalCode === null) {
      const gone = once(sentinel, 'exit');
      sentinel.kill('SIGKILL');
      await gone;
    }
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
    const keys = await new Promise<string>((resolve, reject) => {
      const cli = spawn('redis-cli', [
        '-p',
        String(master.port),
        '--scan',
        '--pattern',
        `${bot.config.redisPrefix}:run:*`,
      ]);
      let out = '';
      cli.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      cli.on('error', reject);
      cli.on('exit', () => resolve(out));
    });
    expect(keys.trim().split('\n').filter(Boolean)).toHaveLength(1);
  }, 60_000);
});
