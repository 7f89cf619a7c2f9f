/**
 * The credential's recorded expiry date (connectors file, or set by connect/rotate): Atlassian API tokens live at
 * most a year and stop the connector the day they expire, with one email to their owner the day before. Days are
 * counted as `expiryOf` counts them for reports, so a test run and a report agree on the verdict and the words.
 */
import { EXPIRY_CHECK_TITLE, expiryDetail, expiryOf } from '../../report.js';
import type { TestContext } from './context.js';
import type { CheckDef } from './run-checks.js';
import { fail, pass, warn } from './run-checks.js';

export const credentialExpiryCheck: CheckDef<TestContext> = {
  id: 'credential-expiry',
  title: EXPIRY_CHECK_TITLE,
  async run(ctx) {
    const date = ctx.target.spec.tokenExpiresAt!;
    const expiry = expiryOf(date, ctx.now());
    if (!expiry) return pass(`The credential expires on ${date}, more than 30 days from now.`);
    // The report draws the same verdict and words (calendar days, UTC here: a test run has no time zone).
    if (expiry.code === 'TOKEN_EXPIRED') return fail('TOKEN_EXPIRED', expiryDetail(expiry));
    return warn('TOKEN_EXPIRING_SOON', expiryDetail(expiry));
  },
};
