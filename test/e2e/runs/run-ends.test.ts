/**
 * Issue 8, defect 8: a run always ends in chat.
 * - A stored secret encrypted under a master-key id the workers no longer have: `/align test` ends failed with its
 *   own diagnosis (which key id, how to fix it) in the Slack simulator — not an exception and a run left queued.
 * - A job that fails its last attempt (a store that throws, injected in-process) ends the run failed with the
 *   internal-failure code and the run id to quote, its claim released, its audit entry written, counted in metrics.
 * - A rotate whose connector was deleted while it waited ends with endedAt, an audit entry, its claim released, and
 *   a root message that says why.
 * - Retries span a realistic Redis hiccup: about a minute, with backoff.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../src/core/run.js';
import { Secret } from '../../../src/core/secret.js';
import { newRunId } from '../../../src/store/runs.js';
import { parseMasterKeys, Vault } from '../../../src/store/vault.js';
import { processMetrics } from '../../../src/web/metrics.js';
import { ADMIN, APPROVER, type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { click, openAsk } from '../../helpers/guided.js';
import { registerSecret } from '../../helpers/leaks.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('run-ends'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
  });
});

afterAll(async () => {
  await bot.stop();
});

async function command(text: string, channel: string, userId = ADMIN): Promise<string> {
  const ack = await bot.slack.sendCommand({ text, userId, channelId: channel });
  return (ack.body as { text: string }).text;
}

function runIdOf(ack: string): string {
  return /Run (r-[a-z0-9]+)/.exec(ack)![1]!;
}

/** The root message of the run once its headline says it ended. */
async function finalRoot(channel: string, runId: string) {
  return waitFor(
    () =>
      bot.slack
        .channel(channel)
        .find(
          (m) =>
            JSON.stringify(m.blocks).includes(runId) && /: (passed|failed|cancelled|expired)/.test(m.text),
        ),
    { what: `final root message of ${runId}`, timeoutMs: 20_000 },
  );
}

/** A copy of acme saved in Redis (as /align connect saves one) under another name. */
async function saveConnector(name: string, secrets?: Record<string, unknown>) {
  const acme = (await bot.web!.connectors.get('acme'))!;
  await bot.web!.connectors.save({ ...acme, name, ...(secrets ? { secrets } : {}) });
}

async function auditOf(runId: string) {
  return (await bot.web!.audit.recent({ limit: 200 }))
    .filter((e) => e.runId === runId)
    .map((e) => `${e.action}:${e.outcome}`);
}

