/** A test run's steps read back as check results: to resume a re-delivered run, and as one history sample. */
import { type ConnectorResult, connectorResult } from '../core/report.js';
import type { Run, StepRecord } from '../core/run.js';
import type { CheckResult } from '../core/runbooks/checks/run-checks.js';

const FINISHED = new Set(['pass', 'warn', 'fail', 'skip']);

export function priorResults(steps: StepRecord[]): Map<string, CheckResult> {
  const prior = new Map<string, CheckResult>();
  for (const s of steps) {
    if (!FINISHED.has(s.status)) continue;
    prior.set(s.id, {
      id: s.id,
      title: s.title,
      status: s.status as CheckResult['status'],
      ...(s.code ? { code: s.code } : {}),
      ...(s.detail ? { detail: s.detail } : {}),
      ms: (s.endedAt ?? 0) - (s.startedAt ?? 0),
    });
  }
  return prior;
}

/** A finished test as one history sample of its connector; a run-level diagnosis counts as a failed check. */
export function testResult(run: Run): ConnectorResult {
  const at = run.endedAt ?? run.updatedAt;
  const checks = [...priorResults(run.steps).values()];
  if (run.outcome?.code)
    checks.push({
      id: 'outcome',
      title: 'The test ran',
      status: 'fail',
      code: run.outcome.code,
      ...(run.outcome.detail ? { detail: run.outcome.detail } : {}),
      ms: 0,
    });
  return connectorResult(run.connector, run.connector, checks, at, at - run.createdAt);
}
