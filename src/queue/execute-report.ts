/**
 * Executes a fleet report run: tests every connector (bounded, capped per host), records each result in the
 * history and as the connector's last result, then builds the report against the channel's previous one.
 *
 * Memory follows the concurrency, not the fleet: each result goes to Redis as it lands and is not kept; the report
 * is built from them a batch at a time (rows tallied, then stored by status), the table is cut into pages as the
 * rows are read back failing first, and only the head and page 1 go into the run record — the outbox reads the
 * other pages one at a time (queue/outbox.ts).
 *
 * Re-delivery: results already recorded for this run are not tested again, and a report already built is not
 * rebuilt (its snapshot comparison stays the one made the first time).
 * Silence: a `--only-changes` run never asks the outbox for a sync until it knows there is something to say, and
 * when nothing changed it ends with `facts.silent` and no sync at all — the outbox only writes for runs it is
 * asked to sync, so no root message is ever posted for it.
 * Cancel: asked after each connector; the connectors being tested finish, no further one starts.
 */

import { randomBytes } from 'node:crypto';
import type { ConnectorSpec } from '../core/connector-spec.js';
import type { MaintenanceNote } from '../core/maintenance.js';
import type { HistorySample, HistorySummary, ReportData, ReportRow } from '../core/report.js';
import { snapshotOf, summarizeHistory } from '../core/report.js';
import { compareNames, ReportTally } from '../core/report-tally.js';
import { type Run, runOutcome } from '../core/run.js';
import type { CheckResult } from '../core/runbooks/checks/run-checks.js';
import { daysWindow } from '../core/uptime.js';
import { metaOf, type PagedReport, ReportPager } from '../core/views/report-view.js';
import type { HistoryStore } from '../store/history.js';
import type { ReportStateStore } from '../store/report-state.js';
import { testFleet } from './fleet-test.js';
import type { ReportSettings } from './report-settings.js';
import type { RunDeps } from './run-deps.js';
import type { RunLifecycle } from './run-lifecycle.js';

export interface ReportRunDeps {
  history: Pick<HistoryStore, 'append' | 'since' | 'lastFailures'>;
  /** Where results, rows and pages go as they are made: nothing fleet-sized is held in memory. */
  state: Pick<
    ReportStateStore,
    | 'saveResult'
    | 'tested'
    | 'resultsOf'
    | 'dropResults'
    | 'appendRows'
    | 'rows'
    | 'dropRows'
    | 'savePage'
    | 'dropPages'
    | 'snapshot'
    | 'saveSnapshot'
    | 'savePendingSnapshot'
    | 'promoteSnapshot'
  >;
  settings: ReportSettings;
  /** Metrics hook: each connector's check results as they land. */
  observeChecks?: (checks: CheckResult[]) => void;
}

const PROGRESS_EVERY_MS = 1000;
/** Connectors whose results are read back and made into rows at once while the report is built. */
export const BUILD_BATCH = 100;
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
    await testAll(
      run,
      specs.filter((s) => !inWindow.has(s.name)),
      life,
      deps,
      report,
      loud,
    );
    const built = await buildFor(run, specs, deps, report);
    run.facts.report = built;
    run.facts.silent = !loud && !built.changed;
    delete run.facts.progress;
    await life.save(run, { sync: false });
  }
  const data = run.facts.report as ReportData | PagedReport;
  // A report built whole by an earlier version carries its rows; a paged one left its snapshot pending.
  if ('rows' in data) await report.state.saveSnapshot(run.conversation, snapshotOf(data, run.id));
  else await report.state.promoteSnapshot(run.id, run.conversation);
  await report.state.dropResults(run.id);
  if (run.facts.silent) await report.state.dropPages(run.id);
  await life.end(run, runOutcome('passed'), { sync: !run.facts.silent });
}

