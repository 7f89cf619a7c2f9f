/**
 * Maintenance windows as data (issue 13): a planned Jira downtime for one connector, run as a `maintenance` Run.
 * The window is the run: its planned times are the run's params, `align-bot maintenance start|end` moves them
 * through a signal, and everything else — which phase it is in, whether the connector counts as "in maintenance"
 * for tests and reports, whether it ended still deactivated — is read from the run's steps. Pure: no I/O.
 */

import { formatLocal, formatUtc, spanText } from './maintenance-time.js';
import { isTerminal, type Run } from './run.js';

/** When Align Bot asks, reminds, escalates and gives up; snapshotted into each run when it is scheduled. */
export interface MaintenanceSettings {
  /** The Deactivate prompt comes this long before the window. */
  leadMs: number;
  /** An open Deactivate or Activate prompt is repeated this often. */
  remindMs: number;
  /** Nobody activated this long after the prompt: the admins are mentioned. */
  escalateMs: number;
  /** After the window: how long Align Bot waits for Jira to answer, and then for Activate, before it gives up. */
  giveUpMs: number;
}

export const MAINTENANCE_DEFAULTS: MaintenanceSettings = {
  leadMs: 15 * 60_000,
  remindMs: 10 * 60_000,
  escalateMs: 60 * 60_000,
  giveUpMs: 4 * 3600_000,
};

export const WINDOW_LIMITS = {
  /** A longer outage is not maintenance; split it or plan it with Atlassian. */
  maxLengthMs: 72 * 3600_000,
  /** Runs and their messages are kept 30 days: a window further ahead would outlive its own announcement. */
  maxAheadMs: 28 * 86_400_000,
  /** Windows of one connector kept open at once. */
  openPerConnector: 10,
} as const;

/** What `/align maintenance <name> --from … --until …` stores in the run. */
export interface MaintenanceParams {
  name: string;
  from: number;
  until: number;
  tz: string;
  settings: MaintenanceSettings;
  /** Said once when the window was scheduled (an ambiguous local time, a DST change inside the window). */
  notes?: string[];
}

/** `align-bot maintenance start|end`: when the pipeline said so, and as whom. */
export interface MaintenanceSignal {
  start?: { at: number; by: string };
  end?: { at: number; by: string };
}

/** The window as it stands now: planned, then moved by the signals. */
export interface WindowTimes {
  /** When the Deactivate prompt is (or was) posted. */
  promptAt: number;
  from: number;
  until: number;
  tz: string;
  /** The window was started or ended from the CLI. */
  startedBy?: string;
  endedBy?: string;
}

export function paramsOf(run: Run): MaintenanceParams {
  return run.params as unknown as MaintenanceParams;
}

/**
 * The effective window. A start signal brings the Deactivate prompt forward and begins the window once the
 * connector is deactivated (a pipeline waits for that, not for the clock); an end signal ends it then. A window
 * ended before it began is empty: the runbook goes straight to bringing the connector back.
 */
export function windowTimes(
  params: MaintenanceParams,
  signal: MaintenanceSignal | undefined,
  deactivatedAt: number | undefined,
): WindowTimes {
  const start = signal?.start?.at;
  const end = signal?.end?.at;
  const until = Math.min(params.until, end ?? Number.POSITIVE_INFINITY);
  const startedEarly =
    start !== undefined && deactivatedAt !== undefined ? Math.max(start, deactivatedAt) : Infinity;
  const from = Math.min(params.from, startedEarly, until);
  const promptAt = Math.min(params.from - params.settings.leadMs, start ?? Infinity, from);
  return {
    promptAt,
    from,
    until,
    tz: params.tz,
    ...(signal?.start ? { startedBy: signal.start.by } : {}),
    ...(signal?.end ? { endedBy: signal.end.by } : {}),
  };
}

/** The window as the run last saw it (the executor keeps it in facts), else as planned. */
export function savedWindow(run: Run): WindowTimes {
  const saved = run.facts.window as WindowTimes | undefined;
  return saved ?? windowTimes(paramsOf(run), undefined, undefined);
}

