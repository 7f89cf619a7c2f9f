/**
 * Uptime arithmetic on synthetic history: regular schedules, gaps, bursts, and daily schedules across both
 * daylight-saving changes in Europe/Berlin (firing times computed by BullMQ's own cron evaluation).
 */
import { getNextMillis } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { summarizeHistory } from '../../../src/core/report.js';
import {
  daysWindow,
  defaultReachMs,
  type Sample,
  type SampleStatus,
  uptime,
  uptimeWindows,
} from '../../../src/core/uptime.js';

const H = 3_600_000;
const D = 24 * H;

function daily(start: number, days: number, failOn: number[] = []): Sample[] {
  return Array.from({ length: days }, (_, i) => ({
    at: start + i * D,
    status: (failOn.includes(i) ? 'fail' : 'ok') as SampleStatus,
  }));
}

/** Firing times of a cron in a zone, as BullMQ's scheduler computes them. */
function firings(pattern: string, tz: string, from: number, until: number): number[] {
  const out: number[] = [];
  for (
    let at = getNextMillis(from, { pattern, tz })!;
    at <= until;
    at = getNextMillis(at, { pattern, tz })!
  ) {
    out.push(at);
  }
  return out;
}

describe('uptime arithmetic', () => {
  it('regular daily results: 6 of 7 days up is 6/7, fully covered', () => {
    const start = Date.UTC(2026, 0, 1, 9);
    const samples = daily(start, 8, [3]);
    const end = samples.at(-1)!.at;
    const w = uptime(samples, daysWindow(end, 7), defaultReachMs(samples));
    expect(w.windowMs).toBe(7 * D);
    expect(w.coverage).toBeCloseTo(1, 10);
    expect(w.ratio).toBeCloseTo(6 / 7, 10);
  });

  it('no results: ratio unknown, coverage 0', () => {
    const w = uptime([], { start: 0, end: D }, H);
    expect(w.ratio).toBeUndefined();
    expect(w.coverage).toBe(0);
  });

  it('a gap of three missed days counts neither up nor down and lowers coverage', () => {
    const start = Date.UTC(2026, 0, 1, 9);
    // days 0,1,2 then nothing until 6,7; day 2 failed
    const samples = daily(start, 8, [2]).filter((_, i) => i < 3 || i > 5);
    const reach = defaultReachMs(samples);
    expect(reach).toBe(18 * H); // 0.75 × the median spacing of 24 h
    const w = uptime(samples, daysWindow(samples.at(-1)!.at, 7), reach);
    // cells: day0 12 h (clipped) · day1 24 h · day2 12+18 h · day6 18+12 h · day7 12 h (window ends)
    expect(w.knownMs).toBe(108 * H);
    expect(w.coverage).toBeCloseTo(108 / 168, 10);
    expect(w.ratio).toBeCloseTo((108 - 30) / 108, 10);
  });

  it('a burst of manual runs weighs by the time it covers, not by its count', () => {
    const start = Date.UTC(2026, 0, 1, 9);
    const samples = daily(start, 8);
    const burstAt = start + 7 * D - 2 * H;
    const burst = Array.from({ length: 10 }, (_, i) => ({
      at: burstAt + i * 60_000,
      status: 'fail' as const,
    }));
    const all = [...samples, ...burst].sort((a, b) => a.at - b.at);
    const [, d7] = uptimeWindows(all, start + 7 * D, 'UTC', 18 * H);
    // The burst covers from halfway to its neighbours: about 12 h + 9 min + 1 h of a 168 h week.
    expect(d7!.ratio).toBeGreaterThan(0.9);
    expect(d7!.ratio).toBeLessThan(0.95);
    const counted =
      all.filter((s) => s.at > start).filter((s) => s.status !== 'fail').length / (all.length - 1);
    expect(counted).toBeLessThan(0.5); // what a naive count would have said
  });

  it('spring forward (Europe/Berlin, 2026-03-29): the local day is 23 h and a daily 09:00 schedule leaves no gap', () => {
    const tz = 'Europe/Berlin';
    const times = firings('0 9 * * *', tz, Date.UTC(2026, 2, 15), Date.UTC(2026, 2, 31, 12));
    const at = (day: number) => times.find((t) => new Date(t).getUTCDate() === day)!;
    expect(at(28)).toBe(Date.UTC(2026, 2, 28, 8)); // 09:00 CET
    expect(at(29)).toBe(Date.UTC(2026, 2, 29, 7)); // 09:00 CEST
    const samples: Sample[] = times.map((t) => ({ at: t, status: t === at(29) ? 'fail' : 'ok' }));

    const day = daysWindow(at(29), 1, tz);
    expect(day).toEqual({ start: at(28), end: at(29) });
    const d1 = uptime(samples, day, defaultReachMs(samples));
    expect(d1.windowMs).toBe(23 * H);
    expect(d1.coverage).toBeCloseTo(1, 10);

    const [, d7] = uptimeWindows(samples, at(31), tz);
    expect(d7!.windowMs).toBe(167 * H);
    expect(d7!.coverage).toBeCloseTo(1, 10);
    // The failed result stands for half of the 23 h before it and half of the 24 h after it.
    expect(d7!.ratio).toBeCloseTo(1 - 23.5 / 167, 10);
    // A fixed 168 h window would have started an hour before the 7-days-ago result.
    expect(daysWindow(at(31), 7, tz).start).toBe(at(24));
  });

  it('fall back (Europe/Berlin, 2026-10-25): the local day is 25 h, still fully covered', () => {
    const tz = 'Europe/Berlin';
    const times = firings('0 9 * * *', tz, Date.UTC(2026, 9, 15), Date.UTC(2026, 9, 31, 12));
    const at = (day: number) => times.find((t) => new Date(t).getUTCDate() === day)!;
    expect(at(25) - at(24)).toBe(25 * H);
    const samples: Sample[] = times.map((t) => ({ at: t, status: t === at(24) ? 'fail' : 'ok' }));
    const [d1, d7, d30] = uptimeWindows(samples, at(25), tz);
    expect(d1!.windowMs).toBe(25 * H);
    expect(d1!.coverage).toBeCloseTo(1, 10);
    // The 24th failed: its cell is 12 h before (24 h day) and 12.5 h after (the 25 h day).
    expect(d1!.ratio).toBeCloseTo(1 - 12.5 / 25, 10);
    expect(d7!.windowMs).toBe(169 * H);
    expect(d7!.ratio).toBeCloseTo(1 - 24.5 / 169, 10);
    // Only 10 days of history in a 30-day window: known time is what the results cover.
    expect(d30!.coverage).toBeLessThan(0.4);
    expect(d30!.ratio).toBeCloseTo(1 - (24.5 / d30!.knownMs) * H, 10);
  });

  it('summaries: failing since the start of the trailing run of failures', () => {
    const start = Date.UTC(2026, 0, 1, 9);
    const samples = daily(start, 6, [1, 4, 5]);
    const summary = summarizeHistory(samples, start + 5 * D, 'UTC');
    expect(summary.failingSince).toBe(start + 4 * D);
    expect(summarizeHistory(daily(start, 3), start + 2 * D, 'UTC').failingSince).toBeUndefined();
  });
});
