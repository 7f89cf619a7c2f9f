/**
 * Executes a fleet report run: tests every connector (bounded, capped per host), records each result in the
 * history and as the connector's last result, then builds the report against the channel's previous one.
 *
 * Re-delivery: results already recorded for this run are not tested again, and a report already built is not
 * rebuilt (its snapshot comparison stays the one made the first time).
 * Silence: a `--only-changes` run never asks the outbox for a sync until it knows there is something to say, and
 * when nothing changed it ends with `facts.silent` and no sync at all — the outbox only writes for runs it is
 * asked to sync, so no root message is ever posted for it.
 * Cancel: asked after each connector; the connectors being tested finish, no further one starts.
 */

import type { ConnectorSpec } from '../core/connector-spec.js';
import type { MaintenanceNote } from '../core/maintenance.js';
import type { ConnectorResult, HistorySample, HistorySummary, ReportData } from '../core/report.js';
import { snapshotOf, summarizeHistory } from '../core/report.js';
import { buildReport } from '../core/report-tally.js';
import { type Run, runOutcome } from '../core/run.js';
import type { CheckResult } from '../core/runbooks/checks/run-checks.js';
import { daysWindow } from '../core/uptime.js';
import type { HistoryStore } from '../store/history.js';
import type { ReportStateStore } from '../store/report-state.js';
import { testFleet } from './fleet-test.js';
import type { ReportSettings } from './report-settings.js';
import type { RunDeps } from './run-deps.js';
import type { RunLifecycle } from './run-lifecycle.js';

export interface ReportRunDeps {
  history: HistoryStore;
  state: ReportStateStore;
  settings: ReportSettings;
  /** Metrics hook: each connector's check results as they land. */
  observeChecks?: (checks: CheckResult[]) => void;
}

const PROGRESS_EVERY_MS = 1000;
const DAY_MS = 86_400_000;
/** History read before the 30-day window, so the result just before it still counts for its edge. */
const HISTORY_LEAD_MS = 8 * DAY_MS;

export async function executeReport(
  run: Run,
  life: RunLifecycle,
  deps: RunDeps,
  report: ReportRunDeps,
): Promise<void> {
  const loud = run.params.onlyChanges !== true;
  if (!run.facts.report) {
    const specs = await deps.connectors.list();
    run.facts.startedAt ??= deps.clock.now();
    run.facts.maintenance ??= Object.fromEntries((await deps.maintenance?.notes(deps.clock.now())) ?? []);
    await life.start(run, { sync: loud });
    const inWindow = new Set(
      Object.entries(maintenanceOf(run))
        .filter(([, note]) => note.kind === 'in-maintenance')
        .map(([name]) => name),
    );
    const done = await testAll(
      run,
      specs.filter((s) => !inWindow.has(s.name)),
      life,
      deps,
      report,
      loud,
    );
    run.facts.report = await buildFor(run, specs, done, deps, report);
    run.facts.silent = !loud && !(run.facts.report as ReportData).changed;
    delete run.facts.progress;
    await life.save(run, { sync: false });
  }
  const data = run.facts.report as ReportData;
  await report.state.saveSnapshot(run.conversation, snapshotOf(data, run.id));
  await report.state.dropResults(run.id);
  await life.end(run, runOutcome('passed'), { sync: !run.facts.silent });
}

async function testAll(
  run: Run,
  specs: ConnectorSpec[],
  life: RunLifecycle,
  deps: RunDeps,
  report: ReportRunDeps,
  loud: boolean,
): Promise<Map<string, ConnectorResult>> {
  const done = await report.state.results(run.id);
  const progress = progressReporter(run, specs.length, life, deps, loud);
  await testFleet(
    specs.filter((s) => !done.has(s.name)),
    deps,
    {
      concurrency: report.settings.concurrency,
      perHost: report.settings.perHost,
      onResult: async (result, checks) => {
        await Promise.all([
          report.state.saveResult(run.id, result),
          report.history.append(run.id, result),
          deps.connectors.setLastResult(result.name, {
            runId: run.id,
            kind: 'report',
            state: result.status === 'fail' ? 'failed' : 'succeeded',
            at: result.at,
            codes: checks.filter((c) => c.code).map((c) => c.code!),
          }),
        ]);
        done.set(result.name, result);
        report.observeChecks?.(checks);
        await progress(done.size);
        // A cancel rejects the pool: the connectors in flight finish, no further one starts.
        await life.checkCancel(run);
      },
    },
  );
  return done;
}

/** Saves the run's progress (and, for a loud run, asks for a chat refresh) at most once a second. */
function progressReporter(run: Run, total: number, life: RunLifecycle, deps: RunDeps, loud: boolean) {
  let last = 0;
  let saving = false;
  return async (doneCount: number) => {
    const now = deps.clock.now();
    if (saving || now - last < PROGRESS_EVERY_MS || doneCount >= total) return;
    saving = true;
    last = now;
    try {
      run.facts.progress = { done: doneCount, total };
      await life.save(run, { sync: loud });
    } finally {
      saving = false;
    }
  };
}

async function buildFor(
  run: Run,
  specs: ConnectorSpec[],
  done: Map<string, ConnectorResult>,
  deps: RunDeps,
  report: ReportRunDeps,
): Promise<ReportData> {
  const now = deps.clock.now();
  const timeZone = typeof run.params.tz === 'string' ? run.params.tz : 'UTC';
  const tested = specs.filter((s) => done.has(s.name));
  const names = tested.map((s) => s.name);
  const [history, lastFailures, previous] = await Promise.all([
    summaries(names, now, timeZone, report.history),
    report.history.lastFailures(names),
    report.state.snapshot(run.conversation),
  ]);
  const startedAt = typeof run.facts.startedAt === 'number' ? run.facts.startedAt : run.createdAt;
  return buildReport({
    now,
    timeZone,
    durationMs: now - startedAt,
    connectors: tested.map((spec) => ({
      ...(spec.tokenExpiresAt ? { tokenExpiresAt: spec.tokenExpiresAt } : {}),
      result: done.get(spec.name)!,
    })),
    history,
    lastFailures,
    ...(previous ? { previous } : {}),
    maintenance: new Map(
      Object.entries(maintenanceOf(run)).filter(([name]) => specs.some((s) => s.name === name)),
    ),
  });
}

/** The maintenance notes the report read when it started (kept, so a re-delivered run reports the same). */
function maintenanceOf(run: Run): Record<string, MaintenanceNote> {
  return (run.facts.maintenance as Record<string, MaintenanceNote> | undefined) ?? {};
}

/**
 * Reads history in batches and keeps only each connector's summary, so memory stays flat for large fleets.
 * `current` adds results not stored (the CLI reads history but never writes it).
 */
export async function summaries(
  names: string[],
  now: number,
  timeZone: string,
  history: HistoryStore,
  current?: Map<string, HistorySample>,
): Promise<Map<string, HistorySummary>> {
  const from = daysWindow(now, 30, timeZone).start - HISTORY_LEAD_MS;
  const out = new Map<string, HistorySummary>();
  for (let i = 0; i < names.length; i += 50) {
    const batch = await history.since(names.slice(i, i + 50), from);
    for (const [name, samples] of batch) {
      const extra = current?.get(name);
      if (extra) samples.push(extra);
      out.set(name, summarizeHistory(samples, now, timeZone));
    }
  }
  return out;
}
