/**
 * ReportData → RunView. Paged so every message stays far inside Slack's limits however large the fleet: the root
 * (posted to the channel) carries the summary, the changes, the credentials and page 1 of the table, failing
 * connectors first; further pages are thread replies, then one reply per failing connector with its fix. Thread
 * replies keep a 500-connector report to one message in the channel, and the outbox already posts each keyed
 * reply once and edits it in place. Budgets count plain characters, well under the ~12k Slack accepts.
 */
import { diagnosis, shortHint } from '../diagnosis.js';
import { formatLocal } from '../maintenance-time.js';
import { type ExpiryTier, expiryPhrase, type ReportData, type ReportRow } from '../report.js';
import { FAILING_KEPT, type ReportHead } from '../report-tally.js';
import type { Run } from '../run.js';
import { failureMessage, outcomeLine } from './run-view.js';
import { type Block, type Inline, type MessageView, plain, type ReplyView, type RunView } from './view.js';

export const REPORT_LIMITS = {
  /** Plain characters of table rows per message (root and each page). */
  pageChars: 6000,
  rowsPerPage: 40,
  /** Characters of one text block (Slack's section cap is 3000 after markup). */
  blockChars: 2400,
  /** Names listed per change or expiry line before "+N more". */
  namesPerLine: 15,
  /** Thread replies with a fix, one per failing connector; the rest are rolled up in one reply. */
  failureReplies: 50,
} as const;

/** Markup a renderer adds per row (bold name, code quotes). */
const ROW_OVERHEAD = 8;

const ICON = { ok: '✅', warn: '⚠️', fail: '❌' } as const;
const CHANGE_NOTE = {
  'new-failure': ' 🆕 new failure',
  recovered: ' ↗ recovered',
  'cause-changed': ' ↻ new cause',
  added: ' ➕ new connector',
  expiry: '',
} as const;

export interface ReportMeta {
  runId: string;
  /** Who asked, or which schedule fired. */
  trigger: Inline[];
  /** How the platform addresses the bot ("/align", "@Align Bot"), for the hints. */
  prefix?: string;
}

/** Where a stored report's table pages are read from (the run keeps only the head and page 1). */
export type PageSource = (runId: string, page: number) => Promise<ReportRow[] | undefined>;

/** The view of a report run in any state: progress, the report, or why it failed. */
export function reportRunView(run: Run, prefix?: string, pageSource?: PageSource): RunView {
  const report = run.facts.report as ReportData | PagedReport | undefined;
  const meta = { ...metaOf(run), ...(prefix ? { prefix } : {}) };
  if (report && 'rows' in report) return reportView(report, meta);
  if (report) return pagedView(report, meta, pageSource);
  if (run.state === 'failed' || run.state === 'cancelled' || run.state === 'expired') {
    const reason = outcomeLine(run);
    const head = `❌ Fleet report ${run.state}`;
    const text = reason ? `${head}: ${plain(reason)}` : head;
    const blocks: Block[] = [{ type: 'text', text: [{ b: head }] }];
    if (reason) blocks.push({ type: 'text', text: reason });
    return { root: { text, blocks: [...blocks, metaContext(meta)] }, replies: [] };
  }
  const progress = run.facts.progress as { done: number; total: number } | undefined;
  const text = progress
    ? `🔄 Fleet report: testing ${progress.total} connectors… ${progress.done} done`
    : '🔄 Fleet report: starting…';
  return { root: { text, blocks: [{ type: 'text', text: [{ b: text }] }, metaContext(meta)] }, replies: [] };
}

export function metaOf(run: Run): ReportMeta {
  const p = run.params;
  const trigger: Inline[] =
    p.trigger === 'schedule'
      ? [`scheduled (${String(p.schedule ?? 'schedule')}${p.onlyChanges ? ', changes only' : ''})`]
      : ['requested by ', { user: run.requestedBy.id }];
  return { runId: run.id, trigger };
}

function metaContext(meta: ReportMeta, extra = ''): Block {
  return { type: 'context', text: [`${meta.runId} · `, ...meta.trigger, ...(extra ? [extra] : [])] };
}

/** A command as the reader types it: with the platform's prefix, or quoted as the bare command. */
function command(meta: ReportMeta, text: string): string {
  return meta.prefix ? `${meta.prefix} ${text}` : `“${text}”`;
}

/** A report as a run keeps it: the head, page 1 of the table and how many pages there are (the rest stored apart). */
export interface PagedReport extends ReportHead {
  pageCount: number;
  firstPage: ReportRow[];
}

