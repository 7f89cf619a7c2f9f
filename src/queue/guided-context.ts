/** Builds the ports a guided runbook sees: vault secrets, test checks against a draft spec, the connector store. */

import type { ConnectorSpec, TestTarget } from '../core/connector-spec.js';
import type { Run } from '../core/run.js';
import { runChecks } from '../core/runbooks/checks/run-checks.js';
import type { GuidedContext } from '../core/runbooks/guided.js';
import { testChecks } from '../core/runbooks/test.js';
import type { Secret } from '../core/secret.js';
import { resolveSecret } from '../store/secret-sources.js';
import type { RunDeps } from './run-deps.js';

export function guidedContext(run: Run, existing: ConnectorSpec | undefined, deps: RunDeps): GuidedContext {
  const stored = (id: string) => (deps.vault ? deps.vault.get(id) : Promise.resolve(undefined));
  return {
    runId: run.id,
    requesterId: run.requestedBy.id,
    params: { ...run.params, approvalTtlMs: deps.approvalTtlMs },
    facts: run.facts,
    now: () => deps.clock.now(),
    secret: stored,
    currentSecret: () =>
      existing ? resolveSecret(existing.secrets?.jira, deps.env, stored) : Promise.resolve(undefined),
    runTest: (spec, secrets, only) => runTest(spec, secrets, only, deps),
    inspectKey: (text) => deps.inspectKey(text),
    ...(existing ? { existing } : {}),
    // A worker that lost the run (runs.ts, RunLockLost) must not change credentials under the one holding it now.
    saveConnector: async (spec) => {
      await deps.runs.assertHeld?.(run);
      await deps.connectors.saveCredential(spec);
    },
    keepSecret: async (ref) => {
      await deps.runs.assertHeld?.(run);
      await deps.vault?.persist(ref);
    },
    dropSecret: async (ref) => {
      await deps.runs.assertHeld?.(run);
      await deps.vault?.delete(ref);
    },
  };
}

async function runTest(
  spec: ConnectorSpec,
  secrets: { jira?: Secret; align?: Secret },
  only: string[] | undefined,
  deps: RunDeps,
) {
  const target: TestTarget = {
    label: spec.name,
    spec,
    ...(secrets.jira ? { jiraSecret: secrets.jira } : {}),
    ...(secrets.align ? { alignSecret: secrets.align } : {}),
  };
  return targetChecks(target, only, deps);
}

/** The test runbook's checks against a target: all, or those named plus every check they run after. */
export async function targetChecks(target: TestTarget, only: string[] | undefined, deps: RunDeps) {
  const all = testChecks(target);
  const wanted = only ? withDependencies(all, only) : undefined;
  return runChecks(
    all.filter((c) => !wanted || wanted.has(c.id)),
    deps.testContext(target, {}),
  );
}

/** The selected checks plus every check they run `after`, so none is skipped for a missing predecessor. */
function withDependencies(all: { id: string; after?: string[] }[], only: string[]): Set<string> {
  const wanted = new Set(only);
  let grew = true;
  while (grew) {
    grew = false;
    for (const check of all) {
      if (!wanted.has(check.id)) continue;
      for (const dep of check.after ?? []) {
        if (!wanted.has(dep)) {
          wanted.add(dep);
          grew = true;
        }
      }
    }
  }
  return wanted;
}
