/**
 * A fleet report built one row at a time: each connector's row is made, counted and compared with the previous
 * snapshot as it comes, and handed back to be stored; the tally keeps only what the report's head needs (counts,
 * the names in each change list, the snapshot for the next report, the few rows the failure replies and the
 * credentials section show). A report run streams its rows through it batch by batch, so what it holds follows the
 * batch, not the fleet; `buildReport` runs every row through the same tally. Pure: no I/O.
 */
import type { MaintenanceNote } from './maintenance.js';
import {
  type ConnectorResult,
  type ConnectorStatus,
  type DeactivatedRow,
  type ExpiryTier,
  expiryOf,
  expiryRank,
  type HistorySummary,
  type MaintenanceRow,
  type ReportChanges,
  type ReportData,
  type ReportInput,
  type ReportRow,
  type ReportSnapshot,
  rowOf,
  withDeactivated,
} from './report.js';

export const STATUS_ORDER: Record<ConnectorStatus, number> = { fail: 0, warn: 1, ok: 2 };
/** Failing rows kept for the thread: one reply each for the first 50, a list of the next 60. */
export const FAILING_KEPT = 110;

export interface TallyInput {
  now: number;
  timeZone: string;
  previous?: ReportSnapshot;
  maintenance?: Map<string, MaintenanceNote>;
  /** Whether uptime comes from a history (else "no history available"). */
  history: boolean;
}

/** A connector with a credential expiry warning, as the credentials section lists it. */
export interface ExpiringEntry {
  name: string;
  status: ConnectorStatus;
  tier: ExpiryTier;
  on: string;
}

/** A report without its table: the run record keeps this; the table is stored and drawn page by page. */
export interface ReportHead extends Omit<ReportData, 'rows'> {
  /** Failing rows with a cause, in table order: the first FAILING_KEPT, and how many there are. */
  failing: ReportRow[];
  failingWithCode: number;
  expiring: ExpiringEntry[];
}

export function compareRows(a: { status: ConnectorStatus; name: string }, b: typeof a): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || compareNames(a.name, b.name);
}

export function compareNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export class ReportTally {
  readonly counts: Record<ConnectorStatus, number> = { ok: 0, warn: 0, fail: 0 };
  readonly changes: ReportChanges = {
    newFailures: [],
    recovered: [],
    causeChanged: [],
    added: [],
    removed: [],
    expiry: [],
  };
  readonly snapshot: ReportSnapshot['connectors'] = {};
  private readonly failing: ReportRow[] = [];
  private failingWithCode = 0;
  private readonly expiring: ExpiringEntry[] = [];
  private readonly inWindow = new Map<string, Extract<MaintenanceNote, { kind: 'in-maintenance' }>>();
  private readonly deactivated = new Map<string, DeactivatedRow>();
  private readonly deactivatedSeen: DeactivatedRow[] = [];

  constructor(private readonly input: TallyInput) {
    for (const [name, note] of input.maintenance ?? []) {
      if (note.kind === 'in-maintenance') this.inWindow.set(name, note);
      if (note.kind === 'still-deactivated')
        this.deactivated.set(name, { name, runId: note.runId, since: note.since, tz: note.tz });
    }
  }

  /** One connector's row, counted and compared; the caller stores it. */
  row(
    entry: { tokenExpiresAt?: string; result: ConnectorResult },
    summary: HistorySummary | undefined,
    lastFailure: { at: number; code?: string } | undefined,
  ): ReportRow {
    const { now, timeZone, previous } = this.input;
    const name = entry.result.name;
    const deactivated = this.deactivated.get(name);
    const row = withDeactivated(
      rowOf(entry.result, expiryOf(entry.tokenExpiresAt, now, timeZone), summary, lastFailure),
      deactivated,
    );
    if (deactivated) this.deactivatedSeen.push(deactivated);
    const change = previous ? changeOf(row, previous) : undefined;
    if (change) {
      row.change = change.kind;
      for (const list of change.lists) this.changes[list].push(name);
    }
    this.counts[row.status] += 1;
    this.snapshot[name] = {
      s: row.status,
      ...(row.code ? { c: row.code } : {}),
      ...(row.expiry ? { x: row.expiry.tier } : {}),
    };
    if (row.status === 'fail' && row.code) {
      this.failingWithCode += 1;
      if (this.failing.length < FAILING_KEPT) this.failing.push(row);
    }
    if (row.expiry)
      this.expiring.push({ name, status: row.status, tier: row.expiry.tier, on: row.expiry.on });
    return row;
  }

  /** The report's head once every row was made (rows are counted, not kept). */
  head(durationMs: number): ReportHead {
    const { now, previous } = this.input;
    const maintenance = [...this.inWindow]
      .map(([name, note]) => maintenanceRow(name, note, previous))
      .sort((a, b) => compareNames(a.name, b.name));
    if (previous) {
      const names = new Set(maintenance.map((m) => m.name));
      this.changes.removed = Object.keys(previous.connectors)
        .filter((n) => !(n in this.snapshot) && !names.has(n))
        .sort();
    }
    const anyChange = Object.values(this.changes).some((list) => list.length > 0);
    const stillDeactivated = [...this.deactivatedSeen].sort((a, b) => compareNames(a.name, b.name));
    const rows = this.counts.ok + this.counts.warn + this.counts.fail;
    return {
      generatedAt: now,
      timeZone: this.input.timeZone,
      durationMs,
      total: rows + maintenance.length,
      counts: { ...this.counts },
      changes: this.changes,
      changed: !previous || anyChange || stillDeactivated.length > 0,
      firstReport: !previous,
      history: this.input.history ? 'redis' : 'none',
      ...(maintenance.length > 0 ? { maintenance } : {}),
      ...(stillDeactivated.length > 0 ? { stillDeactivated } : {}),
      failing: [...this.failing].sort(compareRows),
      failingWithCode: this.failingWithCode,
      expiring: [...this.expiring].sort(compareRows),
    };
  }

  /** The snapshot the next report compares with; a connector in maintenance keeps what was known before. */
  nextSnapshot(runId?: string): ReportSnapshot {
    const connectors: ReportSnapshot['connectors'] = {};
    for (const [name] of this.inWindow) {
      const before = this.input.previous?.connectors[name];
      if (before) connectors[name] = before;
    }
    Object.assign(connectors, this.snapshot);
    return { ...(runId ? { runId } : {}), at: this.input.now, connectors };
  }
}

