/**
 * Issue 12, "5,000 connectors": a report run's memory follows its concurrency, not the fleet. Structural, not
 * timed: the run writes through a counting sink (the report state a run writes to) and the outbox reads pages
 * through a counting source, and the test checks what passes through them at once, for a fleet of 60 and of 600:
 * - each result is handed to the sink as its connector finishes, while others still wait to be tested, and no
 *   more results are unsaved at any moment than connectors run at once;
 * - the report is built from the sink, a bounded batch at a time, every result read back exactly once (none is
 *   kept aside), rows and pages stored in bounded pieces;
 * - the run record keeps the head and page 1 only: no bigger for 600 connectors than for 60;
 * - the outbox draws one page at a time, each after the one before it was posted, and never again once posted.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorSpec } from '../../../src/core/connector-spec.js';
import type {
  ConnectorResult,
  ConnectorStatus,
  HistorySample,
  ReportRow,
  ReportSnapshot,
} from '../../../src/core/report.js';
import { type PagedReport, REPORT_LIMITS } from '../../../src/core/views/report-view.js';
import { BUILD_BATCH, executeReport, type ReportRunDeps } from '../../../src/queue/execute-report.js';
import { syncRun } from '../../../src/queue/outbox.js';
import { reportRun } from '../../../src/queue/report-runs.js';
import { RUN_KINDS } from '../../../src/queue/run-kinds.js';
import { conversationId } from '../../../src/store/report-state.js';
import { registerSecret } from '../../helpers/leaks.js';
import { jiraCloudSite } from '../helpers/fake-http.js';
import { ADMIN, createWorld } from '../helpers/world.js';

const TOKEN = registerSecret('fleet-api-token-5c0d1e2f3a', 'fleet token');
const PER_HOST_SITE = 10;
const CONCURRENCY = 5;
const EMAIL = 'sync@fleet.example';

type Sink = ReportRunDeps['state'];
type HistoryReads = ReportRunDeps['history'];

/** The report state a run writes to, in memory, counting what passes through at once. */
class CountingSink implements Sink {
  readonly results = new Map<string, string>();
  readonly rowLists: Record<ConnectorStatus, string[]> = { fail: [], warn: [], ok: [] };
  readonly pages = new Map<number, string>();
  readonly snapshots = new Map<string, string>();
  readonly pending = new Map<string, string>();
  /** Connectors whose test started (the test context counts them). */
  started = 0;
  /** Results handed over so far, and the most that were started but not yet handed over. */
  saved = 0;
  maxUnsaved = 0;
  firstSaveAtStarted?: number;
  /** How often each result was read back, and the most items any one call moved. */
  readBack = new Map<string, number>();
  largestCall = 0;

  private moved(n: number) {
    this.largestCall = Math.max(this.largestCall, n);
  }

  async saveResult(_runId: string, result: ConnectorResult) {
    this.maxUnsaved = Math.max(this.maxUnsaved, this.started - this.saved);
    this.firstSaveAtStarted ??= this.started;
    this.saved += 1;
    this.results.set(result.name, JSON.stringify(result));
  }
  async tested() {
    return new Set(this.results.keys());
  }
  async resultsOf(_runId: string, names: string[]) {
    this.moved(names.length);
    const out = new Map<string, ConnectorResult>();
    for (const name of names) {
      const json = this.results.get(name);
      if (!json) continue;
      this.readBack.set(name, (this.readBack.get(name) ?? 0) + 1);
      out.set(name, JSON.parse(json) as ConnectorResult);
    }
    return out;
  }
  async dropResults() {
    this.results.clear();
  }
  async appendRows(_buildId: string, rows: ReportRow[]) {
    this.moved(rows.length);
    for (const row of rows) this.rowLists[row.status].push(JSON.stringify(row));
  }
  async *rows() {
    for (const status of ['fail', 'warn', 'ok'] as const) {
      const list = this.rowLists[status];
      for (let at = 0; at < list.length; at += 200) {
        const chunk = list.slice(at, at + 200);
        this.moved(chunk.length);
        yield chunk.map((json) => JSON.parse(json) as ReportRow);
      }
    }
  }
  async dropRows() {
    this.rowLists.fail = [];
    this.rowLists.warn = [];
    this.rowLists.ok = [];
  }
  async savePage(_runId: string, page: number, rows: ReportRow[]) {
    this.moved(rows.length);
    this.pages.set(page, JSON.stringify(rows));
  }
  async dropPages() {
    this.pages.clear();
  }
  async snapshot(conversation: Parameters<ReportRunDeps['state']['snapshot']>[0]) {
    const raw = this.snapshots.get(conversationId(conversation));
    return raw ? (JSON.parse(raw) as ReportSnapshot) : undefined;
  }
  async saveSnapshot(conversation: Parameters<ReportRunDeps['state']['snapshot']>[0], s: ReportSnapshot) {
    this.snapshots.set(conversationId(conversation), JSON.stringify(s));
  }
  async savePendingSnapshot(runId: string, s: ReportSnapshot) {
    this.pending.set(runId, JSON.stringify(s));
  }
  async promoteSnapshot(runId: string, conversation: Parameters<ReportRunDeps['state']['snapshot']>[0]) {
    const raw = this.pending.get(runId);
    if (raw) this.snapshots.set(conversationId(conversation), raw);
    this.pending.delete(runId);
  }
}

