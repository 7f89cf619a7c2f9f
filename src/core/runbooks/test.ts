/**
 * The test runbook: which checks run for a target, in which order. Bump the version when the list changes, so a
 * run resumed by a newer worker keeps the plan it started with.
 */

import type { TestTarget } from '../target.js';
import type { CheckDef } from './checks.js';
import { ALIGN_CHECKS } from './test-align.js';
import type { TestContext } from './test-context.js';
import { DC_CHECKS } from './test-dc.js';
import { credentialExpiryCheck } from './test-expiry.js';
import { JIRA_CHECKS } from './test-jira.js';
import { OAUTH_CHECKS, oauthApplies } from './test-oauth.js';

export const TEST_RUNBOOK_VERSION = 3;

export function testChecks(target: TestTarget): CheckDef<TestContext>[] {
  const jira = target.spec.jira.kind === 'datacenter' ? DC_CHECKS : JIRA_CHECKS;
  return [
    ...jira,
    ...(oauthApplies(target) ? OAUTH_CHECKS : []),
    ...(target.spec.align ? ALIGN_CHECKS : []),
    ...(target.spec.tokenExpiresAt ? [credentialExpiryCheck] : []),
  ];
}
