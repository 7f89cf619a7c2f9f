/**
 * The times of a maintenance window as people type and read them: ISO 8601 local times read in an IANA zone
 * (`2026-12-05T22:00` with `--tz Europe/Berlin`), or with an explicit offset (`2026-12-05T22:00+01:00`, `…Z`).
 * Daylight-saving changes are handled as the reports handle them (core/uptime.ts), with two refusals a scheduled
 * upgrade deserves: a local time the clocks skip does not exist, and one that happens twice is read as the first
 * and said so. Pure: no I/O.
 */
import { localParts } from './uptime.js';

export type TimeParse = { ok: true; at: number; note?: string } | { ok: false; problem: string };

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$/i;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A window time → epoch ms, or a problem to show the person. */
export function parseWindowTime(text: string, timeZone: string): TimeParse {
  const m = ISO.exec(text.trim());
  if (!m) {
    return {
      ok: false,
      problem: `“${clip(text)}” is not a time: write it as 2026-12-05T22:00 (local time in --tz), or with an offset such as 2026-12-05T22:00+01:00.`,
    };
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(localAsUtc);
  if (
    month < 1 ||
    month > 12 ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    check.getUTCDate() !== day ||
    check.getUTCMonth() !== month - 1
  ) {
    return { ok: false, problem: `“${clip(text)}” is not a date and time that exists in the calendar.` };
  }
  const offset = m[7];
  if (offset) return withOffset(text, localAsUtc, offset);
  return inZone(text, localAsUtc, timeZone);
}

function withOffset(text: string, localAsUtc: number, offset: string): TimeParse {
  if (offset.toUpperCase() === 'Z') return { ok: true, at: localAsUtc };
  const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!;
  const minutes = Number(hh) * 60 + Number(mm);
  if (Number(hh) > 14 || Number(mm) > 59)
    return { ok: false, problem: `“${clip(text)}” has an offset that does not exist (at most ±14:00).` };
  return { ok: true, at: localAsUtc - (sign === '-' ? -1 : 1) * minutes * MINUTE_MS };
}

/** Every instant whose local wall-clock time in `timeZone` is `localAsUtc`: none, one, or two around a DST change. */
function inZone(text: string, localAsUtc: number, timeZone: string): TimeParse {
  const offsets = new Set(
    [localAsUtc - DAY_MS, localAsUtc, localAsUtc + DAY_MS].map((t) => offsetAt(t, timeZone)),
  );
  const instants = [...offsets]
    .map((o) => localAsUtc - o)
    .filter((at) => wallClock(at, timeZone) === localAsUtc)
    .sort((a, b) => a - b);
  const first = instants[0];
  if (first === undefined) {
    return {
      ok: false,
      problem: `${clip(text)} does not exist in ${timeZone}: the clocks skip that hour when daylight saving time begins. Pick a time outside the skipped hour.`,
    };
  }
  if (instants.length > 1) {
    const local = text.trim().replace(' ', 'T').slice(0, 16);
    return {
      ok: true,
      at: first,
      note: `${local.slice(11)} happens twice in ${timeZone} that night (daylight saving time ends): Align Bot took the first, ${offsetLabel(first, timeZone)}. For the second, write ${local}${offsetLabel(instants[1]!, timeZone).slice(3)}.`,
    };
  }
  return { ok: true, at: first };
}

/** The local wall-clock time at `epochMs` in `timeZone`, as if it were UTC (whole seconds). */
function wallClock(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** Local time minus UTC at `epochMs`, in ms. */
export function offsetAt(epochMs: number, timeZone: string): number {
  return wallClock(epochMs, timeZone) - Math.floor(epochMs / 1000) * 1000;
}

/** "UTC+01:00", "UTC-05:00", "UTC+00:00". */
export function offsetLabel(epochMs: number, timeZone: string): string {
  const minutes = Math.round(offsetAt(epochMs, timeZone) / MINUTE_MS);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** "Sat 5 Dec 2026 22:00 (UTC+01:00)": the wall-clock time there, with its offset, so a DST change shows. */
export function formatLocal(epochMs: number, timeZone: string): string {
  const parts = Object.fromEntries(
    format(timeZone)
      .formatToParts(new Date(epochMs))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year} ${parts.hour}:${parts.minute} (${offsetLabel(epochMs, timeZone)})`;
}

/** "21:00 UTC" on the same UTC day as `reference`, else "2026-12-06 01:00 UTC". */
export function formatUtc(epochMs: number, reference?: number): string {
  const iso = new Date(epochMs).toISOString();
  const sameDay =
    reference !== undefined && new Date(reference).toISOString().slice(0, 10) === iso.slice(0, 10);
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 16)} UTC`;
}

/** "4 h", "7 h", "45 min", "2 d 3 h": a window's length as people say it. */
export function spanText(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** Whether the clocks change between two instants in `timeZone` (the window is then not as long as it reads). */
export function crossesDstChange(from: number, until: number, timeZone: string): boolean {
  return offsetAt(from, timeZone) !== offsetAt(until, timeZone);
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function clip(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
