/**
 * Issue 9, item 1, in memory: every ending of every run kind goes through the lifecycle (src/queue/run-lifecycle.ts)
 * the same way for each reason — state, outcome and endedAt saved; the active claim released; one audit entry;
 * the last result where the kind records one; one chat sync; the root message draws the reason. Also starting,
 * saving, parking, cancelling and reviving. test/e2e/runs/run-lifecycle.test.ts checks the same against Redis.
 */

import { DelayedError } from 'bullmq';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAINTENANCE_DEFAULTS } from '../../../src/core/maintenance.js';
import { buildReport } from '../../../src/core/report-tally.js';
import {
  END_STATE,
  type EndReason,
  RUN_KIND_IDS,
  type Run,
  type RunKind,
  type RunOutcome,
  runOutcome,
} from '../../../src/core/run.js';
import { FLEET } from '../../../src/queue/report-runs.js';
import { RUN_KINDS } from '../../../src/queue/run-kinds.js';
import { RunCancelled, RunLifecycle, reviveRun, wakeRun } from '../../../src/queue/run-lifecycle.js';
import { renderPlain } from '../helpers/fake-chat.js';
import { aRun, aStep } from '../helpers/runs.js';
import { createWorld, type World } from '../helpers/world.js';

const BOSS = 'U-BOSS';

const DRAWN: Record<EndReason, RegExp> = {
  passed: /passed|Fleet report/,
  failed: /failed/,
  cancelled: /Cancelled by @U-BOSS/,
  expired: /Nobody answered before the deadline/,
  denied: /Denied by @U-BOSS: nothing was changed/,
  'rolled-back': /Rolled back to the old credential by @U-BOSS/,
  'connector-gone': /no longer exists/,
  'internal-failure': /BOT_INTERNAL_FAILURE.*Quote r-/,
  'in-maintenance': /in maintenance/,
};

const AUDITED: Record<EndReason, string> = {
  passed: 'ok',
  failed: 'failed',
  cancelled: 'cancelled',
  expired: 'expired',
  denied: 'rejected',
  'rolled-back': 'failed',
  'connector-gone': 'failed',
  'internal-failure': 'failed',
  'in-maintenance': 'ok',
};

const REASONS = Object.keys(END_STATE) as EndReason[];

let w: World;

beforeEach(() => {
  w = createWorld({ liveOutbox: false });
});

function runOf(kind: RunKind, connector: string, reason?: EndReason): Run {
  const now = w.clock.now();
  return aRun({
    kind,
    connector,
    steps: [
      aStep('a', 'pass', { startedAt: now, endedAt: now }),
      aStep('b', 'waiting', { deadline: now + 60_000 }),
      aStep('c', 'pending'),
    ],
    createdAt: now,
    updatedAt: now,
    params: paramsFor(kind, connector, now),
    facts:
      kind === 'report' && reason === 'passed'
        ? { report: buildReport({ now, timeZone: 'UTC', durationMs: 1, connectors: [] }) }
        : {},
  });
}

function paramsFor(kind: RunKind, connector: string, now: number): Record<string, unknown> {
  if (kind === 'test') return { name: connector };
  if (kind === 'maintenance')
    return {
      name: connector,
      from: now + 3600_000,
      until: now + 7200_000,
      tz: 'UTC',
      settings: MAINTENANCE_DEFAULTS,
    };
  return {};
}

function outcomeFor(reason: EndReason): RunOutcome {
  if (reason === 'internal-failure')
    return runOutcome(reason, { code: 'BOT_INTERNAL_FAILURE', detail: 'It failed on every attempt.' });
  if (reason === 'cancelled' || reason === 'denied' || reason === 'rolled-back')
    return runOutcome(reason, { by: BOSS });
  return runOutcome(reason);
}

function records(kind: RunKind, reason: EndReason): boolean {
  return (
    (reason === 'passed' || reason === 'failed') &&
    (kind === 'test' ||
      kind === 'rotate' ||
      kind === 'maintenance' ||
      (kind === 'connect' && reason === 'passed'))
  );
}