/** The whole report at once (the CLI's data, tests): paged in memory, every page drawn. */
export function reportView(data: ReportData, meta: ReportMeta): RunView {
  const { rows, ...rest } = data;
  const tally = headOf(data);
  const pager = new ReportPager(tally, meta);
  const pages: ReportRow[][] = [];
  for (const row of rows) {
    const page = pager.add(row);
    if (page) pages.push(page);
  }
  const last = pager.end();
  if (last) pages.push(last);
  const report: PagedReport = { ...rest, ...tally, pageCount: pages.length, firstPage: pages[0] ?? [] };
  const view = pagedView(report, meta);
  const replies = pages
    .slice(1)
    .map((page, i) => ({ key: `page:${i + 2}`, message: pageMessage(report, meta, i + 2, page) }));
  return { root: view.root, replies: [...replies, ...view.replies] };
}

/** What the head of a whole report says about its failing and expiring rows. */
function headOf(data: ReportData): ReportHead {
  const failing = data.rows.filter((r) => r.status === 'fail' && r.code);
  const expiring = data.rows
    .filter((r) => r.expiry)
    .map((r) => ({ name: r.name, status: r.status, tier: r.expiry!.tier, on: r.expiry!.on }));
  const { rows: _rows, ...rest } = data;
  return { ...rest, failing: failing.slice(0, FAILING_KEPT), failingWithCode: failing.length, expiring };
}

/**
 * Cuts the table into pages as rows come, failing first: page 1 shares the root with the header, every other page
 * is a reply. Holds one page at a time.
 */
export class ReportPager {
  private page: ReportRow[] = [];
  private used = 0;
  private limit: number;

  constructor(
    private readonly head: ReportHead,
    meta: ReportMeta,
  ) {
    // Without the platform's prefix: the cut is made where the report is built, before any platform draws it.
    const { prefix: _prefix, ...plainMeta } = meta;
    this.limit = Math.max(REPORT_LIMITS.pageChars - blocksSize(headerBlocks(head, plainMeta)), 1500);
  }

  /** Adds the next row; returns the page it closed, if any. */
  add(row: ReportRow): ReportRow[] | undefined {
    const size = plain(rowLine(row, this.head.generatedAt)).length + ROW_OVERHEAD;
    let closed: ReportRow[] | undefined;
    if (
      this.page.length > 0 &&
      (this.used + size > this.limit || this.page.length >= REPORT_LIMITS.rowsPerPage)
    ) {
      closed = this.page;
      this.page = [];
      this.used = 0;
      this.limit = REPORT_LIMITS.pageChars;
    }
    this.page.push(row);
    this.used += size;
    return closed;
  }

  /** The last page, if it has rows. */
  end(): ReportRow[] | undefined {
    return this.page.length > 0 ? this.page : undefined;
  }
}

/** The root (head and page 1), the failure replies, and pages 2…N drawn only when the outbox gets to them. */
function pagedView(report: PagedReport, meta: ReportMeta, pageSource?: PageSource): RunView {
  const head = headline(report);
  if (report.total === 0) {
    const blocks: Block[] = [
      { type: 'text', text: [{ b: head }] },
      {
        type: 'text',
        text: [
          `There are no connectors to test. Add them to the connectors file (ALIGN_BOT_CONNECTORS_FILE) or set one up with ${command(meta, 'connect')}.`,
        ],
      },
      ...changeBlocks(report),
      metaContext(meta),
    ];
    return { root: { text: head, blocks }, replies: [] };
  }
  const pages = report.pageCount;
  const failing = report.counts.fail;
  const footer: string[] = [];
  if (pages > 1) footer.push(`Page 1 of ${pages}; pages 2–${pages} are in the thread.`);
  if (failing > 0) footer.push(`Causes and fixes for ${failing} failing connector(s) are in the thread.`);
  const root: MessageView = {
    text: head,
    blocks: [
      ...headerBlocks(report, meta),
      ...rowBlocks(report.firstPage.map((r) => rowLine(r, report.generatedAt))),
      ...(footer.length > 0 ? [{ type: 'context', text: [footer.join(' ')] } as Block] : []),
    ],
  };
  const keys = Array.from({ length: Math.max(0, pages - 1) }, (_, i) => `page:${i + 2}`);
  return {
    root,
    replies: failureReplies(report, meta),
    ...(keys.length > 0
      ? {
          pages: {
            keys,
            render: async (key: string) => {
              const n = Number(key.slice('page:'.length));
              if (!pageSource) throw new Error(`no page source for report ${meta.runId}`);
              const rows = await pageSource(meta.runId, n);
              if (!rows) throw new Error(`page ${n} of report ${meta.runId} is gone`);
              return pageMessage(report, meta, n, rows);
            },
          },
        }
      : {}),
  };
}

function headerBlocks(report: ReportHead, meta: ReportMeta): Block[] {
  return [
    { type: 'text', text: [{ b: headline(report) }] },
    metaContext(meta, ` · tested in ${duration(report.durationMs)}${historyNote(report)}`),
    ...changeBlocks(report),
    ...maintenanceBlocks(report, meta),
    ...expiryBlocks(report),
    { type: 'divider' },
    columnsContext(report),
  ];
}

