/**
 * The credential's recorded expiry date (connectors file, or set by connect/rotate): Atlassian API tokens live at
 * most a year and stop the connector the day they expire, with one email to their owner the day before.
 */
import { expiryOf } from '../report.js';
import type { CheckDef } from './checks.js';
import { fail, pass, warn } from './checks.js';
import type { TestContext } from './test-context.js';

export const credentialExpiryCheck: CheckDef<TestContext> = {
  id: 'credential-expiry',
  title: 'Credential not expiring',
  async run(ctx) {
    const date = ctx.target.spec.tokenExpiresAt!;
    const expiry = expiryOf(date, ctx.now());
    if (!expiry) return pass(`The credential expires on ${date}, more than 30 days from now.`);
    if (expiry.code === 'TOKEN_EXPIRED')
      return fail('TOKEN_EXPIRED', `The credential expired on ${expiry.on}.`);
    return warn(
      'TOKEN_EXPIRING_SOON',
      `The credential expires on ${expiry.on}, in ${expiry.days} day${expiry.days === 1 ? '' : 's'}.`,
    );
  },
};