async function testAll(
  run: Run,
  specs: ConnectorSpec[],
  life: RunLifecycle,
  deps: RunDeps,
  report: ReportRunDeps,
  loud: boolean,
): Promise<void> {
  const tested = await report.state.tested(run.id);
  let doneCount = tested.size;
  const progress = progressReporter(run, specs.length, life, deps, loud);
  await testFleet(
    specs.filter((s) => !tested.has(s.name)),
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
        doneCount += 1;
        report.observeChecks?.(checks);
        await progress(doneCount);
        // A cancel rejects the pool: the connectors in flight finish, no further one starts.
        await life.checkCancel(run);
      },
    },
  );
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

/**
 * Builds the report from the results in Redis: a batch of connectors at a time is read back, made into rows
 * (tallied against the previous snapshot) and stored by status; then the rows are read back failing first and cut
 * into pages, page 1 for the run record and the others stored for the outbox.
 */
async function buildFor(
  run: Run,
  specs: ConnectorSpec[],
  deps: RunDeps,
  report: ReportRunDeps,
): Promise<PagedReport> {
  const now = deps.clock.now();
  const timeZone = typeof run.params.tz === 'string' ? run.params.tz : 'UTC';
  const previous = await report.state.snapshot(run.conversation);
  const tally = new ReportTally({
    now,
    timeZone,
    history: true,
    ...(previous ? { previous } : {}),
    maintenance: new Map(
      Object.entries(maintenanceOf(run)).filter(([name]) => specs.some((s) => s.name === name)),
    ),
  });
  // The rows are this build's own: a worker that lost the run and builds it too (its last test ended after the
  // run was taken over; its save is refused only afterwards) must not drop or add to the rows of the one holding it.
  const scratch = `${run.id}.${randomBytes(6).toString('hex')}`;
  const ordered = [...specs].sort((a, b) => compareNames(a.name, b.name));
  for (let i = 0; i < ordered.length; i += BUILD_BATCH) {
    const rows = await rowsOf(run.id, ordered.slice(i, i + BUILD_BATCH), tally, now, timeZone, report);
    await report.state.appendRows(scratch, rows);
  }
  const startedAt = typeof run.facts.startedAt === 'number' ? run.facts.startedAt : run.createdAt;
  const head = tally.head(now - startedAt);
  await report.state.savePendingSnapshot(run.id, tally.nextSnapshot(run.id));
  const pager = new ReportPager(head, metaOf(run));
  let pageCount = 0;
  let firstPage: ReportRow[] = [];
  const close = async (page: ReportRow[]) => {
    pageCount += 1;
    if (pageCount === 1) firstPage = page;
    else await report.state.savePage(run.id, pageCount, page);
  };
  for await (const chunk of report.state.rows(scratch)) {
    for (const row of chunk) {
      const page = pager.add(row);
      if (page) await close(page);
    }
  }
  const last = pager.end();
  if (last) await close(last);
  await report.state.dropRows(scratch);
  return { ...head, pageCount, firstPage };
}

/** One batch of connectors as report rows: their results, history and last failures read for the batch only. */
async function rowsOf(
  runId: string,
  batch: ConnectorSpec[],
  tally: ReportTally,
  now: number,
  timeZone: string,
  report: ReportRunDeps,
): Promise<ReportRow[]> {
  const results = await report.state.resultsOf(
    runId,
    batch.map((s) => s.name),
  );
  const tested = batch.filter((s) => results.has(s.name));
  const names = tested.map((s) => s.name);
  const [history, lastFailures] = await Promise.all([
    summaries(names, now, timeZone, report.history),
    report.history.lastFailures(names),
  ]);
  return tested.map((spec) =>
    tally.row(
      {
        ...(spec.tokenExpiresAt ? { tokenExpiresAt: spec.tokenExpiresAt } : {}),
        result: results.get(spec.name)!,
      },
      history.get(spec.name),
      lastFailures.get(spec.name),
    ),
  );
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
  history: Pick<HistoryStore, 'since'>,
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