/** The whole report at once, rows sorted failing first (the CLI, and tests). */
export function buildReport(input: ReportInput): ReportData {
  const tally = new ReportTally({
    now: input.now,
    timeZone: input.timeZone,
    history: input.history !== undefined,
    ...(input.previous ? { previous: input.previous } : {}),
    ...(input.maintenance ? { maintenance: input.maintenance } : {}),
  });
  const rows = input.connectors
    .map((entry) =>
      tally.row(entry, input.history?.get(entry.result.name), input.lastFailures?.get(entry.result.name)),
    )
    .sort(compareRows);
  const { failing: _f, failingWithCode: _c, expiring: _e, ...head } = tally.head(input.durationMs);
  return { ...head, rows };
}

function maintenanceRow(
  name: string,
  note: Extract<MaintenanceNote, { kind: 'in-maintenance' }>,
  previous: ReportSnapshot | undefined,
): MaintenanceRow {
  const before = previous?.connectors[name];
  return { name, runId: note.runId, until: note.until, tz: note.tz, ...(before ? { previous: before } : {}) };
}

type ChangeKind = NonNullable<ReportRow['change']>;

function changeOf(
  row: ReportRow,
  previous: ReportSnapshot,
): { kind: ChangeKind; lists: Array<keyof ReportChanges> } | undefined {
  const before = previous.connectors[row.name];
  const lists: Array<keyof ReportChanges> = [];
  let kind: ChangeKind | undefined;
  if (!before) {
    lists.push('added');
    kind = 'added';
    if (row.status === 'fail') {
      lists.push('newFailures');
      kind = 'new-failure';
    }
  } else if (row.status === 'fail' && before.s !== 'fail') {
    lists.push('newFailures');
    kind = 'new-failure';
  } else if (row.status !== 'fail' && before.s === 'fail') {
    lists.push('recovered');
    kind = 'recovered';
  } else if (row.status === 'fail' && (before.c ?? '') !== (row.code ?? '')) {
    lists.push('causeChanged');
    kind = 'cause-changed';
  }
  if (expiryRank(row.expiry?.tier) > expiryRank(before?.x)) {
    lists.push('expiry');
    kind ??= 'expiry';
  }
  return kind ? { kind, lists } : undefined;
}
