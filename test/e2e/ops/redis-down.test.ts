/**
 * The ack path when Redis does not answer. The web process runs against a private redis-server of this test
 * (never the shared one), which is frozen (SIGSTOP: connected but silent) and then killed (SIGKILL: refused):
 * a signed `/align test acme` is still answered within Slack's 3 seconds, says to try again, and claims nothing
 * was queued. When Redis is back, commands are queued again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { freePort } from '../../helpers/process.js';
import { REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const hasRedisServer = await new Promise<boolean>((resolve) => {
  const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  probe.on('error', () => resolve(false));
  probe.on('exit', (code) => resolve(code === 0));
});
const MISSING =
  'redis-server is not on PATH: install it (apt-get install redis-server) to run the Redis-outage tests';
if (!hasRedisServer) {
  if (process.env.ALIGN_BOT_REQUIRE_PEERS === '1') throw new Error(`${MISSING} (ALIGN_BOT_REQUIRE_PEERS=1)`);
  console.warn(`skipping: ${MISSING}`);
}

let port: number;
let server: ChildProcess | undefined;
let bot: BotHarness;

async function startRedis(): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'align-bot-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => {
      const probe = new Redis(`redis://127.0.0.1:${port}`, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    },
    { what: 'private redis-server to answer', timeoutMs: 10_000 },
  );
  return child;
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGKILL');
  await gone;
}

async function runRecords(): Promise<string[]> {
  const redis = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1 });
  try {
    return await redis.keys(`${bot.config.redisPrefix}:run:*`);
  } finally {
    redis.disconnect();
  }
}

async function command(text: string) {
  const ack = await bot.slack.sendCommand({ text, userId: OPERATOR, channelId: 'CDOWN' });
  return { ...ack, text: (ack.body as { text?: string }).text ?? '' };
}

describe.skipIf(!hasRedisServer)('the ack path without Redis', () => {
  beforeAll(async () => {
    port = await freePort();
    server = await startRedis();
    bot = await startBot({
      prefix: testPrefix('redisdown'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
      env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    });
  });

  afterAll(async () => {
    if (server?.signalCode === null) server.kill('SIGCONT');
    await kill(server);
    await Promise.race([bot?.stop(), new Promise((r) => setTimeout(r, 5000))]);
  });

  it('queues while its Redis answers (the control case)', async () => {
    const ack = await command('test acme');
    expect(ack.status).toBe(200);
    expect(ack.text).toMatch(/^Run r-[a-z0-9]+ queued/);
  });

  it('Redis frozen (SIGSTOP): an ack within 3 s saying to try again, nothing claimed as queued', async () => {
    server!.kill('SIGSTOP');
    try {
      for (const text of ['test acme', 'test --jira https://acme.atlassian.net', 'list']) {
        const ack = await command(text);
        expect(ack.status, text).toBe(200);
        expect(ack.ms, text).toBeLessThan(3000);
        expect(ack.text, text).toMatch(/try again/);
        expect(ack.text, text).not.toMatch(/queued/);
      }
    } finally {
      server!.kill('SIGCONT');
    }
    // The frozen Redis now executes what it was sent meanwhile: no run record may outlive its refused command.
    await new Promise((r) => setTimeout(r, 500));
    expect(await runRecords()).toHaveLength(1);
  });

  it('Redis killed: still an ack within 3 s saying to try again', async () => {
    await kill(server);
    for (const text of ['test acme', 'test --jira https://acme.atlassian.net']) {
      const ack = await command(text);
      expect(ack.status, text).toBe(200);
      expect(ack.ms, text).toBeLessThan(3000);
      expect(ack.text, text).toMatch(/try again/);
      expect(ack.text, text).not.toMatch(/queued/);
    }
    // Help needs no Redis at all.
    const help = await command('help');
    expect(help.text).toContain('/align test');
  });

  it('Redis back on the same port: commands are queued again', async () => {
    server = await startRedis();
    const ack = await waitFor(
      async () => {
        const a = await command('test acme');
        return /queued/.test(a.text) ? a : undefined;
      },
      { what: 'the web process to queue again', timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(ack.ms).toBeLessThan(3000);
    const runId = /Run (r-[a-z0-9]+)/.exec(ack.text)![1]!;
    expect(await bot.web!.queues.runs.getJob(runId)).toBeDefined();
  });
});

/** A TCP proxy to Redis whose replies arrive `delayMs` late: a Redis that answers, but too slowly. */
class SlowRedis {
  delayMs = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(upstream: URL): Promise<this> {
    this.server = createServer((client) => {
      const remote = connect(Number(upstream.port || 6379), upstream.hostname);
      for (const s of [client, remote]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          client.destroy();
          remote.destroy();
        });
      }
      client.on('data', (chunk) => remote.write(chunk));
      remote.on('data', (chunk) => {
        if (this.delayMs === 0) client.write(chunk);
        else setTimeout(() => client.writable && client.write(chunk), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(() => r(undefined)));
  }
}

describe('the ack path with a slow Redis', () => {
  let slow: SlowRedis;
  let slowBot: BotHarness;

  beforeAll(async () => {
    slow = await new SlowRedis().start(new URL(REDIS_URL));
    slowBot = await startBot({
      prefix: testPrefix('redisslow'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
      env: { REDIS_URL: `redis://127.0.0.1:${slow.port}` },
    });
    // A connector saved in Redis (as /align connect does): looking it up is one more Redis call on the ack path.
    const file = (await slowBot.web!.connectors.get('acme'))!;
    await slowBot.web!.connectors.save({ ...file, name: 'stored' });
  });

  afterAll(async () => {
    slow.delayMs = 0;
    await slowBot?.stop();
    await slow?.stop();
  });

  it('every reply 1.4 s late: the ack still comes within 3 s and tells the truth', async () => {
    slow.delayMs = 1400;
    for (const text of ['test stored', 'test acme']) {
      const ack = await slowBot.slack.sendCommand({ text, userId: OPERATOR, channelId: 'CSLOW' });
      const body = (ack.body as { text?: string }).text ?? '';
      expect(ack.status, `${text}: ${JSON.stringify(ack.body)}`).toBe(200);
      expect(ack.ms, text).toBeLessThan(3000);
      expect(body, text).toMatch(/try again|queued/);
      const runId = /Run (r-[a-z0-9]+) queued/.exec(body)?.[1];
      if (runId) expect(await slowBot.web!.queues.runs.getJob(runId)).toBeDefined();
    }
  });
});
