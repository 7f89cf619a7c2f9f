/**
 * Issue 13: maintenance window times as admins type them — ISO 8601 local times read in an IANA zone, or with an
 * offset — across daylight-saving changes (the European ones of 2026 and 2027), and the window checks: in the past,
 * empty, reversed, too long, too far ahead.
 */
import { describe, expect, it } from 'vitest';
import { windowProblem } from '../../../src/core/maintenance.js';
import {
  crossesDstChange,
  formatLocal,
  formatUtc,
  parseWindowTime,
  spanText,
} from '../../../src/core/maintenance-time.js';

const BERLIN = 'Europe/Berlin';
const H = 3600_000;

function at(text: string, tz = BERLIN): number {
  const parsed = parseWindowTime(text, tz);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.at;
}

describe('parseWindowTime', () => {
  it('reads a local time in the zone, with T or a space, with or without seconds', () => {
    expect(at('2026-12-05T22:00')).toBe(Date.UTC(2026, 11, 5, 21));
    expect(at('2026-12-05 22:00')).toBe(Date.UTC(2026, 11, 5, 21));
    expect(at('2026-12-05T22:00:30')).toBe(Date.UTC(2026, 11, 5, 21, 0, 30));
    expect(at('2026-07-05T22:00')).toBe(Date.UTC(2026, 6, 5, 20));
    expect(at('2026-12-05T22:00', 'America/New_York')).toBe(Date.UTC(2026, 11, 6, 3));
    expect(at('2026-12-05T22:00', 'UTC')).toBe(Date.UTC(2026, 11, 5, 22));
  });

  it('an explicit offset or Z wins over the zone', () => {
    expect(at('2026-12-05T22:00Z')).toBe(Date.UTC(2026, 11, 5, 22));
    expect(at('2026-12-05T22:00+05:30')).toBe(Date.UTC(2026, 11, 5, 16, 30));
    expect(at('2026-12-05T22:00-0400')).toBe(Date.UTC(2026, 11, 6, 2));
  });

  it('a window across the autumn 2026 change lasts 7 h, not the 6 its wall clock says', () => {
    const from = at('2026-10-24T22:00');
    const until = at('2026-10-25T04:00');
    expect(from).toBe(Date.UTC(2026, 9, 24, 20));
    expect(until).toBe(Date.UTC(2026, 9, 25, 3));
    expect((until - from) / H).toBe(7);
    expect(crossesDstChange(from, until, BERLIN)).toBe(true);
    expect(formatLocal(from, BERLIN)).toBe('Sat 24 Oct 2026 22:00 (UTC+02:00)');
    expect(formatLocal(until, BERLIN)).toBe('Sun 25 Oct 2026 04:00 (UTC+01:00)');
  });

  it('a window across the spring 2026 change lasts 5 h', () => {
    const from = at('2026-03-28T22:00');
    const until = at('2026-03-29T04:00');
    expect((until - from) / H).toBe(5);
    expect(crossesDstChange(from, until, BERLIN)).toBe(true);
    expect(crossesDstChange(at('2026-12-05T22:00'), at('2026-12-06T02:00'), BERLIN)).toBe(false);
  });

  it('refuses a local time the clocks skip', () => {
    const parsed = parseWindowTime('2026-03-29T02:30', BERLIN);
    expect(parsed).toMatchObject({ ok: false });
    expect(!parsed.ok && parsed.problem).toMatch(/does not exist in Europe\/Berlin/);
  });

  it('reads a local time that happens twice as the first, says so, and offers the second', () => {
    const parsed = parseWindowTime('2026-10-25T02:30', BERLIN);
    expect(parsed).toMatchObject({ ok: true, at: Date.UTC(2026, 9, 25, 0, 30) });
    expect(parsed.ok && parsed.note).toContain('happens twice');
    expect(parsed.ok && parsed.note).toContain('2026-10-25T02:30+01:00');
    expect(at('2026-10-25T02:30+01:00')).toBe(Date.UTC(2026, 9, 25, 1, 30));
  });

  it.each([
    'tomorrow',
    '2026-12-05',
    '22:00',
    '2026-13-01T10:00',
    '2026-02-29T10:00',
    '2026-12-05T24:00',
    '2026-12-05T22:00+15:00',
  ])('refuses %s', (text) => {
    expect(parseWindowTime(text, BERLIN).ok).toBe(false);
  });
});

describe('windowProblem', () => {
  const now = Date.UTC(2026, 9, 1, 12);

  it('accepts the window across the autumn 2026 change, seen from before it', () => {
    expect(windowProblem(at('2026-10-24T22:00'), at('2026-10-25T04:00'), now)).toBeUndefined();
  });

  it.each([
    ['in the past', Date.UTC(2026, 8, 30, 22), Date.UTC(2026, 9, 1, 2), /begins in the past/],
    ['beginning now', now, now + H, /begins in the past/],
    ['empty', now + H, now + H, /empty/],
    ['reversed', now + 2 * H, now + H, /ends before it begins/],
    ['73 h long', now + H, now + 74 * H, /73 h long; a maintenance window is at most 72 h/],
    ['29 days ahead', now + 29 * 24 * H, now + 29 * 24 * H + H, /more than 28 d from now/],
  ])('refuses a window %s', (_name, from, until, problem) => {
    expect(windowProblem(from, until, now)).toMatch(problem);
  });

  it('accepts exactly 72 h', () => {
    expect(windowProblem(now + H, now + 73 * H, now)).toBeUndefined();
  });
});

describe('formatting', () => {
  it('spans and UTC times', () => {
    expect(spanText(45 * 60_000)).toBe('45 min');
    expect(spanText(4 * H)).toBe('4 h');
    expect(spanText(4.5 * H)).toBe('4 h 30 min');
    expect(spanText(72 * H)).toBe('3 d');
    expect(formatUtc(Date.UTC(2026, 11, 6, 1), Date.UTC(2026, 11, 5, 21))).toBe('2026-12-06 01:00 UTC');
    expect(formatUtc(Date.UTC(2026, 11, 5, 23), Date.UTC(2026, 11, 5, 21))).toBe('23:00 UTC');
  });
});