describe('the run lifecycle ends every kind for every reason the same way', () => {
  for (const kind of RUN_KIND_IDS) {
    for (const reason of REASONS) {
      it(`${kind} · ${reason}`, async () => {
        const connector = kind === 'report' ? FLEET : `c-${kind}-${reason}`;
        const run = runOf(kind, connector, reason);
        expect(await w.runs.create(run)).toBe(true);
        expect(await w.runs.claimActive(kind, connector, run.id)).toBeUndefined();
        w.clock.advance(5000);

        await w.life.end(run, outcomeFor(reason));
        // Ending twice changes nothing: the first outcome stands, with one audit entry and one sync.
        await w.life.end(run, runOutcome('passed'));

        const stored = (await w.runs.get(run.id))!;
        expect(stored.state).toBe(END_STATE[reason]);
        expect(stored.outcome).toEqual(outcomeFor(reason));
        expect(stored.endedAt).toBe(w.clock.now());
        expect(stored.steps.map((s) => s.status)).toEqual([
          'pass',
          reason === 'expired' ? 'fail' : 'skip',
          'skip',
        ]);
        expect(stored.steps.some((s) => s.deadline)).toBe(false);

        expect(await w.runs.activeHolder(kind, connector)).toBeUndefined();
        expect(w.runs.open.has(run.id)).toBe(false);

        const entries = w.audit.entries.filter((e) => e.runId === run.id);
        expect(entries.map((e) => `${e.action}:${e.outcome}`)).toEqual([`${kind}:${AUDITED[reason]}`]);
        expect(entries[0]).toMatchObject({ actor: 'U-REQ', connector });
        if (reason !== 'passed' && reason !== 'failed') expect(entries[0]!.detail).toContain(reason);

        expect(w.queues.syncRequests).toEqual([run.id]);
        expect(renderPlain(RUN_KINDS[kind].view(stored, '@Fake').root)).toMatch(DRAWN[reason]);

        expect(w.connectors.last.get(connector)?.runId, 'last result recorded').toBe(
          records(kind, reason) ? run.id : undefined,
        );
        expect(w.history.samples.map((s) => s.runId)).toEqual(
          kind === 'test' && records(kind, reason) ? [run.id] : [],
        );
      });
    }
  }

  it('a run-level diagnosis is drawn in the root, explained in the thread, and one failing history sample', async () => {
    const run = runOf('test', 'lost');
    await w.runs.create(run);
    await w.life.end(
      run,
      runOutcome('failed', { code: 'MASTER_KEY_MISSING', detail: 'Stored secret s-1 … key id "old" …' }),
    );
    const view = RUN_KINDS.test.view((await w.runs.get(run.id))!, '@Fake');
    expect(view.root.text).toContain('MASTER_KEY_MISSING');
    const reply = view.replies.find((r) => r.key === 'outcome');
    expect(renderPlain(reply!.message)).toContain('key id "old"');
    expect(w.history.samples[0]!.result).toMatchObject({ status: 'fail', code: 'MASTER_KEY_MISSING' });
  });

  it('end without a sync (a silent report) asks the outbox for nothing', async () => {
    const run = runOf('report', FLEET, 'passed');
    await w.runs.create(run);
    await w.life.end(run, runOutcome('passed'), { sync: false });
    expect(w.queues.syncRequests).toEqual([]);
    expect((await w.runs.get(run.id))!.state).toBe('succeeded');
  });

  it('an audit log that fails does not stop the ending', async () => {
    const life = new RunLifecycle(
      {
        ...w.runDeps,
        audit: {
          append: async () => {
            throw new Error('audit down');
          },
        },
      },
      RUN_KINDS,
    );
    const run = runOf('test', 'acme');
    await w.runs.create(run);
    await life.end(run, runOutcome('failed'));
    expect((await w.runs.get(run.id))!.state).toBe('failed');
    expect(w.queues.syncRequests).toEqual([run.id]);
  });

  it('endInternalFailure: failed with BOT_INTERNAL_FAILURE and the run id to quote', async () => {
    const run = runOf('rotate', 'acme');
    await w.runs.create(run);
    await w.life.endInternalFailure(run, 'It failed inside Align Bot on every attempt.');
    expect((await w.runs.get(run.id))!.outcome).toEqual({
      state: 'failed',
      reason: 'internal-failure',
      code: 'BOT_INTERNAL_FAILURE',
      detail: `It failed inside Align Bot on every attempt. Run id to quote: ${run.id}.`,
    });
  });
});

