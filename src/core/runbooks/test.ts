/**
 * The test runbook: which checks run for a target, in which order. Bump the version when the list changes, so a
 * run resumed by a newer worker keeps the plan it started with.
 */

import type { TestTarget } from '../target.js';
import type { CheckDef } from './checks.js';
import type { TestContext } from './test-context.js';
import { JIRA_CHECKS } from './test-jira.js';
import { OAUTH_CHECKS, oauthApplies } from './test-oauth.js';

export const TEST_RUNBOOK_VERSION = 2;

export function testChecks(target: TestTarget): CheckDef<TestContext>[] {
  return [...JIRA_CHECKS, ...(oauthApplies(target) ? OAUTH_CHECKS : [])];
}
