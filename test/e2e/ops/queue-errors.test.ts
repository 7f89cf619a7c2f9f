/**
 * A Redis outage seen by the queues goes to the structured log, never to stderr as raw stack traces: BullMQ's
 * Queue emits 'error' when its connection fails, and a Queue without a listener has it printed with
 * console.error (a stack trace per reconnect attempt, per queue). The queues of both roles log it instead.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { JiraSim } from '../../../src/sandbox/jira-sim.js';
import { SlackSim } from '../../../src/sandbox/slack-sim.js';
import { connectInfra, type Infra } from '../../../src/services.js';
import { botEnv, writeConnectors } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { HAS_REDIS_SERVER, PrivateRedisServer } from '../../helpers/redis-server.js';
import { waitFor } from '../../helpers/wait.js';

const lines: string[] = [];
const logger = createLogger(
  'debug',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  }),
);
const servers: PrivateRedisServer[] = [];
const opened: Infra[] = [];
const slack = new SlackSim();
const jira = new JiraSim();

beforeAll(async () => {
  await Promise.all([slack.start(), jira.start()]);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.map((infra) => infra.close().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.kill()));
  await Promise.all([slack.stop(), jira.stop()]);
});

describe.skipIf(!HAS_REDIS_SERVER)('queue errors during a Redis outage', () => {
  it.each(['web', 'worker'] as const)(
    '%s: in the structured log, nothing printed raw',
    async (role) => {
      const redis = await new PrivateRedisServer().start();
      servers.push(redis);
      const env = {
        ...botEnv(testPrefix(`queue-errors-${role}`), slack, jira, writeConnectors([])),
        REDIS_URL: redis.url,
      };
      const infra = await connectInfra(loadConfig(env, '/nonexistent/.env'), logger, role);
      opened.push(infra);
      const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      await redis.kill();
      await infra.queues.enqueueRun('r-outage', 500).catch(() => undefined);
      await Promise.race([
        infra.queues.requestSync('r-outage').catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 500)),
      ]);
      const structured = () => lines.some((l) => l.includes('"queue error"'));
      await waitFor(() => structured() || printed.mock.calls.length > 0 || undefined, {
        what: 'the outage to be reported',
      });
      expect(printed.mock.calls.map((c) => String(c[0]).slice(0, 80))).toEqual([]);
      expect(structured()).toBe(true);
      printed.mockRestore();
    },
    30_000,
  );
});
