/**
 * The fleet report as data: one row per connector (status, latency, last failure, uptime, expiry) and what
 * changed since the channel's previous report. Every renderer (Slack, Teams, the CLI) draws this. Pure: no I/O.
 */
import type { DiagnosisCode } from './diagnosis.js';
import type { MaintenanceNote } from './maintenance.js';
import type { CheckResult } from './runbooks/checks/run-checks.js';
import { localDay, type Sample, type SampleStatus, uptimeWindows } from './uptime.js';

export type ConnectorStatus = SampleStatus;

/** One connector's test, reduced to what a report and its history keep. */
export interface ConnectorResult {
  name: string;
  host: string;
  status: ConnectorStatus;
  /** The first failing (else warning) check's code, title and detail. */
  code?: DiagnosisCode;
  check?: string;
  detail?: string;
  /** One round trip to Jira (the "Jira answers" check), when it ran. */
  latencyMs?: number;
  /** The whole test. */
  ms: number;
  at: number;
}

export interface HistorySample extends Sample {
  code?: string;
  ms?: number;
}

export type ExpiryTier = 30 | 7 | 1 | 0;

export interface ExpiryWarning {
  code: Extract<DiagnosisCode, 'TOKEN_EXPIRING_SOON' | 'TOKEN_EXPIRED'>;
  /** 30, 7 or 1: expires within that many days; 0: expired. */
  tier: ExpiryTier;
  /** Calendar days from today to the expiry date in the report's zone: 1 tomorrow, 0 today, -1 yesterday. */
  days: number;
  on: string;
}

export type ChangeKind = 'new-failure' | 'recovered' | 'cause-changed' | 'added' | 'expiry';

export interface ReportRow {
  name: string;
  host: string;
  status: ConnectorStatus;
  code?: DiagnosisCode;
  check?: string;
  detail?: string;
  latencyMs?: number;
  /** Uptime ratio over 24 h, 7 d and 30 d; null where nothing is known. */
  uptime: [number | null, number | null, number | null];
  /** Failing now: since when. Otherwise: the last recorded failure. */
  failingSince?: number;
  lastFailure?: { at: number; code?: string };
  change?: ChangeKind;
  expiry?: ExpiryWarning;
}

export interface ReportChanges {
  newFailures: string[];
  recovered: string[];
  causeChanged: string[];
  added: string[];
  removed: string[];
  expiry: string[];
}

/** A connector in a maintenance window: not tested, not counted, its previous snapshot entry carried over. */
export interface MaintenanceRow {
  name: string;
  runId: string;
  until: number;
  tz: string;
  previous?: ReportSnapshot['connectors'][string];
}

/** A connector whose last maintenance window ended without a confirmed Activate. */
export interface DeactivatedRow {
  name: string;
  runId: string;
  since: number;
  tz: string;
}

export interface ReportData {
  generatedAt: number;
  timeZone: string;
  durationMs: number;
  total: number;
  counts: Record<ConnectorStatus, number>;
  rows: ReportRow[];
  changes: ReportChanges;
  /** Anything to tell a channel that asked for changes only (always true for its first report). */
  changed: boolean;
  firstReport: boolean;
  /** Where uptime and changes came from. */
  history: 'redis' | 'none';
  /** Connectors in a maintenance window (counted in `total`, not in `counts`), and those left deactivated. */
  maintenance?: MaintenanceRow[];
  stillDeactivated?: DeactivatedRow[];
}

/** What the next report compares with: per connector, its status, cause and expiry tier. */
export interface ReportSnapshot {
  runId?: string;
  at: number;
  connectors: Record<string, { s: ConnectorStatus; c?: string; x?: ExpiryTier }>;
}

export interface ReportInput {
  now: number;
  timeZone: string;
  durationMs: number;
  connectors: Array<{ tokenExpiresAt?: string; result: ConnectorResult }>;
  /** Per connector, from its history including this report's result. Absent: no history available. */
  history?: Map<string, HistorySummary>;
  lastFailures?: Map<string, { at: number; code?: string }>;
  previous?: ReportSnapshot;
  /** Maintenance notes by connector: those in a window are listed instead of tested; those left deactivated fail. */
  maintenance?: Map<string, MaintenanceNote>;
}

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function connectorResult(
  name: string,
  host: string,
  checks: CheckResult[],
  at: number,
  ms: number,
): ConnectorResult {
  const failed = checks.find((c) => c.status === 'fail');
  const warned = checks.find((c) => c.status === 'warn');
  const first = failed ?? warned;
  const reach = checks.find((c) => c.id === 'reach' && c.status === 'pass');
  return {
    name,
    host,
    status: failed ? 'fail' : warned ? 'warn' : 'ok',
    ...(first?.code ? { code: first.code } : {}),
    ...(first ? { check: first.title } : {}),
    ...(first?.detail ? { detail: first.detail } : {}),
    ...(reach ? { latencyMs: reach.ms } : {}),
    ms,
    at,
  };
}

/**
 * TOKEN_EXPIRING_SOON within 30, 7 or 1 days; TOKEN_EXPIRED once past. Days are calendar days in `timeZone`, as a
 * person there counts them: a date alone is that calendar day in the zone (the credential is expired from its
 * start), so a credential dated yesterday "expired yesterday" at any hour of today, across DST changes too.
 */
