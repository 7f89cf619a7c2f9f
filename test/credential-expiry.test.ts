/** The test runbook warns before a recorded credential expiry (30/7/1 days) and fails once it has passed. */
import { describe, expect, it } from 'vitest';
import { runChecks } from '../src/core/runbooks/checks.js';
import { testChecks } from '../src/core/runbooks/test.js';
import type { TestContext } from '../src/core/runbooks/test-context.js';
import { credentialExpiryCheck } from '../src/core/runbooks/test-expiry.js';
import { adhocSpec, type TestTarget } from '../src/core/target.js';

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

async function expiry(date: string) {
  const [result] = await runChecks([credentialExpiryCheck], ctxFor(date));
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
