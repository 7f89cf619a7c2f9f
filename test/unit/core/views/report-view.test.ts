/**
 * The fleet report's messages (src/core/views/report-view.ts), platform-neutral: the root carries page 1 (failing
 * connectors first), further pages are thread replies keyed page:N in order, every connector appears on exactly
 * one page, each failing one gets a reply with its fix; and a report run draws its progress and how it ended.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorResult, ConnectorStatus } from '../../../../src/core/report.js';
import { buildReport } from '../../../../src/core/report-tally.js';
import { runOutcome } from '../../../../src/core/run.js';
import { REPORT_LIMITS, reportRunView, reportView } from '../../../../src/core/views/report-view.js';
import type { MessageView } from '../../../../src/core/views/view.js';
import { renderPlain } from '../../helpers/fake-chat.js';
import { aRun, T0 } from '../../helpers/runs.js';

const META = { runId: 'r-report0001', trigger: ['requested by ', { user: 'U-REQ' }] as const };

function result(name: string, status: ConnectorStatus): ConnectorResult {
  return {
    name,
    host: `${name}.atlassian.net`,
    status,
    ...(status === 'fail'
      ? { code: 'JIRA_AUTH_REJECTED' as const, check: 'Credentials work', detail: 'Jira answered 401.' }
      : {}),
    latencyMs: 120,
    ms: 800,
    at: T0,
  };
}

function report(results: ConnectorResult[]) {
  return buildReport({
    now: T0,
    timeZone: 'UTC',
    durationMs: 1234,
    connectors: results.map((r) => ({ result: r })),
    history: new Map(results.map((r) => [r.name, { uptime: [1, 1, 1] as [number, number, number] }])),
  });
}

/** Connector names listed on a page, in order. */
function namesOn(message: MessageView, all: string[]): string[] {
  const text = renderPlain(message);
  return all
    .filter((n) => text.includes(` ${n} ·`))
    .sort((a, b) => text.indexOf(` ${a} ·`) - text.indexOf(` ${b} ·`));
}

describe('report view paging', () => {
  const names = Array.from({ length: 130 }, (_, i) => `conn-${String(i).padStart(3, '0')}`);
  const results = names.map((n, i) => result(n, i % 10 === 0 ? 'fail' : 'ok'));
  const view = reportView(report(results), { ...META, trigger: [...META.trigger], prefix: '@Fake' });
  const pages = view.replies.filter((r) => r.key.startsWith('page:'));

  it('pages beyond the first are thread replies keyed page:2…N, in order', () => {
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.map((p) => p.key)).toEqual(pages.map((_, i) => `page:${i + 2}`));
    expect(renderPlain(view.root)).toContain(
      `Page 1 of ${pages.length + 1}; pages 2–${pages.length + 1} are in the thread.`,
    );
    expect(pages[0]!.message.text).toBe(`Fleet report ${META.runId}, page 2 of ${pages.length + 1}`);
  });

  it('every connector is on exactly one page, failing ones first, no page over the row limit', () => {
    const perPage = [view.root, ...pages.map((p) => p.message)].map((m) => namesOn(m, names));
    for (const page of perPage) expect(page.length).toBeLessThanOrEqual(REPORT_LIMITS.rowsPerPage);
    const listed = perPage.flat();
    expect(listed).toHaveLength(names.length);
    expect(new Set(listed).size).toBe(names.length);
    const failing = results.filter((r) => r.status === 'fail').map((r) => r.name);
    expect(listed.slice(0, failing.length)).toEqual(failing);
  });

  it('each failing connector gets one reply with its fix, after the pages', () => {
    const failures = view.replies.filter((r) => r.key.startsWith('fail:'));
    expect(failures.map((f) => f.key)).toEqual(
      results.filter((r) => r.status === 'fail').map((r) => `fail:${r.name}`),
    );
    expect(view.replies.indexOf(failures[0]!)).toBe(pages.length);
    expect(renderPlain(failures[0]!.message)).toContain('Fix (on Jira)');
    expect(renderPlain(view.root)).toContain(
      'Causes and fixes for 13 failing connector(s) are in the thread.',
    );
  });

  it('a small fleet fits in the root: no page replies', () => {
    const small = reportView(report([result('a', 'ok'), result('b', 'warn')]), {
      ...META,
      trigger: [...META.trigger],
    });
    expect(small.replies).toEqual([]);
    expect(small.root.text).toBe('⚠️ Fleet report: 1 with warnings · 1 passing (2 connectors)');
  });

  it('an empty fleet says how to add a connector, with the platform’s prefix', () => {
    const empty = reportView(report([]), { ...META, trigger: [...META.trigger], prefix: '@Fake' });
    expect(renderPlain(empty.root)).toContain('set one up with @Fake connect');
  });
});

describe('a report run in each state', () => {
  it('starting, then its progress', () => {
    const run = aRun({ kind: 'report', connector: '@fleet', state: 'running', params: {} });
    expect(reportRunView(run).root.text).toBe('🔄 Fleet report: starting…');
    run.facts.progress = { done: 3, total: 10 };
    expect(reportRunView(run).root.text).toBe('🔄 Fleet report: testing 10 connectors… 3 done');
  });

  it('ended without a report: why, and who asked or which schedule fired', () => {
    const cancelled = aRun({
      kind: 'report',
      connector: '@fleet',
      state: 'cancelled',
      outcome: runOutcome('cancelled', { by: 'U-BOSS' }),
      params: { trigger: 'schedule', schedule: 'weekdays 09:00', onlyChanges: true },
    });
    const view = reportRunView(cancelled);
    expect(view.root.text).toBe('❌ Fleet report cancelled: Cancelled by @U-BOSS.');
    expect(renderPlain(view.root)).toContain('scheduled (weekdays 09:00, changes only)');
    expect(view.replies).toEqual([]);
  });

  it('finished: the report itself', () => {
    const run = aRun({
      kind: 'report',
      connector: '@fleet',
      state: 'succeeded',
      outcome: runOutcome('passed'),
      facts: { report: report([result('a', 'ok')]) },
    });
    expect(reportRunView(run, '@Fake').root.text).toBe('✅ Fleet report: 1 passing (1 connector)');
    expect(renderPlain(reportRunView(run).root)).toContain(`${run.id} · requested by @U-REQ`);
  });
});