export const MAINTENANCE_STEP_IDS = ['deactivate', 'window', 'jira-back', 'activate', 'verify'] as const;
export type MaintenanceStepId = (typeof MAINTENANCE_STEP_IDS)[number];

export type Phase =
  | 'scheduled'
  | 'deactivate'
  | 'deactivated'
  | 'in-window'
  | 'recovering'
  | 'activate'
  | 'verifying'
  | 'verified'
  | 'still-deactivated'
  | 'cancelled'
  | 'failed';

/** Where a maintenance run stands, from its steps and outcome alone. */
export function phaseOf(run: Run): Phase {
  const status = (id: MaintenanceStepId) => run.steps.find((s) => s.id === id)?.status ?? 'pending';
  const begun =
    status('deactivate') === 'pass' || status('window') === 'running' || status('window') === 'pass';
  const done = (s: string) => s === 'pass' || s === 'warn';
  if (isTerminal(run.state)) {
    if (run.outcome?.reason === 'passed') return 'verified';
    if (status('activate') === 'pass') return 'failed';
    if (begun || run.facts.deactivatedAt !== undefined) return 'still-deactivated';
    return run.outcome?.reason === 'cancelled' ? 'cancelled' : 'failed';
  }
  if (status('deactivate') === 'pending') return 'scheduled';
  if (!done(status('deactivate'))) return 'deactivate';
  if (status('window') === 'pending') return 'deactivated';
  if (status('window') !== 'pass') return 'in-window';
  if (!done(status('jira-back'))) return 'recovering';
  if (!done(status('activate'))) return 'activate';
  return 'verifying';
}

const IN_MAINTENANCE: readonly Phase[] = ['deactivated', 'in-window', 'recovering', 'activate', 'verifying'];

/**
 * Whether tests and reports treat the connector as in maintenance at `now`: from the moment it was deactivated,
 * or the window began, until the run brings it back — including the wait for Jira and for Activate after it.
 */
export function inMaintenance(run: Run, window: WindowTimes, now: number): boolean {
  if (isTerminal(run.state)) return false;
  const phase = phaseOf(run);
  return IN_MAINTENANCE.includes(phase) || (phase === 'deactivate' && now >= window.from);
}

/** A window's run and the signal the CLI left for it, as the store reads them. */
export interface WindowRecord {
  run: Run;
  signal?: MaintenanceSignal;
}

export function effectiveWindow(record: WindowRecord): WindowTimes {
  return windowTimes(
    paramsOf(record.run),
    record.signal,
    record.run.facts.deactivatedAt as number | undefined,
  );
}

/** What tests, reports and `status` say about one connector's maintenance. */
export type MaintenanceNote =
  | { kind: 'in-maintenance'; runId: string; from: number; until: number; tz: string; phase: Phase }
  | { kind: 'still-deactivated'; runId: string; since: number; tz: string }
  | { kind: 'scheduled'; runId: string; from: number; until: number; tz: string };

/**
 * Per connector, the note that matters most at `now`: a window in progress, else a window that ended with the
 * connector still deactivated (its latest window only: a later one supersedes it), else the next scheduled one.
 * `clearedAfter` says whether a passing test of the connector came after a given time (the admin activated it and
 * checked): that clears the still-deactivated mark.
 */
export function notesAt(
  records: WindowRecord[],
  now: number,
  clearedAfter: (connector: string, since: number) => boolean = () => false,
): Map<string, MaintenanceNote> {
  const byConnector = new Map<string, WindowRecord[]>();
  for (const r of records) byConnector.set(r.run.connector, [...(byConnector.get(r.run.connector) ?? []), r]);
  const out = new Map<string, MaintenanceNote>();
  for (const [connector, list] of byConnector) {
    const note = noteOf(list, now, (since) => clearedAfter(connector, since));
    if (note) out.set(connector, note);
  }
  return out;
}

