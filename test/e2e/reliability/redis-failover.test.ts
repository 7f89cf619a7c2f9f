/**
 * A Sentinel failover under load: a master, a replica and a Sentinel of this test's own, the bot on
 * `redis+sentinel://…`. Runs are started, then the master is killed (SIGKILL, as a crashed host): the Sentinel
 * promotes the replica, and the bot — web and workers — finds the new master through it without a restart.
 * Meanwhile commands are answered "try again" within Slack's 3 s (never a hang or a 5xx); afterwards commands are
 * queued again, and every run started before the crash ends with a final root message: none is lost.
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

const MASTER_NAME = 'align-failover';
const RUNS = 10;

let master: PrivateRedisServer;
let replica: PrivateRedisServer;
let sentinel: ChildProcess | undefined;
let sentinelPort: number;
let bot: BotHarness;

async function startSentinel(masterPort: number): Promise<ChildProcess> {
  sentinelPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'align-bot-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 10000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  await waitFor(() => answersPing('127.0.0.1', sentinelPort), { what: 'the Sentinel to answer' });
  return child;
}

function sentinelSays(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const cli = spawn('redis-cli', ['-p', String(sentinelPort), ...args]);
    let out = '';
    cli.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    cli.on('error', reject);
    cli.on('exit', () => resolve(out));
  });
}

async function replicaInSync(): Promise<boolean> {
  const info = await new Promise<string>((resolve) => {
    const cli = spawn('redis-cli', ['-p', String(replica.port), 'info', 'replication']);
    let out = '';
    cli.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    cli.on('exit', () => resolve(out));
  });
  return /master_link_status:up/.test(info);
}

describe.skipIf(!HAS_REDIS_SERVER)('a Sentinel failover under load', () => {
  beforeAll(async () => {
    master = await new PrivateRedisServer().start();
    replica = await new PrivateRedisServer({
      args: ['--replicaof', '127.0.0.1', String(master.port)],
    }).start();
    await waitFor(() => replicaInSync() || undefined, { what: 'the replica to sync', timeoutMs: 10_000 });
    sentinel = await startSentinel(master.port);
    // The Sentinel learns of the replica from the master's INFO; a failover needs it known.
    await waitFor(
      async () =>
        (await sentinelSays('sentinel', 'replicas', MASTER_NAME)).includes(String(replica.port)) || undefined,
      { what: 'the Sentinel to know the replica', timeoutMs: 20_000 },
    );
    bot = await startBot({
      prefix: testPrefix('failover'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      env: { REDIS_URL: `redis+sentinel://127.0.0.1:${sentinelPort}/${MASTER_NAME}` },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.race([bot?.stop(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (sentinel && sentinel.exitCode === null && sentinel.signalCode === null) {
      const gone = once(sentinel, 'exit');
      sentinel.kill('SIGKILL');
      await gone;
    }
    await Promise.all([master?.kill(), replica?.kill()]);
  });

  it('the replica takes over: no run lost, commands refused quickly meanwhile and queued again after', async () => {
    const started: Array<{ channel: string; runId: string }> = [];
    for (let i = 0; i < RUNS; i += 1) {
      const channel = `CFO${i}`;
      const ack = await bot.slack.sendCommand({ text: 'test acme', userId: ADMIN, channelId: channel });
      const runId = /Run (r-[a-z0-9]+) queued/.exec((ack.body as { text: string }).text)?.[1];
      expect(runId).toBeDefined();
      started.push({ channel, runId: runId! });
    }
    // Let the acks' writes reach the replica (replication is asynchronous), then crash the master.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await master.kill();

    // During the failover: every command is answered within 3 s, never with a server error.
    const during = await bot.slack.sendCommand({ text: 'test acme', userId: ADMIN, channelId: 'CFO-DURING' });
    expect(during.status).toBe(200);
    expect(during.ms).toBeLessThan(3000);

    await waitFor(
      async () =>
        (await sentinelSays('sentinel', 'get-master-addr-by-name', MASTER_NAME)).includes(
          String(replica.port),
        ) || undefined,
      { what: 'the Sentinel to promote the replica', timeoutMs: 30_000 },
    );
    const after = await waitFor(
      async () => {
        const ack = await bot.slack.sendCommand({ text: 'test acme', userId: ADMIN, channelId: 'CFO-AFTER' });
        return /queued: test acme/.test((ack.body as { text: string }).text) ? ack : undefined;
      },
      { what: 'a command queued on the new master', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(after.ms).toBeLessThan(3000);

    for (const { channel } of [...started, { channel: 'CFO-AFTER' }]) {
      await waitFor(
        () => bot.slack.channel(channel).find((m) => /test acme:/.test(m.text) && /passed/.test(m.text)),
        { what: `the passed root message in ${channel}`, timeoutMs: 60_000 },
      );
    }
  }, 180_000);
});
