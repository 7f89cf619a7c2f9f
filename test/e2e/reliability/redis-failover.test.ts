/**
 * A Sentinel failover under load: a master, a replica and a Sentinel of this test's own, the bot on
 * `redis+sentinel://…`. Runs are started, then the master is killed (SIGKILL, as a crashed host): the Sentinel
 * promotes the replica, and the bot — web and workers — finds the new master through it without a restart.
 * Meanwhile commands are answered "try again" within Slack's 3 s (never a hang or a 5xx); afterwards commands are
 * queued again, and every run started before the crash ends with a final root message: none is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { PrivateSentinel, redisCli } from '../../helpers/redis-sentinel.js';
import { HAS_REDIS_SERVER, PrivateRedisServer } from '../../helpers/redis-server.js';
import { waitFor } from '../../helpers/wait.js';

const MASTER_NAME = 'align-failover';
const RUNS = 10;

let master: PrivateRedisServer;
let replica: PrivateRedisServer;
let sentinel: PrivateSentinel | undefined;
let bot: BotHarness;

const replicaInSync = async () =>
  /master_link_status:up/.test(await redisCli(replica.port, ['info', 'replication']));

describe.skipIf(!HAS_REDIS_SERVER)('a Sentinel failover under load', () => {
  beforeAll(async () => {
    master = await new PrivateRedisServer().start();
    replica = await new PrivateRedisServer({
      args: ['--replicaof', '127.0.0.1', String(master.port)],
    }).start();
    await waitFor(async () => (await replicaInSync()) || undefined, {
      what: 'the replica to sync',
      timeoutMs: 10_000,
    });
    sentinel = await new PrivateSentinel().start(MASTER_NAME, master.port, { downAfterMs: 1000 });
    // The Sentinel learns of the replica from the master's INFO; a failover needs it known.
    await waitFor(
      async () =>
        (await sentinel!.ask('sentinel', 'replicas', MASTER_NAME)).includes(String(replica.port)) ||
        undefined,
      { what: 'the Sentinel to know the replica', timeoutMs: 20_000 },
    );
    bot = await startBot({
      prefix: testPrefix('failover'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      env: { REDIS_URL: `redis+sentinel://127.0.0.1:${sentinel.port}/${MASTER_NAME}` },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.race([bot?.stop(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await sentinel?.stop();
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
        (await sentinel!.ask('sentinel', 'get-master-addr-by-name', MASTER_NAME)).includes(
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