function noteOf(
  list: WindowRecord[],
  now: number,
  cleared: (since: number) => boolean,
): MaintenanceNote | undefined {
  const timed = list.map((r) => ({ r, w: effectiveWindow(r) })).sort((a, b) => a.w.from - b.w.from);
  const active = timed.find(({ r, w }) => inMaintenance(r.run, w, now));
  if (active) {
    const { r, w } = active;
    return {
      kind: 'in-maintenance',
      runId: r.run.id,
      from: w.from,
      until: w.until,
      tz: w.tz,
      phase: phaseOf(r.run),
    };
  }
  const ended = timed.filter(({ r }) => isTerminal(r.run.state) && phaseOf(r.run) !== 'cancelled');
  const latest = ended.sort((a, b) => (a.r.run.endedAt ?? 0) - (b.r.run.endedAt ?? 0)).at(-1);
  if (latest && phaseOf(latest.r.run) === 'still-deactivated') {
    const since = latest.r.run.endedAt ?? latest.w.until;
    if (!cleared(since)) return { kind: 'still-deactivated', runId: latest.r.run.id, since, tz: latest.w.tz };
  }
  const next = timed.find(({ r }) => !isTerminal(r.run.state));
  if (next)
    return { kind: 'scheduled', runId: next.r.run.id, from: next.w.from, until: next.w.until, tz: next.w.tz };
  return undefined;
}

/** Open (not ended) windows of a connector that overlap [from, until). */
export function overlapping(
  records: WindowRecord[],
  connector: string,
  from: number,
  until: number,
): WindowRecord[] {
  return records.filter((r) => {
    if (r.run.connector !== connector || isTerminal(r.run.state)) return false;
    const w = effectiveWindow(r);
    return w.from < until && from < w.until;
  });
}

/** Why a new window cannot be scheduled, or undefined: in the past, empty or reversed, too long, too far ahead. */
export function windowProblem(from: number, until: number, now: number): string | undefined {
  if (until <= from)
    return until === from
      ? 'The window is empty: --until must be after --from.'
      : `The window ends before it begins (--until ${formatUtc(until)} is before --from ${formatUtc(from)}).`;
  if (from <= now)
    return `The window begins in the past (${formatUtc(from, now)}; it is now ${formatUtc(now)}). Give a --from in the future.`;
  if (until - from > WINDOW_LIMITS.maxLengthMs)
    return `The window is ${inHours(until - from)} long; a maintenance window is at most ${inHours(WINDOW_LIMITS.maxLengthMs)}. Split it into shorter windows.`;
  if (from - now > WINDOW_LIMITS.maxAheadMs)
    return `The window begins more than ${spanText(WINDOW_LIMITS.maxAheadMs)} from now; schedule it closer to the date (Align Bot keeps a run and its messages for 30 days).`;
  return undefined;
}

function inHours(ms: number): string {
  const hours = ms / 3600_000;
  return `${Number.isInteger(hours) ? hours : hours.toFixed(1)} h`;
}

/** "Sat 5 Dec 2026 22:00 (UTC+01:00) → Sun 6 Dec 2026 02:00 (UTC+01:00), Europe/Berlin (4 h)". */
export function windowText(w: Pick<WindowTimes, 'from' | 'until' | 'tz'>): string {
  return `${formatLocal(w.from, w.tz)} → ${formatLocal(w.until, w.tz)}, ${w.tz} (${spanText(w.until - w.from)})`;
}

/** Jira's health after the window is retried after 1, 2, 4, 8, then every 15 minutes. */
export function probeBackoffMs(tries: number): number {
  return Math.min(2 ** Math.max(0, tries - 1), 15) * 60_000;
}

/**
 * When an open prompt is repeated: every `every` from `since` until `end`, at most `max` times; from `slowFrom`
 * on (after an escalation), every `slowEvery` instead.
 */
export function reminderTimes(
  since: number,
  end: number,
  every: number,
  slow?: { from: number; every: number },
  max = 12,
): number[] {
  const out: number[] = [];
  let at = since + every;
  while (at < end && out.length < max) {
    if (slow && at >= slow.from) break;
    out.push(at);
    at += every;
  }
  if (slow) {
    for (let t = slow.from + slow.every; t < end && out.length < max; t += slow.every) out.push(t);
  }
  return out;
}