function pageMessage(report: PagedReport, meta: ReportMeta, n: number, rows: ReportRow[]): MessageView {
  return {
    text: `Fleet report ${meta.runId}, page ${n} of ${report.pageCount}`,
    blocks: [
      { type: 'context', text: [`Fleet report ${meta.runId} · page ${n} of ${report.pageCount}`] },
      columnsContext(report),
      ...rowBlocks(rows.map((r) => rowLine(r, report.generatedAt))),
    ],
  };
}

function headline(data: ReportHead): string {
  if (data.total === 0) return '📋 Fleet report: no connectors yet';
  const { ok, warn, fail } = data.counts;
  const icon = fail > 0 ? '❌' : warn > 0 ? '⚠️' : '✅';
  const inMaintenance = data.maintenance?.length ?? 0;
  const parts = [
    ...(fail > 0 ? [`${fail} failing`] : []),
    ...(warn > 0 ? [`${warn} with warnings`] : []),
    `${ok} passing`,
    ...(inMaintenance > 0 ? [`${inMaintenance} in maintenance`] : []),
  ];
  return `${icon} Fleet report: ${parts.join(' · ')} (${data.total} connector${data.total === 1 ? '' : 's'})`;
}

function historyNote(data: ReportHead): string {
  return data.history === 'redis'
    ? ` · uptime in ${data.timeZone} days`
    : ' · no history available, uptime unknown';
}

function columnsContext(data: ReportHead): Block {
  return {
    type: 'context',
    text: [
      `connector · Jira round trip · uptime 24 h / 7 d / 30 d (${data.timeZone}) · cause or last failure`,
    ],
  };
}

function changeBlocks(data: ReportHead): Block[] {
  if (data.firstReport) {
    return [
      {
        type: 'context',
        text: ['First report in this channel: from the next one on, it lists what changed since the last.'],
      },
    ];
  }
  const c = data.changes;
  const lines: Inline[][] = [
    namesLine('🆕 New failures', c.newFailures),
    namesLine('✅ Recovered', c.recovered),
    namesLine('↻ Failing for a new cause', c.causeChanged),
    namesLine('➕ Added', c.added),
    namesLine('➖ Removed', c.removed),
    namesLine('⏰ Credential expiry closer', c.expiry),
  ].filter((l) => l.length > 0);
  if (lines.length === 0) return [{ type: 'context', text: ['No changes since the last report.'] }];
  return [{ type: 'text', text: [{ b: 'Since the last report' }, ...lines.flatMap((l) => ['\n', ...l])] }];
}

function namesLine(label: string, names: string[]): Inline[] {
  if (names.length === 0) return [];
  const shown = names.slice(0, REPORT_LIMITS.namesPerLine).join(', ');
  const more =
    names.length > REPORT_LIMITS.namesPerLine ? ` +${names.length - REPORT_LIMITS.namesPerLine} more` : '';
  return [`${label} (${names.length}): ${shown}${more}`];
}

/** Connectors in a maintenance window (not tested), and those a window left deactivated, highlighted. */
function maintenanceBlocks(data: ReportHead, meta: ReportMeta): Block[] {
  const blocks: Block[] = [];
  const inWindow = data.maintenance ?? [];
  if (inWindow.length > 0) {
    const names = inWindow.map((m) => `${m.name} until ${formatLocal(m.until, m.tz)} ${m.tz} (${m.runId})`);
    blocks.push({
      type: 'text',
      text: [{ b: `🛠 In maintenance (${inWindow.length})` }, ` — not tested, not counted: ${listOf(names)}`],
    });
  }
  const deactivated = data.stillDeactivated ?? [];
  if (deactivated.length > 0) {
    const names = deactivated.map(
      (d) => `${d.name} (window ${d.runId} ended ${age(data.generatedAt - d.since)} ago)`,
    );
    blocks.push(
      {
        type: 'text',
        text: [{ b: `⛔ Still deactivated after maintenance (${deactivated.length})` }, `: ${listOf(names)}`],
      },
      {
        type: 'context',
        text: [
          { code: 'ALIGN_CONNECTOR_DEACTIVATED' },
          ` Nothing syncs until someone activates them in Jira Align; then ${command(meta, 'test <name>')} clears the mark.`,
        ],
      },
    );
  }
  return blocks;
}

function listOf(items: string[]): string {
  const shown = items.slice(0, REPORT_LIMITS.namesPerLine).join(', ');
  const more =
    items.length > REPORT_LIMITS.namesPerLine ? ` +${items.length - REPORT_LIMITS.namesPerLine} more` : '';
  return `${shown}${more}`.slice(0, REPORT_LIMITS.blockChars);
}

