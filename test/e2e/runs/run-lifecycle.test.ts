/**
 * Issue 9, item 1: every ending of every run kind goes through the lifecycle module, the same way for each reason —
 * state, outcome and endedAt saved; the active claim released; one audit entry; the last result where the kind
 * records one; one chat sync asked for; and the root message draws the reason. This is the integration check
 * against Redis; test/unit/queue/run-lifecycle.test.ts checks the same (and more) in memory.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_DEFAULTS } from '../../../src/core/maintenance.js';
import { systemClock } from '../../../src/core/ports.js';
import { buildReport } from '../../../src/core/report-tally.js';
import {
  END_STATE,
  type EndReason,
  RUN_KIND_IDS,
  type Run,
  type RunKind,
  runOutcome,
} from '../../../src/core/run.js';
import { runView } from '../../../src/core/views/run-view.js';
import { createLogger } from '../../../src/logger.js';
import { Queues } from '../../../src/queue/queues.js';
import { FLEET } from '../../../src/queue/report-runs.js';
import { RUN_KINDS } from '../../../src/queue/run-kinds.js';
import { RunLifecycle } from '../../../src/queue/run-lifecycle.js';
import { AuditLog } from '../../../src/store/audit.js';
import { ConnectorStore } from '../../../src/store/connectors.js';
import { DecisionStore } from '../../../src/store/decisions.js';
import { HistoryStore } from '../../../src/store/history.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { newRunId, RunStore } from '../../../src/store/runs.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';

const prefix = testPrefix('lifecycle');
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const keys = new RedisKeys(prefix);
const runs = new RunStore(redis, keys);
const connectors = new ConnectorStore(redis, keys);
const audit = new AuditLog(redis, keys);
const queues = new Queues(redis, prefix);
const history = new HistoryStore(redis, keys);
const life = new RunLifecycle(
  {
    runs,
    connectors,
    queues,
    decisions: new DecisionStore(redis, keys),
    audit,
    clock: systemClock,
    history,
    logger: createLogger('silent'),
  },
  RUN_KINDS,
);

afterAll(async () => {
  await queues.close();
  redis.disconnect();
  await deleteKeys(prefix);
});

const BOSS = 'UBOSS';

/** What each reason's root message must say (`@` marks a user mention in the plain text). */
const DRAWN: Record<EndReason, RegExp> = {
  passed: /passed|Fleet report/,
  failed: /failed/,
  cancelled: /Cancelled by @UBOSS/,
  expired: /Nobody answered before the deadline/,
  denied: /Denied by @UBOSS: nothing was changed/,
  'rolled-back': /Rolled back to the old credential by @UBOSS/,
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

/** A report that passed carries its report; one that ended otherwise never got to build it. */
function newRun(kind: RunKind, connector: string, reason?: EndReason): Run {
  const now = Date.now();
  return {
    id: newRunId(),
    kind,
    connector,
    requestedBy: { platform: 'slack', id: 'UREQ' },
    conversation: { platform: 'slack', channel: 'CLIFE' },
    runbookVersion: 1,
    steps: [
      { id: 'a', title: 'Step A', status: 'pass', startedAt: now, endedAt: now },
      { id: 'b', title: 'Step B', status: 'waiting', deadline: now + 60_000 },
      { id: 'c', title: 'Step C', status: 'pending' },
    ],
    state: 'running',
    createdAt: now,
    updatedAt: now,
    params: paramsFor(kind, connector, now),
    facts:
      kind === 'report' && reason === 'passed'
        ? { report: buildReport({ now, timeZone: 'UTC', durationMs: 1, connectors: [] }) }
        : {},
  };
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

function outcomeFor(reason: EndReason) {
  if (reason === 'internal-failure')
    return runOutcome(reason, { code: 'BOT_INTERNAL_FAILURE', detail: 'It failed on every attempt.' });
  if (reason === 'cancelled' || reason === 'denied' || reason === 'rolled-back')
    return runOutcome(reason, { by: BOSS });
  return runOutcome(reason);
}

function rootText(run: Run): string {
  const root = RUN_KINDS[run.kind].view(run, '/align').root;
  return `${root.text}\n${JSON.stringify(root.blocks)}`;
}

const REASONS = Object.keys(END_STATE) as EndReason[];

describe('the run lifecycle ends every kind for every reason the same way', () => {
  for (const kind of RUN_KIND_IDS) {
    for (const reason of REASONS) {
      it(`${kind} · ${reason}`, async () => {
        const connector = kind === 'report' ? FLEET : `c-${kind}-${reason}`;
        const run = newRun(kind, connector, reason);
        expect(await runs.create(run)).toBe(true);
        expect(await runs.claimActive(kind, connector, run.id)).toBeUndefined();

        await life.end(run, outcomeFor(reason));
        // Ending twice changes nothing: the first outcome stands, with one audit entry.
        await life.end(run, runOutcome('passed'));

        const stored = (await runs.get(run.id))!;
        expect(stored.state).toBe(END_STATE[reason]);
        expect(stored.outcome).toEqual(outcomeFor(reason));
        expect(stored.endedAt).toBeGreaterThanOrEqual(stored.createdAt);
        expect(stored.steps.map((s) => s.status)).toEqual([
          'pass',
          reason === 'expired' ? 'fail' : 'skip',
          'skip',
        ]);
        expect(stored.steps.some((s) => s.deadline)).toBe(false);

        expect(await runs.activeHolder(kind, connector)).toBeUndefined();
        expect(await redis.zscore(keys.openRuns(), run.id)).toBeNull();

        const entries = (await audit.recent({ connector, limit: 50 })).filter((e) => e.runId === run.id);
        expect(entries.map((e) => `${e.action}:${e.outcome}`)).toEqual([`${kind}:${AUDITED[reason]}`]);
        if (reason !== 'passed' && reason !== 'failed') expect(entries[0]!.detail).toContain(reason);

        expect(await queues.outbox.getDeduplicationJobId(`sync-${run.id}`)).toBeTruthy();
        expect(rootText(stored)).toMatch(DRAWN[reason]);

        const last = (await connectors.lastResults([connector])).get(connector);
        const records =
          (reason === 'passed' || reason === 'failed') &&
          (kind === 'test' ||
            kind === 'rotate' ||
            kind === 'maintenance' ||
            (kind === 'connect' && reason === 'passed'));
        expect(last?.runId, 'last result recorded').toBe(records ? run.id : undefined);
        if (last) expect(await redis.ttl(`${prefix}:connector:${connector}:last`)).toBeGreaterThan(0);
      });
    }
  }

  it('a run-level diagnosis is drawn in the root and explained in the thread', async () => {
    const run = newRun('test', 'lost');
    await runs.create(run);
    await life.end(
      run,
      runOutcome('failed', { code: 'MASTER_KEY_MISSING', detail: 'Stored secret s-1 … key id "old" …' }),
    );
    const view = runView((await runs.get(run.id))!);
    expect(view.root.text).toContain('MASTER_KEY_MISSING');
    const reply = view.replies.find((r) => r.key === 'outcome');
    expect(reply?.message.text).toContain('MASTER_KEY_MISSING');
    expect(JSON.stringify(reply?.message.blocks)).toContain('key id \\"old\\"');
    // The failed test is one failing sample of its connector's history.
    const [sample] = (await history.since(['lost'], 0)).get('lost') ?? [];
    expect(sample?.status).toBe('fail');
    expect(sample?.code).toBe('MASTER_KEY_MISSING');
  });
});
