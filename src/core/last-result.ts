/** What `status` shows of a connector: the outcome of the last run that tested it. */
import type { Run, RunState } from './run.js';

export interface LastResult {
  runId: string;
  kind: string;
  state: RunState;
  at: number;
  codes: string[];
}

/** The last result a finished run leaves on its connector. */
export function lastResultOf(run: Run): LastResult {
  return {
    runId: run.id,
    kind: run.kind,
    state: run.state,
    at: run.endedAt ?? run.updatedAt,
    codes: [
      ...run.steps.filter((s) => s.code).map((s) => s.code!),
      ...(run.outcome?.code ? [run.outcome.code] : []),
    ],
  };
}