export function expiryOf(
  expiresAt: string | undefined,
  now: number,
  timeZone = 'UTC',
): ExpiryWarning | undefined {
  if (!expiresAt) return undefined;
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return undefined;
  const dateOnly = DATE_ONLY.test(expiresAt);
  const day = dateOnly ? at / DAY_MS : localDay(at, timeZone);
  const days = day - localDay(now, timeZone);
  const on = dateOnly ? expiresAt : new Date(day * DAY_MS).toISOString().slice(0, 10);
  if (dateOnly ? days <= 0 : at <= now) return { code: 'TOKEN_EXPIRED', tier: 0, days, on };
  const tier: ExpiryTier | undefined = days <= 1 ? 1 : days <= 7 ? 7 : days <= 30 ? 30 : undefined;
  return tier === undefined ? undefined : { code: 'TOKEN_EXPIRING_SOON', tier, days, on };
}

/** A calendar-day offset from today as a person says it: "today", "yesterday", "3 days ago", "in 5 days". */
export function relativeDay(days: number): string {
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${days} days` : `${-days} days ago`;
}

/** "expired yesterday", "expires in 5 days": in calendar days, as `expiryOf` counts them. */
export function expiryPhrase(expiry: ExpiryWarning): string {
  return `${expiry.tier === 0 ? 'expired' : 'expires'} ${relativeDay(expiry.days)}`;
}

/** The test run's expiry check: its title, and the detail the test run and the report both give. */
export const EXPIRY_CHECK_TITLE = 'Credential not expiring';

export function expiryDetail(expiry: ExpiryWarning): string {
  const verb = expiry.tier === 0 ? 'expired' : 'expires';
  return `The credential ${verb} on ${expiry.on} (${relativeDay(expiry.days)}).`;
}

/**
 * What a connector's status reads once its credential's expiry is known: an expired credential never reads as
 * healthy. It fails with TOKEN_EXPIRED, as the test run's expiry check does, even while Jira still accepts it
 * (Jira may refuse it at any moment); a failure of its own keeps its cause.
 */
export function withExpiry<T extends { status: ConnectorStatus; code?: string }>(
  sample: T,
  expiry: ExpiryWarning | undefined,
): T {
  if (expiry?.tier !== 0 || sample.status === 'fail') return sample;
  return { ...sample, status: 'fail', code: 'TOKEN_EXPIRED' } as T;
}

/** How urgent a tier is: none < 30 d < 7 d < 1 d < expired. */
export function expiryRank(tier: ExpiryTier | undefined): number {
  return tier === undefined ? 0 : tier === 0 ? 4 : tier === 1 ? 3 : tier === 7 ? 2 : 1;
}

/** The check a still-deactivated connector fails in the report: no verdict of Jira's can say it is active. */
export const DEACTIVATED_CHECK_TITLE = 'Connector active after maintenance';

/**
 * A connector left deactivated by its last maintenance window fails with ALIGN_CONNECTOR_DEACTIVATED, even while
 * Jira answers: nothing syncs. A failure of its own keeps its cause (the highlight lists it anyway).
 */
export function withDeactivated(row: ReportRow, deactivated: DeactivatedRow | undefined): ReportRow {
  if (!deactivated || row.status === 'fail') return row;
  return {
    ...row,
    status: 'fail',
    code: 'ALIGN_CONNECTOR_DEACTIVATED',
    check: DEACTIVATED_CHECK_TITLE,
    detail: `Its maintenance window ${deactivated.runId} ended without a confirmed Activate.`,
    failingSince: deactivated.since,
  };
}

/** One connector's row: its result, its credential's expiry, its history summary and last failure. */
export function rowOf(
  result: ConnectorResult,
  expiry: ExpiryWarning | undefined,
  summary: HistorySummary | undefined,
  lastFailure: { at: number; code?: string } | undefined,
): ReportRow {
  const uptime = summary?.uptime ?? [null, null, null];
  const shown = withExpiry(result, expiry);
  const expired = shown !== result;
  const row: ReportRow = {
    name: result.name,
    host: result.host,
    status: shown.status,
    ...(shown.code ? { code: shown.code } : {}),
    ...(expired ? { check: EXPIRY_CHECK_TITLE } : result.check ? { check: result.check } : {}),
    ...(expired ? { detail: expiryDetail(expiry!) } : result.detail ? { detail: result.detail } : {}),
    ...(result.latencyMs !== undefined ? { latencyMs: result.latencyMs } : {}),
    uptime,
    ...(expiry ? { expiry } : {}),
  };
  if (row.status === 'fail') row.failingSince = summary?.failingSince ?? result.at;
  else if (lastFailure) row.lastFailure = lastFailure;
  return row;
}

/** What a report needs from one connector's history: uptime per window and since when it fails. */
export interface HistorySummary {
  uptime: ReportRow['uptime'];
  failingSince?: number;
}

/** Samples oldest first, including the result being reported. */
export function summarizeHistory(samples: HistorySample[], now: number, timeZone: string): HistorySummary {
  const uptime = uptimeWindows(samples, now, timeZone).map((w) => w.ratio ?? null) as ReportRow['uptime'];
  let failingSince: number | undefined;
  for (let i = samples.length - 1; i >= 0 && samples[i]!.status === 'fail'; i -= 1)
    failingSince = samples[i]!.at;
  return { uptime, ...(failingSince !== undefined ? { failingSince } : {}) };
}

export function snapshotOf(data: ReportData, runId?: string): ReportSnapshot {
  const connectors: ReportSnapshot['connectors'] = {};
  // A connector in maintenance was not tested: the next report compares with what was known before the window.
  for (const m of data.maintenance ?? []) if (m.previous) connectors[m.name] = m.previous;
  for (const row of data.rows) {
    connectors[row.name] = {
      s: row.status,
      ...(row.code ? { c: row.code } : {}),
      ...(row.expiry ? { x: row.expiry.tier } : {}),
    };
  }
  return { ...(runId ? { runId } : {}), at: data.generatedAt, connectors };
}