function expiryBlocks(data: ReportHead): Block[] {
  const rows = data.expiring;
  if (rows.length === 0) return [];
  const tiers: Array<[string, ExpiryTier]> = [
    ['⛔ Expired', 0],
    ['⏰ Within 1 day', 1],
    ['⏰ Within 7 days', 7],
    ['⏰ Within 30 days', 30],
  ];
  const lines = tiers
    .map(([label, tier]) =>
      namesLine(
        label,
        rows.filter((r) => r.tier === tier).map((r) => `${r.name} (${r.on})`),
      ),
    )
    .filter((l) => l.length > 0);
  const anyExpired = rows.some((r) => r.tier === 0);
  return [
    { type: 'text', text: [{ b: 'Credentials' }, ...lines.flatMap((l) => ['\n', ...l])] },
    {
      type: 'context',
      text: [
        { code: anyExpired ? 'TOKEN_EXPIRED' : 'TOKEN_EXPIRING_SOON' },
        ` ${shortHint(anyExpired ? 'TOKEN_EXPIRED' : 'TOKEN_EXPIRING_SOON')}`,
      ],
    },
  ];
}

export function rowLine(row: ReportRow, now: number): Inline[] {
  const [d1, d7, d30] = row.uptime;
  const line: Inline[] = [
    `${ICON[row.status]} `,
    { b: row.name },
    ` · ${row.latencyMs === undefined ? '—' : duration(row.latencyMs)} · ${pct(d1)} / ${pct(d7)} / ${pct(d30)}`,
  ];
  if (row.status !== 'ok' && row.code) {
    line.push(' · ', { code: row.code });
    if (row.failingSince !== undefined && now - row.failingSince >= 60_000) {
      line.push(` since ${age(now - row.failingSince)}`);
    }
  } else if (row.lastFailure) {
    line.push(` · last failed ${age(now - row.lastFailure.at)} ago`);
  }
  if (row.change) line.push(CHANGE_NOTE[row.change]);
  if (row.expiry) {
    line.push(
      row.expiry.tier === 0
        ? ` · ⛔ credential ${expiryPhrase(row.expiry)}`
        : ` · ⏰ credential expires in ${row.expiry.days} d`,
    );
  }
  return line;
}

function rowBlocks(rows: Inline[][]): Block[] {
  const blocks: Block[] = [];
  let current: Inline[] = [];
  let size = 0;
  for (const row of rows) {
    const rowSize = plain(row).length + ROW_OVERHEAD;
    if (current.length > 0 && size + rowSize > REPORT_LIMITS.blockChars) {
      blocks.push({ type: 'text', text: current });
      current = [];
      size = 0;
    }
    if (current.length > 0) current.push('\n');
    current.push(...row);
    size += rowSize + 1;
  }
  if (current.length > 0) blocks.push({ type: 'text', text: current });
  return blocks;
}

function failureReplies(report: ReportHead, meta: ReportMeta): ReplyView[] {
  const withCode = report.failing;
  const replies: ReplyView[] = withCode.slice(0, REPORT_LIMITS.failureReplies).map((row) => ({
    key: `fail:${row.name}`,
    message: failureMessage({
      id: row.name,
      title: `${row.name}: ${row.check ?? 'test'}`,
      status: 'fail',
      code: row.code!,
      ...(row.detail ? { detail: row.detail } : {}),
    }),
  }));
  const rest = withCode.slice(REPORT_LIMITS.failureReplies);
  const restCount = report.failingWithCode - REPORT_LIMITS.failureReplies;
  if (restCount > 0) {
    const lines = rest.slice(0, 60).map((r) => `${r.name} (${r.code} — ${diagnosis(r.code!).title})`);
    const more = restCount > 60 ? `\n…and ${restCount - 60} more.` : '';
    replies.push({
      key: 'fail:more',
      message: {
        text: `${restCount} more failing connectors`,
        blocks: [
          { type: 'text', text: [{ b: `${restCount} more failing connectors` }] },
          { type: 'text', text: [`${lines.join('\n')}${more}`.slice(0, REPORT_LIMITS.blockChars)] },
          {
            type: 'context',
            text: [`${command(meta, 'test <name>')} shows the full diagnosis and fix for one of them.`],
          },
        ],
      },
    });
  }
  return replies;
}

function blocksSize(blocks: Block[]): number {
  return blocks.reduce(
    (n, b) => n + ('text' in b && Array.isArray(b.text) ? plain(b.text).length + 10 : 10),
    0,
  );
}

export function pct(ratio: number | null): string {
  if (ratio === null) return '—';
  if (ratio >= 1) return '100%';
  if (ratio <= 0) return '0%';
  return `${(Math.floor(ratio * 1000) / 10).toFixed(1)}%`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function age(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 1) return '<1 min';
  if (m < 90) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} d`;
}
