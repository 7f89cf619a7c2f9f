/**
 * Issue 8, defect 8: the sweep ends runs that would never end — the record says queued or running, but the job
 * failed for good (its last attempt could not end the run: a store refusing writes, injected in-process) or is
 * gone — and leaves runs that wait for a person alone. `/align cancel` on such a run ends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/ports.js';
import type { Run, RunState } from '../../../src/core/run.js';
import { createLogger } from '../../../src/logger.js';
import { RUN_KINDS } from '../../../src/queue/run-kinds.js';
import { RunLifecycle } from '../../../src/queue/run-lifecycle.js';
import { RunSweeper } from '../../../src/queue/run-sweeper.js';
import { newRunId } from '../../../src/store/runs.js';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { openAsk } from '../../helpers/guided.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;
let sweeper: RunSweeper;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('run-sweep'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
  });
  const w = bot.worker!;
  const deps = {
    runs: w.runs,
    connectors: w.connectors,
    queues: w.queues,
    decisions: w.decisions,
    audit: w.audit,
    clock: systemClock,
    logger: createLogger('silent'),
  };
  sweeper = new RunSweeper(
    { ...deps, life: new RunLifecycle(deps, RUN_KINDS) },
    { batch: 100, graceMs: 1000 },
  );
});

afterAll(async () => {
  await bot.stop();
});

/** A run record as the ack path writes it, last saved `ageMs` ago. */
async function record(kind: Run['kind'], state: RunState, channel: string, ageMs = 60_000): Promise<Run> {
  const at = Date.now() - ageMs;
  const run: Run = {
    id: newRunId(),
    kind,
    connector: 'acme',
    requestedBy: { platform: 'slack', id: ADMIN },
    conversation: { platform: 'slack', channel },
    runbookVersion: 1,
    steps: [{ id: 'reach', title: 'Jira reachable', status: 'pass' }],
    state,
    createdAt: at,
    updatedAt: at,
    params: { name: 'acme' },
    facts: {},
  };
  await bot.web!.runs.create(run);
  return run;
}

/**
 * Writes of this run's record are refused (as Redis refusing writes would): its only attempt fails, and the run
 * cannot even be ended — the record stays queued and the job sits in `failed`.
 */
async function brokenRun(channel: string): Promise<Run> {
  const broken = await record('test', 'queued', channel, 0);
  const store = bot.worker!.runs;
  const save = store.save.bind(store);
  store.save = async (run: Run) => {
    if (run.id === broken.id) throw new Error('OOM command not allowed when used memory > maxmemory');
    return save(run);
  };
  try {
    await bot.web!.queues.runs.add('run', { runId: broken.id }, { jobId: broken.id, attempts: 1 });
    await waitFor(async () => (await bot.web!.queues.runs.getJob(broken.id))?.isFailed(), {
      what: 'the job failed for good',
    });
  } finally {
    store.save = save;
  }
  return broken;
}

async function rootOf(channel: string, pattern: RegExp) {
  return waitFor(() => bot.slack.channel(channel).find((m) => pattern.test(m.text)), {
    what: `a root message in ${channel} matching ${pattern}`,
    timeoutMs: 15_000,
  });
}

describe('the sweep', () => {
  it('ends a run whose job is gone, and one whose job failed before it could end the run', async () => {
    const lost = await record('test', 'running', 'CSWEEP1');

    const broken = await brokenRun('CSWEEP2');
    expect((await bot.web!.runs.get(broken.id))!.state).toBe('queued');

    // A rotate waiting for its approval is a live run: the sweep leaves it alone.
    const ack = await bot.slack.sendCommand({ text: 'rotate acme', userId: ADMIN, channelId: 'CSWEEP3' });
    const waitingId = /Run (r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)![1]!;
    await openAsk(bot.slack, 'CSWEEP3', waitingId, 'approval');

    await new Promise((r) => setTimeout(r, 1100));
    const ended = await sweeper.sweepOnce(1);
    expect(ended.sort()).toEqual([lost.id, broken.id].sort());
    for (const [run, channel] of [
      [lost, 'CSWEEP1'],
      [broken, 'CSWEEP2'],
    ] as const) {
      const after = (await bot.web!.runs.get(run.id))!;
      expect(after.state).toBe('failed');
      expect(after.outcome?.code).toBe('BOT_INTERNAL_FAILURE');
      expect(after.endedAt).toBeDefined();
      const root = await rootOf(channel, /BOT_INTERNAL_FAILURE/);
      expect(root.text).toContain(run.id);
    }
    expect((await bot.web!.runs.get(waitingId))!.state).toBe('waiting');
    expect(await sweeper.sweepOnce(1)).toEqual([]);
  });

  it('/align cancel ends a run whose job is gone or failed', async () => {
    const lost = await record('test', 'running', 'CSWEEP4');
    const ack = await bot.slack.sendCommand({
      text: `cancel ${lost.id}`,
      userId: ADMIN,
      channelId: 'CSWEEP4',
    });
    expect((ack.body as { text: string }).text).toContain('Cancelling');
    await waitFor(async () => (await bot.web!.runs.get(lost.id))?.state === 'cancelled', {
      what: 'the orphan cancelled',
    });
    const root = await rootOf('CSWEEP4', /cancelled/);
    expect(root.text).toContain(`Cancelled by @${ADMIN}`);

    const failed = await brokenRun('CSWEEP5');
    expect((await bot.web!.runs.get(failed.id))!.state).toBe('queued');
    await bot.slack.sendCommand({ text: `cancel ${failed.id}`, userId: ADMIN, channelId: 'CSWEEP5' });
    await waitFor(async () => (await bot.web!.runs.get(failed.id))?.state === 'cancelled', {
      what: 'the run with a failed job cancelled',
    });
  });
});
