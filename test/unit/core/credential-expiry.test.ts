/** The test runbook warns before a recorded credential expiry (30/7/1 days) and fails once it has passed. */
import { describe, expect, it } from 'vitest';
import { adhocSpec, type TestTarget } from '../../../src/core/connector-spec.js';
import { type ConnectorResult, expiryDetail } from '../../../src/core/report.js';
import { buildReport } from '../../../src/core/report-tally.js';
import type { TestContext } from '../../../src/core/runbooks/checks/context.js';
import { credentialExpiryCheck } from '../../../src/core/runbooks/checks/expiry.js';
import { runChecks } from '../../../src/core/runbooks/checks/run-checks.js';
import { testChecks } from '../../../src/core/runbooks/test.js';
import { rowLine } from '../../../src/core/views/report-view.js';
import { plain } from '../../../src/core/views/view.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');

function ctxFor(tokenExpiresAt?: string): TestContext {
  const spec = { ...adhocSpec('https://acme.atlassian.net'), ...(tokenExpiresAt ? { tokenExpiresAt } : {}) };
  return {
    target: { label: 'acme', spec } as TestTarget,
    facts: {},
    deadline: NOW + 30_000,
    now: () => NOW,
  } as unknown as TestContext;
}

async function expiry(date: string, now = NOW) {
  const [result] = await runChecks([credentialExpiryCheck], {
    ...ctxFor(date),
    deadline: now + 30_000,
    now: () => now,
  });
  return result!;
}

describe('credential expiry check', () => {
  it('is planned only when an expiry date is recorded', () => {
    expect(testChecks(ctxFor().target).map((c) => c.id)).not.toContain('credential-expiry');
    expect(testChecks(ctxFor('2027-06-30').target).map((c) => c.id)).toContain('credential-expiry');
  });

  it.each([
    ['2027-06-30', 'pass', undefined],
    ['2026-12-20', 'warn', 'TOKEN_EXPIRING_SOON'],
    ['2026-12-03', 'warn', 'TOKEN_EXPIRING_SOON'],
    ['2026-11-29', 'warn', 'TOKEN_EXPIRING_SOON'],
    ['2026-11-28', 'fail', 'TOKEN_EXPIRED'],
    ['2026-03-14', 'fail', 'TOKEN_EXPIRED'],
  ])('%s → %s %s', async (date, status, code) => {
    const result = await expiry(date);
    expect(result.status).toBe(status);
    expect(result.code).toBe(code);
  });
});

/** Issue 8, defect 9: the test run and the report count days alike and agree that an expired credential fails. */
describe('the test run and the report agree', () => {
  const LATE = Date.parse('2026-11-29T23:30:00Z'); // late on the 29th (UTC: a test run has no time zone)

  it.each([
    ['2026-11-28', 'fail', 'TOKEN_EXPIRED', 'The credential expired on 2026-11-28 (yesterday).'],
    ['2026-11-29', 'fail', 'TOKEN_EXPIRED', 'The credential expired on 2026-11-29 (today).'],
    ['2026-11-25', 'fail', 'TOKEN_EXPIRED', 'The credential expired on 2026-11-25 (4 days ago).'],
    ['2026-11-30', 'warn', 'TOKEN_EXPIRING_SOON', 'The credential expires on 2026-11-30 (tomorrow).'],
    ['2026-12-06', 'warn', 'TOKEN_EXPIRING_SOON', 'The credential expires on 2026-12-06 (in 7 days).'],
  ])('%s → %s %s: “%s”, in the test and in the report', async (date, status, code, detail) => {
    const check = await expiry(date, LATE);
    expect([check.status, check.code, check.detail]).toEqual([status, code, detail]);
    const connectivity: ConnectorResult = {
      name: 'acme',
      host: 'acme.atlassian.net',
      status: 'ok',
      ms: 1,
      at: LATE,
    };
    const data = buildReport({
      now: LATE,
      timeZone: 'UTC',
      durationMs: 1,
      connectors: [{ result: connectivity, tokenExpiresAt: date }],
    });
    const row = data.rows[0]!;
    expect(row.expiry?.code).toBe(code);
    expect(expiryDetail(row.expiry!)).toBe(detail);
    if (status === 'fail') {
      expect(row).toMatchObject({ status: 'fail', code, check: check.title, detail });
      expect(plain(rowLine(row, LATE))).toMatch(/^❌ /);
    } else {
      expect(row.status).toBe('ok'); // an expiring credential is listed in the report's Credentials section
    }
  });
});