describe('a run always ends', () => {
  it('a secret stored under a master key the workers no longer have: MASTER_KEY_MISSING in chat', async () => {
    const retired = `retired:${registerSecret(randomBytes(32).toString('base64'), 'retired master key')}`;
    const oldVault = new Vault(bot.web!.redis, bot.web!.keys, parseMasterKeys(retired));
    const token = registerSecret('token-under-a-retired-key', 'Jira token under the retired key');
    const ref = await oldVault.put(new Secret(token), 'Jira token of lost');
    await saveConnector('lost', { jira: { stored: ref } });

    const channel = 'CKEY';
    const runId = runIdOf(await command('test lost', channel, OPERATOR));
    const root = await finalRoot(channel, runId);
    expect(root.text).toContain('failed');
    expect(root.text).toContain('MASTER_KEY_MISSING');
    const reply = await waitFor(
      () => bot.slack.thread(channel, root.ts).find((m) => m.text.includes('MASTER_KEY_MISSING')),
      { what: 'the diagnosis in the thread' },
    );
    const explained = JSON.stringify(reply.blocks);
    expect(explained).toContain('\\"retired\\"');
    expect(explained).toContain('ALIGN_BOT_MASTER_KEY');
    expect(explained).not.toContain(token);

    const run = (await bot.web!.runs.get(runId))!;
    expect(run.state).toBe('failed');
    expect(run.endedAt).toBeDefined();
    expect(await auditOf(runId)).toEqual(['test:failed']);
    expect(await command(`cancel ${runId}`, channel)).toContain('already ended');
  });

  it('a job failing its last attempt ends the run failed with the internal-failure code', async () => {
    await saveConnector('brittle');
    // A connector store that throws for this connector: the rotate executor fails on every attempt.
    const store = bot.worker!.connectors;
    const original = store.get.bind(store);
    store.get = async (name: string) => {
      if (name === 'brittle') throw new Error('injected store failure');
      return original(name);
    };
    const errorsBefore = await runsTotal('rotate', 'error');
    try {
      const now = Date.now();
      const run: Run = {
        id: newRunId(),
        kind: 'rotate',
        connector: 'brittle',
        requestedBy: { platform: 'slack', id: ADMIN },
        conversation: { platform: 'slack', channel: 'CLAST' },
        runbookVersion: 1,
        steps: [],
        state: 'queued',
        createdAt: now,
        updatedAt: now,
        params: { name: 'brittle' },
        facts: {},
      };
      // As the ack path does, with a retry budget short enough for a test.
      expect(await bot.web!.runs.claimActive('rotate', 'brittle', run.id)).toBeUndefined();
      await bot.web!.runs.create(run);
      await bot.web!.queues.runs.add('run', { runId: run.id }, { jobId: run.id, attempts: 2, backoff: 50 });

      const root = await finalRoot('CLAST', run.id);
      expect(root.text).toContain('failed');
      expect(root.text).toContain('BOT_INTERNAL_FAILURE');
      expect(root.text).toContain(run.id);
      const ended = (await bot.web!.runs.get(run.id))!;
      expect(ended.state).toBe('failed');
      expect(ended.endedAt).toBeDefined();
      expect(await auditOf(run.id)).toEqual(['rotate:failed']);
      // The claim is released: a new rotate of the connector may start.
      expect(await bot.web!.runs.claimActive('rotate', 'brittle', 'r-next')).toBeUndefined();
      await waitFor(async () => (await runsTotal('rotate', 'error')) === errorsBefore + 1, {
        what: 'the failed run counted in align_bot_runs_total',
      });
    } finally {
      store.get = original;
    }
  });

  it('a rotate whose connector was deleted while it waited ends, released and audited, and says why', async () => {
    await saveConnector('fleeting');
    const channel = 'CGONE';
    const runId = runIdOf(await command('rotate fleeting', channel));
    const approval = await openAsk(bot.slack, channel, runId, 'approval');
    const redis = bot.web!.redis;
    await redis.del(bot.web!.keys.connector('fleeting'));
    await redis.srem(bot.web!.keys.connectors(), 'fleeting');
    await click(bot.slack, approval, 'approve', APPROVER);

    const root = await finalRoot(channel, runId);
    expect(root.text).toContain('failed');
    expect(root.text).toMatch(/“fleeting” no longer exists/);
    const run = (await bot.web!.runs.get(runId))!;
    expect(run.state).toBe('failed');
    expect(run.endedAt).toBeDefined();
    expect(await auditOf(runId)).toEqual(expect.arrayContaining(['rotate:failed']));
    const again = await command('rotate fleeting', channel);
    expect(again).not.toContain('already running');
  });

  it('retries a failing run for about a minute, with backoff', () => {
    const { attempts = 1, backoff } = bot.web!.queues.runs.defaultJobOptions;
    const spec = typeof backoff === 'number' ? { type: 'fixed', delay: backoff } : backoff!;
    const waits = Array.from({ length: attempts - 1 }, (_, i) =>
      spec.type === 'exponential' ? 2 ** i * spec.delay! : spec.delay!,
    );
    const shortest = waits.reduce((sum, w) => sum + w * (1 - (spec.jitter ?? 0)), 0);
    const longest = waits.reduce((sum, w) => sum + w, 0);
    expect(spec.type).toBe('exponential');
    expect(shortest).toBeGreaterThanOrEqual(60_000);
    expect(longest).toBeLessThanOrEqual(120_000);
  });
});

async function runsTotal(kind: string, state: string): Promise<number> {
  const metric = await processMetrics().runs.get();
  return metric.values.find((v) => v.labels.kind === kind && v.labels.state === state)?.value ?? 0;
}
