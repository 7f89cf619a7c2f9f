/**
 * Uptime from a connector's history of results. Pure arithmetic, no I/O.
 *
 * - Windows are local calendar days in the report's time zone: "7 d" ends now and starts at the same wall-clock
 *   time seven days earlier, so a daily 09:00 report always covers the same seven 09:00 results, also across a
 *   daylight-saving change (that window is then 167 h or 169 h long).
 * - Each result stands for the time closest to it: the span between two results is split at its midpoint, and a
 *   result reaches at most `reachMs` to either side. Time farther than that from any result is a gap: it counts
 *   neither up nor down, and `coverage` says how much of the window is known. A burst of manual runs therefore
 *   weighs little, and a worker that was down for days shows as missing data, not as uptime.
 * - `warn` counts as up (the connector syncs); only `fail` counts as down.
 */

export type SampleStatus = 'ok' | 'warn' | 'fail';

export interface Sample {
  at: number;
  status: SampleStatus;
}

export interface Window {
  start: number;
  end: number;
}

export interface Uptime {
  /** Up time ÷ known time; undefined when nothing in the window is known. */
  ratio?: number;
  /** Known time ÷ window length. */
  coverage: number;
  upMs: number;
  knownMs: number;
  windowMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Samples must be sorted by time (oldest first). */
export function uptime(samples: readonly Sample[], window: Window, reachMs: number): Uptime {
  const windowMs = Math.max(0, window.end - window.start);
  let upMs = 0;
  let knownMs = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const s = samples[i]!;
    const prev = samples[i - 1];
    const next = samples[i + 1];
    const from = s.at - (prev ? Math.min((s.at - prev.at) / 2, reachMs) : reachMs);
    const to = s.at + (next ? Math.min((next.at - s.at) / 2, reachMs) : reachMs);
    const overlap = Math.max(0, Math.min(to, window.end) - Math.max(from, window.start));
    knownMs += overlap;
    if (s.status !== 'fail') upMs += overlap;
  }
  return {
    ...(knownMs > 0 ? { ratio: upMs / knownMs } : {}),
    coverage: windowMs > 0 ? knownMs / windowMs : 0,
    upMs,
    knownMs,
    windowMs,
  };
}

/**
 * How far one result reaches: three quarters of the usual spacing (the median), so a daily schedule's 23 h and
 * 25 h days around a daylight-saving change still touch, while a missed run leaves a gap.
 */
export function defaultReachMs(samples: readonly Sample[], fallbackMs = 12 * HOUR_MS): number {
  if (samples.length < 2) return fallbackMs;
  const gaps: number[] = [];
  for (let i = 1; i < samples.length; i += 1) gaps.push(samples[i]!.at - samples[i - 1]!.at);
  gaps.sort((a, b) => a - b);
  const mid = Math.floor(gaps.length / 2);
  const median = gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
  return Math.max(MINUTE_MS / 2, median * 0.75);
}

/** The window ending at `end` that starts at the same local wall-clock time `days` calendar days earlier. */
export function daysWindow(end: number, days: number, timeZone = 'UTC'): Window {
  const p = localParts(end, timeZone);
  const localStart = Date.UTC(p.year, p.month - 1, p.day - days, p.hour, p.minute, p.second, end % 1000);
  return { start: zonedToEpoch(localStart, timeZone), end };
}

/** Uptime over the report's three windows: 24 h, 7 d and 30 d (local days). */
export const UPTIME_DAYS = [1, 7, 30] as const;

export function uptimeWindows(samples: readonly Sample[], end: number, timeZone = 'UTC', reachMs?: number) {
  const reach = reachMs ?? defaultReachMs(samples);
  return UPTIME_DAYS.map((days) => uptime(samples, daysWindow(end, days, timeZone), reach));
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

export function localParts(epochMs: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const part of format(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour!,
    minute: out.minute!,
    second: out.second!,
  };
}

/**
 * The calendar date `epochMs` falls on in `timeZone`, as a day number (days since 1970-01-01). Subtracting two
 * of them counts calendar days as a person in that zone would, also across a daylight-saving change.
 */
export function localDay(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day) / DAY_MS;
}

/** Local time minus UTC at `epochMs`, in ms (e.g. +1 h for Berlin in winter). */
function offsetMs(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

/**
 * A local wall-clock time (given as if it were UTC) → epoch ms in `timeZone`. Two passes settle the offset; a
 * time skipped by a spring-forward change lands just after the change.
 */
export function zonedToEpoch(localAsUtc: number, timeZone: string): number {
  const first = localAsUtc - offsetMs(localAsUtc, timeZone);
  return localAsUtc - offsetMs(first, timeZone);
}
