/**
 * The test runbook: which checks run for a target, in which order. Bump the version when the list changes, so a
 * run resumed by a newer worker keeps the plan it started with.
 */

import type { TestTarget } from '../connector-spec.js';
import { ALIGN_CHECKS } from './checks/align.js';
import type { TestContext } from './checks/context.js';
import { credentialExpiryCheck } from './checks/expiry.js';
import { JIRA_CHECKS } from './checks/jira.js';
import { DC_CHECKS } from './checks/jira-dc.js';
import { OAUTH_CHECKS, oauthApplies } from './checks/oauth.js';
import type { CheckDef } from './checks/run-checks.js';

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
