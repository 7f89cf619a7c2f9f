/**
 * Fencing (store/runs.ts) only guards the run record. A report run's worker built its table in scratch lists
 * keyed by the run id (store/report-state.ts: appendRows, rows, dropRows) and saves the record only after the
 * build. A worker that lost the run while its last connector's test was still running (a stop out of time, a
 * stalled event loop) finishes that test, then builds — dropping the rows of the worker that holds the run now,
 * mid-build — before its own save is refused. The report the holder publishes must still list every connector.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectorSpec } from '../../../src/core/connector-spec.js';
import type { PagedReport } from '../../../src/core/views/report-view.js';
import { executeReport, type ReportRunDeps } from '../../../src/queue/execute-report.js';
import { reportRun } from '../../../src/queue/report-runs.js';
import type { RunDeps } from '../../../src/queue/run-deps.js';
import { RUN_KINDS } from '../../../src/queue/run-kinds.js';
import { RunLifecycle } from '../../../src/queue/run-lifecycle.js';
import { HistoryStore } from '../../../src/store/history.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { ReportStateStore } from '../../../src/store/report-state.js';
import { type HeldLock, newRunId, RunStore } from '../../../src/store/runs.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { jiraCloudSite } from '../../unit/helpers/fake-http.js';
import { ADMIN, createWorld } from '../../unit/helpers/world.js';

const prefix = testPrefix('stale-report');
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const keys = new RedisKeys(prefix);
const runs = new RunStore(redis, keys);
const state = new ReportStateStore(redis, keys);
const history = new HistoryStore(redis, keys);

afterAll(async () => {
  redis.disconnect();
  await deleteKeys(prefix);
});

const EMAIL = 'sync@fleet.example';
const SPECS: ConnectorSpec[] = ['c-0', 'c-1'].map((name) => ({
  name,
  jira: { url: 'https://fleet.atlassian.net', kind: 'cloud' },
  auth: 'basic',
  email: EMAIL,
  secrets: { jira: { env: 'FLEET_TOKEN' } },
}));

const SETTINGS = { concurrency: 2, perHost: 2, retentionDays: 90, minIntervalMs: 3600_000 };

describe('a report worker that lost its run', () => {
  it('cannot drop the rows of the worker that holds the run now', async () => {
    const w = createWorld({ connectors: SPECS, env: { FLEET_TOKEN: 'tok' }, liveOutbox: false });
    jiraCloudSite(w.http, {
      host: 'fleet.atlassian.net',
      cloudId: 'cloud-fleet',
      email: EMAIL,
      token: 'tok',
      clock: w.clock,
    });
    const run = reportRun({
      id: newRunId(),
      requestedBy: w.person(ADMIN),
      conversation: w.conversation(),
      params: { trigger: 'now', onlyChanges: false },
      now: w.clock.now(),
    });
    await runs.create(run);
    const lockKey = `${prefix}:runs:${run.id}:lock`;
    const lockOf = (token: string): HeldLock => ({ key: lockKey, token });

    // Worker A holds the run; its test of c-1 hangs until `release`.
    await redis.set(lockKey, 'A');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let heldA: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (heldA = resolve));
    const depsA: RunDeps = {
      ...w.runDeps,
      runs,
      testContext: (target, facts) => {
        const ctx = w.runDeps.testContext(target, facts);
        if (target.label !== 'c-1') return ctx;
        const http = ctx.http;
        return {
          ...ctx,
          http: {
            send: async (request) => {
              heldA();
              await gate;
              return http.send(request);
            },
          },
        };
      },
    };
    const runA = (await runs.get(run.id, lockOf('A')))!;
    const doneA = executeReport(runA, new RunLifecycle(depsA, RUN_KINDS), depsA, {
      history,
      state,
      settings: SETTINGS,
    }).then(
      () => 'returned',
      (error: Error) => error.name,
    );
    await inside;
    await expect.poll(async () => [...(await state.tested(run.id))]).toEqual(['c-0']);

    // A's lock is lost; worker B takes the run over and builds the report. Mid-build (rows appended, not yet
    // read back) A's test of c-1 ends, and A goes on to build and save.
    await redis.set(lockKey, 'B');
    const depsB: RunDeps = { ...w.runDeps, runs };
    const stateB: ReportRunDeps['state'] = Object.assign(Object.create(state) as ReportStateStore, {
      savePendingSnapshot: async (...args: Parameters<ReportStateStore['savePendingSnapshot']>) => {
        release();
        expect(await doneA).toBe('RunLockLost');
        return state.savePendingSnapshot(...args);
      },
    });
    const runB = (await runs.get(run.id, lockOf('B')))!;
    await executeReport(runB, new RunLifecycle(depsB, RUN_KINDS), depsB, {
      history,
      state: stateB,
      settings: SETTINGS,
    });

    const stored = (await runs.get(run.id))!;
    expect(stored.state).toBe('succeeded');
    const report = stored.facts.report as PagedReport;
    expect(report.counts.ok).toBe(2);
    expect(report.firstPage.map((row) => row.name).sort()).toEqual(['c-0', 'c-1']);
  }, 30_000);
});