/** History as the report reads it, in memory. */
class History implements HistoryReads {
  private readonly samples = new Map<string, HistorySample[]>();
  async append(_runId: string, r: ConnectorResult) {
    const list = this.samples.get(r.name) ?? [];
    list.push({ at: r.at, status: r.status });
    this.samples.set(r.name, list);
  }
  async since(names: string[]) {
    return new Map(names.map((n) => [n, [...(this.samples.get(n) ?? [])]]));
  }
  async lastFailures() {
    return new Map<string, { at: number; code?: string }>();
  }
}

function fleet(n: number): ConnectorSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `c-${String(i).padStart(4, '0')}`,
    jira: { url: `https://h-${Math.floor(i / PER_HOST_SITE)}.atlassian.net`, kind: 'cloud' },
    auth: 'basic',
    email: EMAIL,
    secrets: { jira: { env: 'FLEET_TOKEN' } },
  }));
}

async function reportOver(n: number) {
  const specs = fleet(n);
  const w = createWorld({ connectors: specs, env: { FLEET_TOKEN: TOKEN }, liveOutbox: false });
  for (let h = 0; h * PER_HOST_SITE < n; h += 1) {
    jiraCloudSite(w.http, {
      host: `h-${h}.atlassian.net`,
      cloudId: `cloud-${h}`,
      email: EMAIL,
      token: TOKEN,
      clock: w.clock,
    });
  }
  const sink = new CountingSink();
  const deps = {
    ...w.runDeps,
    testContext: ((target, facts) => {
      sink.started += 1;
      return w.runDeps.testContext(target, facts);
    }) satisfies typeof w.runDeps.testContext,
  };
  const run = reportRun({
    id: `r-memory${n}`,
    requestedBy: w.person(ADMIN),
    conversation: w.conversation(),
    params: { trigger: 'now', onlyChanges: false },
    now: w.clock.now(),
  });
  await w.runs.create(run);
  await executeReport(run, w.life, deps, {
    history: new History(),
    state: sink,
    settings: { concurrency: CONCURRENCY, perHost: 2, retentionDays: 90, minIntervalMs: 3600_000 },
  });
  const stored = (await w.runs.get(run.id))!;
  return { w, sink, run: stored, report: stored.facts.report as PagedReport };
}

describe('a report run holds what its concurrency holds, not the fleet', () => {
  it.each([60, 600])('%i connectors: results go to the sink as they land, bounded in flight', async (n) => {
    const { sink, run, report } = await reportOver(n);
    expect(run.state).toBe('succeeded');
    expect(report.counts.ok).toBe(n);
    expect(sink.saved).toBe(n);
    // The first result was stored while most connectors had not even started.
    expect(sink.firstSaveAtStarted).toBeLessThanOrEqual(CONCURRENCY);
    // Never more results made and not yet handed over than connectors tested at once.
    expect(sink.maxUnsaved).toBeLessThanOrEqual(CONCURRENCY);
  });

  it.each([60, 600])(
    '%i connectors: built from the sink a batch at a time, every result read once',
    async (n) => {
      const { sink } = await reportOver(n);
      expect(sink.readBack.size).toBe(n);
      expect([...sink.readBack.values()].every((times) => times === 1)).toBe(true);
      expect(sink.largestCall).toBeLessThanOrEqual(Math.max(BUILD_BATCH, 200, REPORT_LIMITS.rowsPerPage));
      // Once the run ended, nothing of it is left in the sink but its pages (for the outbox) and the new snapshot.
      expect(sink.results.size).toBe(0);
      expect(sink.rowLists.ok).toHaveLength(0);
    },
  );

  it('the run record keeps the head and page 1: no bigger for 600 connectors than for 60', async () => {
    const small = await reportOver(60);
    const large = await reportOver(600);
    for (const { report } of [small, large]) {
      expect(report).not.toHaveProperty('rows');
      expect(report.firstPage.length).toBeLessThanOrEqual(REPORT_LIMITS.rowsPerPage);
    }
    expect(large.report.pageCount).toBeGreaterThan(small.report.pageCount * 5);
    const size = (r: PagedReport) =>
      JSON.stringify({ ...r, pageCount: 0, total: 0, counts: {}, durationMs: 0 }).length;
    expect(size(large.report)).toBeLessThanOrEqual(size(small.report) + 200);
    expect(large.sink.pages.size).toBe(large.report.pageCount - 1);
  });

  it('the outbox draws one page at a time, after the one before was posted, and never again', async () => {
    const { w, sink, run, report } = await reportOver(600);
    const loads: Array<{ page: number; postedBefore: number }> = [];
    const pagesPosted = () =>
      w.chat.calls.filter((c) => c.kind === 'post' && / page \d+ of /.test(c.view.text)).length;
    const outbox = {
      ...w.outbox,
      viewOf: (r: typeof run, prefix: string) =>
        RUN_KINDS[r.kind].view(r, prefix, async (_runId, page) => {
          loads.push({ page, postedBefore: pagesPosted() });
          const raw = sink.pages.get(page);
          return raw ? (JSON.parse(raw) as ReportRow[]) : undefined;
        }),
    };
    await syncRun(run.id, outbox);
    expect(loads.map((l) => l.page)).toEqual(Array.from({ length: report.pageCount - 1 }, (_, i) => i + 2));
    expect(loads.every((l, i) => l.postedBefore === i)).toBe(true);
    expect(pagesPosted()).toBe(report.pageCount - 1);
    await syncRun(run.id, outbox);
    expect(loads).toHaveLength(report.pageCount - 1);
  });
});
