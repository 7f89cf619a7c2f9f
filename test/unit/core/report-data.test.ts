/**
 * The report as data and as messages: expiry tiers, changes since the previous report, the empty fleet, and a
 * 250-connector report that pages into messages Slack's limit checks (the simulator's own) accept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSlack, textSize } from '../../../src/chat/slack/render.js';
import {
  type ConnectorResult,
  type ConnectorStatus,
  expiryOf,
  expiryPhrase,
  type ReportSnapshot,
  snapshotOf,
} from '../../../src/core/report.js';
import { buildReport } from '../../../src/core/report-tally.js';
import { REPORT_LIMITS, reportView, rowLine } from '../../../src/core/views/report-view.js';
import { type MessageView, plain } from '../../../src/core/views/view.js';
import { checkBlock, checkBlockKit } from '../../../src/sandbox/block-kit-limits.js';

const NOW = Date.UTC(2026, 4, 1, 9);
const META = { runId: 'r-test000001', trigger: ['requested by ', { user: 'UADMIN' }] as const };

function result(name: string, status: ConnectorStatus, code?: string): ConnectorResult {
  return {
    name,
    host: `${name}.atlassian.net`,
    status,
    ...(code ? { code: code as never, check: 'Credentials work', detail: 'Jira answered 401.' } : {}),
    latencyMs: 120,
    ms: 800,
    at: NOW,
  };
}

function report(
  results: ConnectorResult[],
  previous?: ReportSnapshot,
  expiries: Record<string, string> = {},
) {
  return buildReport({
    now: NOW,
    timeZone: 'UTC',
    durationMs: 1234,
    connectors: results.map((r) => ({
      result: r,
      ...(expiries[r.name] ? { tokenExpiresAt: expiries[r.name] } : {}),
    })),
    history: new Map(results.map((r) => [r.name, { uptime: [1, 0.99, 0.98] as [number, number, number] }])),
    ...(previous ? { previous } : {}),
  });
}

function accepted(message: MessageView): { chars: number; blocks: number; json: string } {
  const rendered = renderSlack(message);
  for (const block of rendered.blocks) expect(checkBlock(block as never)).toBeUndefined();
  expect(checkBlockKit(rendered.blocks)).toBeUndefined();
  const json = JSON.stringify(rendered.blocks);
  expect(json).not.toContain('more in the thread or with /align status'); // the renderer never had to cut
  return { chars: textSize(rendered.blocks), blocks: rendered.blocks.length, json };
}

describe('credential expiry', () => {
  it.each([
    ['2026-06-01', undefined, undefined], // 31 days
    ['2026-05-31', 'TOKEN_EXPIRING_SOON', 30],
    ['2026-05-09', 'TOKEN_EXPIRING_SOON', 30], // 8 days
    ['2026-05-08', 'TOKEN_EXPIRING_SOON', 7],
    ['2026-05-03', 'TOKEN_EXPIRING_SOON', 7], // 2 days
    ['2026-05-02', 'TOKEN_EXPIRING_SOON', 1], // 15 hours
    ['2026-05-01', 'TOKEN_EXPIRED', 0], // midnight today has passed
    ['2025-12-24', 'TOKEN_EXPIRED', 0],
    ['not a date', undefined, undefined],
  ])('expires %s → %s (%s)', (on, code, tier) => {
    const warning = expiryOf(on, NOW);
    expect(warning?.code).toBe(code);
    expect(warning?.tier).toBe(tier);
  });

  it('crossing into a closer tier is a change; staying in one is not', () => {
    const first = report([result('acme', 'ok')], undefined, { acme: '2026-05-20' });
    expect(first.rows[0]!.expiry?.tier).toBe(30);
    const same = report([result('acme', 'ok')], snapshotOf(first), { acme: '2026-05-20' });
    expect(same.changed).toBe(false);
    const closer = report([result('acme', 'ok')], snapshotOf(first), { acme: '2026-05-05' });
    expect(closer.changes.expiry).toEqual(['acme']);
    expect(closer.changed).toBe(true);
  });
});

/** Issue 8, defect 9: days are the report's calendar days, and an expired credential never reads as healthy. */
describe('credential expiry in the calendar days of the report’s time zone', () => {
  // Each instant is a local wall-clock time, written in UTC so the test does not lean on the code under test.
  const cases: Array<[string, string, string, string]> = [
    // zone, local time, instant (UTC), expiry date
    ['Europe/Berlin', '2026-05-02 00:05 CEST', '2026-05-01T22:05:00Z', '2026-05-01'],
    ['Europe/Berlin', '2026-05-02 23:55 CEST', '2026-05-02T21:55:00Z', '2026-05-01'],
    ['America/Los_Angeles', '2026-05-02 00:05 PDT', '2026-05-02T07:05:00Z', '2026-05-01'],
    ['America/Los_Angeles', '2026-05-02 23:55 PDT', '2026-05-03T06:55:00Z', '2026-05-01'],
    // The day after a spring-forward change (23 h long) and after a fall-back change (25 h long).
    ['Europe/Berlin', '2026-03-29 23:55 CEST', '2026-03-29T21:55:00Z', '2026-03-28'],
    ['Europe/Berlin', '2026-03-30 00:05 CEST', '2026-03-29T22:05:00Z', '2026-03-29'],
    ['Europe/Berlin', '2026-10-26 23:55 CET', '2026-10-26T22:55:00Z', '2026-10-25'],
    ['America/Los_Angeles', '2026-03-09 00:05 PDT', '2026-03-09T07:05:00Z', '2026-03-08'],
    ['America/Los_Angeles', '2026-03-09 23:55 PDT', '2026-03-10T06:55:00Z', '2026-03-08'],
    ['America/Los_Angeles', '2026-11-02 23:55 PST', '2026-11-03T07:55:00Z', '2026-11-01'],
  ];

  it.each(cases)('%s at %s (%s): a credential dated %s expired yesterday', (zone, _local, instant, date) => {
    const now = Date.parse(instant);
    const expiry = expiryOf(date, now, zone)!;
    expect(expiry).toMatchObject({ code: 'TOKEN_EXPIRED', tier: 0, days: -1, on: date });
    expect(expiryPhrase(expiry)).toBe('expired yesterday');
    const data = buildReport({
      now,
      timeZone: zone,
      durationMs: 1,
      connectors: [{ result: { ...result('acme', 'ok'), at: now }, tokenExpiresAt: date }],
    });
    expect(plain(rowLine(data.rows[0]!, now))).toMatch(/· ⛔ credential expired yesterday$/);
  });

  it.each([
    ['Europe/Berlin', '2026-05-01T22:05:00Z', '2026-05-02', 'expired today', 0], // 00:05 local on the day itself
    ['Europe/Berlin', '2026-05-01T21:55:00Z', '2026-05-02', 'expires tomorrow', 1], // 23:55 the evening before
    ['America/Los_Angeles', '2026-03-08T08:05:00Z', '2026-03-09', 'expires tomorrow', 1], // the 23-hour day
    ['America/Los_Angeles', '2026-03-10T06:55:00Z', '2026-03-12', 'expires in 3 days', 7], // 23:55 PDT on the 9th
    ['America/Los_Angeles', '2026-05-02T07:05:00Z', '2026-04-29', 'expired 3 days ago', 0],
  ])('%s at %s: a credential dated %s %s', (zone, instant, date, phrase, tier) => {
    const expiry = expiryOf(date, Date.parse(instant), zone)!;
    expect(expiryPhrase(expiry)).toBe(phrase);
    expect(expiry.tier).toBe(tier);
  });

  it('an expired credential’s row never shows a pass icon: it fails with TOKEN_EXPIRED', () => {
    const data = report(
      [result('acme', 'ok'), result('globex', 'warn', 'JIRA_NOT_ADMIN'), result('initech', 'ok')],
      undefined,
      { acme: '2026-04-30', globex: '2026-05-01', initech: '2026-05-02' },
    );
    const byName = Object.fromEntries(data.rows.map((r) => [r.name, r]));
    expect(byName.acme).toMatchObject({
      status: 'fail',
      code: 'TOKEN_EXPIRED',
      check: 'Credential not expiring',
    });
    expect(byName.acme!.detail).toBe('The credential expired on 2026-04-30 (yesterday).');
    expect(byName.globex).toMatchObject({ status: 'fail', code: 'TOKEN_EXPIRED' });
    expect(byName.initech).toMatchObject({ status: 'ok', expiry: { tier: 1, days: 1 } }); // expires tomorrow
    expect(data.counts).toEqual({ ok: 1, warn: 0, fail: 2 });
    for (const name of ['acme', 'globex']) {
      expect(plain(rowLine(byName[name]!, NOW))).toMatch(/^❌ /);
    }
    const view = reportView(data, { ...META, trigger: [...META.trigger] });
    expect(view.root.text).toMatch(/^❌ Fleet report: 2 failing/);
    expect(view.replies.map((r) => r.key)).toEqual(['fail:acme', 'fail:globex']);
  });

  it('a failure of its own keeps its cause; the row still says the credential expired', () => {
    const data = report([result('acme', 'fail', 'JIRA_AUTH_REJECTED')], undefined, { acme: '2026-04-30' });
    expect(data.rows[0]).toMatchObject({ status: 'fail', code: 'JIRA_AUTH_REJECTED' });
    expect(plain(rowLine(data.rows[0]!, NOW))).toMatch(/^❌ .* · ⛔ credential expired yesterday$/);
  });

  it('no zone, hour, status or past date draws ✅ for an expired credential', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }),
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom(...zones),
        fc.constantFrom<ConnectorStatus>('ok', 'warn', 'fail'),
        (now, daysBack, zone, status) => {
          const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(now); // YYYY-MM-DD
          const date = new Date(Date.parse(today) - daysBack * 86_400_000).toISOString().slice(0, 10);
          const data = buildReport({
            now,
            timeZone: zone,
            durationMs: 1,
            connectors: [
              {
                result: {
                  ...result('acme', status, status === 'ok' ? undefined : 'JIRA_NOT_ADMIN'),
                  at: now,
                },
                tokenExpiresAt: date,
              },
            ],
          });
          const row = data.rows[0]!;
          expect(row.expiry).toMatchObject({ code: 'TOKEN_EXPIRED', days: 0 - daysBack });
          expect(row.status).toBe('fail');
          expect(plain(rowLine(row, now))).not.toContain('✅');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('changes since the previous report', () => {
  const previous: ReportSnapshot = {
    at: NOW - 86_400_000,
    connectors: {
      a: { s: 'ok' },
      b: { s: 'fail', c: 'JIRA_AUTH_REJECTED' },
      c: { s: 'fail', c: 'JIRA_AUTH_REJECTED' },
      e: { s: 'ok' },
      f: { s: 'warn', c: 'JIRA_NOT_ADMIN' },
    },
  };

  it('new failures, recoveries, new causes, added and removed connectors', () => {
    const data = report(
      [
        result('a', 'fail', 'JIRA_CAPTCHA_REQUIRED'),
        result('b', 'ok'),
        result('c', 'fail', 'JIRA_IP_NOT_ALLOWLISTED'),
        result('d', 'ok'),
        result('f', 'warn', 'JIRA_NOT_ADMIN'),
      ],
      previous,
    );
    expect(data.changes).toEqual({
      newFailures: ['a'],
      recovered: ['b'],
      causeChanged: ['c'],
      added: ['d'],
      removed: ['e'],
      expiry: [],
    });
    expect(data.changed).toBe(true);
    expect(data.rows.map((r) => r.name)).toEqual(['a', 'c', 'f', 'b', 'd']); // failing first
    const root = reportView(data, { ...META, trigger: [...META.trigger] }).root;
    const json = accepted(root).json;
    expect(json).toContain('New failures (1): a');
    expect(json).toContain('Recovered (1): b');
    expect(json).toContain('Removed (1): e');
  });

  it('nothing changed: changed is false and the root says so', () => {
    const data = report(
      [result('a', 'ok'), result('b', 'fail', 'JIRA_AUTH_REJECTED'), result('f', 'warn', 'JIRA_NOT_ADMIN')],
      {
        ...previous,
        connectors: { a: previous.connectors.a!, b: previous.connectors.b!, f: previous.connectors.f! },
      },
    );
    expect(data.changed).toBe(false);
    expect(accepted(reportView(data, { ...META, trigger: [...META.trigger] }).root).json).toContain(
      'No changes since the last report.',
    );
  });

  it('the first report in a channel counts as a change and says it is the first', () => {
    const data = report([result('a', 'ok')]);
    expect(data.firstReport).toBe(true);
    expect(data.changed).toBe(true);
    expect(accepted(reportView(data, { ...META, trigger: [...META.trigger] }).root).json).toContain(
      'First report',
    );
  });
});

describe('rendering', () => {
  it('a row: status, round trip, uptime, cause with how long it has failed, change and expiry', () => {
    const data = buildReport({
      now: NOW,
      timeZone: 'UTC',
      durationMs: 1,
      connectors: [{ result: result('acme', 'fail', 'JIRA_AUTH_REJECTED'), tokenExpiresAt: '2026-05-06' }],
      history: new Map([['acme', { uptime: [0, 0.5714, 0.9], failingSince: NOW - 3 * 86_400_000 }]]),
      previous: { at: NOW - 1, connectors: { acme: { s: 'ok' } } },
    });
    expect(plain(rowLine(data.rows[0]!, NOW))).toBe(
      '❌ acme · 120 ms · 0% / 57.1% / 90.0% · JIRA_AUTH_REJECTED since 3 d 🆕 new failure · ⏰ credential expires in 5 d',
    );
  });

  it('an empty fleet gets a clear message, not an empty table', () => {
    const view = reportView(report([]), { ...META, trigger: [...META.trigger] });
    expect(view.replies).toEqual([]);
    const { json } = accepted(view.root);
    expect(view.root.text).toBe('📋 Fleet report: no connectors yet');
    expect(json).toContain('There are no connectors to test');
    expect(json).not.toContain('Jira round trip');
  });

  it('250 connectors page into messages the simulator accepts, each well under 12k characters', () => {
    const results = Array.from({ length: 250 }, (_, i) => {
      const name = `${String(i).padStart(3, '0')}-${'x'.repeat(60)}`; // 64 characters, the longest allowed
      return i % 8 === 0
        ? result(name, 'fail', 'JIRA_AUTH_REJECTED')
        : result(name, i % 5 === 0 ? 'warn' : 'ok');
    });
    const expiries = Object.fromEntries(results.slice(0, 40).map((r) => [r.name, '2026-05-04']));
    const data = report(results, undefined, expiries);
    const view = reportView(data, { ...META, trigger: [...META.trigger] });
    const pages = view.replies.filter((r) => r.key.startsWith('page:'));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    const seen = new Map<string, number>();
    for (const message of [view.root, ...pages.map((p) => p.message)]) {
      const { chars, blocks, json } = accepted(message);
      expect(chars).toBeLessThan(9000);
      expect(blocks).toBeLessThanOrEqual(20);
      for (const r of results) {
        const hits = json.split(`*${r.name}*`).length - 1;
        if (hits > 0) seen.set(r.name, (seen.get(r.name) ?? 0) + hits);
      }
    }
    expect(seen.size).toBe(250); // every connector on exactly one page
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const failures = view.replies.filter((r) => r.key.startsWith('fail:'));
    expect(failures).toHaveLength(32);
    for (const f of failures) {
      const { json } = accepted(f.message);
      expect(json).toContain('JIRA_AUTH_REJECTED');
      expect(json).toContain('Fix (on Jira)');
    }
  });

  it('more failing connectors than thread replies: the rest are rolled up in one reply', () => {
    const results = Array.from({ length: 130 }, (_, i) => result(`c${i}`, 'fail', 'JIRA_AUTH_REJECTED'));
    const view = reportView(report(results), { ...META, trigger: [...META.trigger] });
    const failures = view.replies.filter((r) => r.key.startsWith('fail:'));
    expect(failures).toHaveLength(REPORT_LIMITS.failureReplies + 1);
    const more = failures.at(-1)!;
    expect(more.key).toBe('fail:more');
    expect(accepted(more.message).json).toContain(
      `${130 - REPORT_LIMITS.failureReplies} more failing connectors`,
    );
  });
});