describe('the run lifecycle before the end', () => {
  it('start: queued or waiting becomes running; guided kinds audit their first start only', async () => {
    for (const kind of RUN_KIND_IDS) {
      const run = aRun({ kind, state: 'queued' });
      await w.runs.create(run);
      await w.life.start(run);
      run.state = 'waiting';
      await w.life.start(run);
      expect((await w.runs.get(run.id))!.state).toBe('running');
      expect(w.audit.of(run.id)).toEqual(RUN_KINDS[kind].auditsStart ? [`${kind} started:ok`] : []);
    }
  });

  it('save persists and asks for a sync, unless told not to', async () => {
    const run = aRun();
    await w.life.save(run);
    await w.life.save(run, { sync: false });
    expect(w.runs.saves.map((s) => s.id)).toEqual([run.id, run.id]);
    expect(w.queues.syncRequests).toEqual([run.id]);
  });

  it('checkCancel: nothing without a cancel; with one, the run ends cancelled by that person and unwinds', async () => {
    const run = aRun({ steps: [aStep('a', 'running')] });
    await w.runs.create(run);
    await w.life.checkCancel(run);
    expect(run.state).toBe('running');
    await w.decisions.requestCancel(run.id, BOSS);
    await expect(w.life.checkCancel(run)).rejects.toBeInstanceOf(RunCancelled);
    expect((await w.runs.get(run.id))!.outcome).toEqual({
      state: 'cancelled',
      reason: 'cancelled',
      by: BOSS,
    });
    // An ended run is not ended again.
    await w.life.checkCancel(run);
    expect(w.audit.of(run.id)).toEqual(['test:cancelled']);
  });

  it('park: saved as waiting, the job delayed to the deadline, DelayedError thrown', async () => {
    const run = aRun({ kind: 'connect' });
    await w.runs.create(run);
    await w.queues.enqueueRun(run.id);
    const job = w.queues.job(run.id);
    job.state = 'active';
    const deadline = w.clock.now() + 60_000;
    await expect(
      w.life.park(run, { stepId: 's', attempt: 0, deadline }, job.asJob(), 't'),
    ).rejects.toBeInstanceOf(DelayedError);
    expect((await w.runs.get(run.id))!.state).toBe('waiting');
    expect(job.state).toBe('delayed');
    expect(job.delayedUntil).toBe(deadline);
    expect(job.promotions).toBe(0);
  });

  it('park with a cancel already recorded promotes the job at once', async () => {
    const run = aRun({ kind: 'connect' });
    await w.runs.create(run);
    await w.queues.enqueueRun(run.id);
    const job = w.queues.job(run.id);
    await w.decisions.requestCancel(run.id, BOSS);
    await expect(
      w.life.park(run, { stepId: 's', attempt: 0, deadline: w.clock.now() + 1000 }, job.asJob()),
    ).rejects.toBeInstanceOf(DelayedError);
    expect(job.promotions).toBe(1);
    expect(job.state).toBe('waiting');
  });

  it('wakeRun promotes a parked job; reviveRun also restarts a failed one and re-enqueues a lost one', async () => {
    await w.queues.enqueueRun('r-parked');
    await w.queues.job('r-parked').moveToDelayed(w.clock.now() + 1000);
    await wakeRun(w.queues, 'r-parked');
    expect(w.queues.job('r-parked').state).toBe('waiting');

    await w.queues.enqueueRun('r-failed');
    w.queues.job('r-failed').state = 'failed';
    await reviveRun(w.queues, 'r-failed');
    expect(w.queues.job('r-failed').state).toBe('waiting');

    await w.queues.enqueueRun('r-delayed');
    await w.queues.job('r-delayed').moveToDelayed(w.clock.now() + 1000);
    await reviveRun(w.queues, 'r-delayed');
    expect(w.queues.job('r-delayed').state).toBe('waiting');

    await reviveRun(w.queues, 'r-lost');
    expect(w.queues.enqueued.at(-1)).toBe('r-lost');
    expect(w.queues.job('r-lost').state).toBe('waiting');
  });
});
