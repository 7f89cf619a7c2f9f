/**
 * Every run kind, declared once: its runbook version, who may start it, whether a connector may have only one
 * active run of it, how it begins and ends, how it is drawn and what executes it. Adding a kind is one entry here
 * (plus its runbook and executor); nothing else switches on the kind.
 */
import type { Role } from '../core/authz.js';
import { newRunRecord, type Run, type RunKind, runOutcome } from '../core/run.js';
import { CONNECT_RUNBOOK_VERSION, connectSteps } from '../core/runbooks/connect.js';
import { MAINTENANCE_RUNBOOK_VERSION } from '../core/runbooks/maintenance.js';
import { ROTATE_RUNBOOK_VERSION, rotateSteps } from '../core/runbooks/rotate.js';
import { TEST_RUNBOOK_VERSION } from '../core/runbooks/test.js';
import { maintenanceRunView } from '../core/views/maintenance-view.js';
import { type PageSource, reportRunView } from '../core/views/report-view.js';
import { runView } from '../core/views/run-view.js';
import type { RunView } from '../core/views/view.js';
import { executeGuided, type Parking } from './execute-guided.js';
import { executeMaintenance } from './execute-maintenance.js';
import { executeReport, type ReportRunDeps } from './execute-report.js';
import { executeTest } from './execute-test.js';
import { guidedContext } from './guided-context.js';
import type { RunDeps } from './run-deps.js';
import type { KindPolicy, RunLifecycle } from './run-lifecycle.js';

/** What an executor gets: the job's parking handle, the lifecycle, and the worker's dependencies. */
export interface Execution {
  parking: Parking;
  life: RunLifecycle;
  deps: RunDeps & { report?: ReportRunDeps };
}

export interface RunKindDef extends KindPolicy {
  runbookVersion: number;
  /** Who may start a run of this kind from chat. */
  startRole: Role;
  /** One active run of this kind per connector (a second is refused while the first runs). */
  exclusive: boolean;
  /** `pages`: where a stored report's table pages are read from (the outbox's view; absent, only the root is drawn). */
  view(run: Run, prefix: string, pages?: PageSource): RunView;
  execute(run: Run, x: Execution): Promise<void>;
}

export const RUN_KINDS: Record<RunKind, RunKindDef> = {
  test: {
    runbookVersion: TEST_RUNBOOK_VERSION,
    startRole: 'operator',
    exclusive: false,
    auditsStart: false,
    recordsResult: (run) => typeof run.params.name === 'string',
    view: (run) => runView(run),
    execute: (run, x) => executeTest(run, x.life, x.deps),
  },
  connect: {
    runbookVersion: CONNECT_RUNBOOK_VERSION,
    startRole: 'admin',
    exclusive: true,
    auditsStart: true,
    // A connect that did not pass saved no connector: there is nothing to record a result for.
    recordsResult: (run) => run.outcome?.reason === 'passed',
    view: (run) => runView(run),
    execute: (run, x) =>
      executeGuided(run, connectSteps(), guidedContext(run, undefined, x.deps), x.parking, x.life, x.deps),
  },
  rotate: {
    runbookVersion: ROTATE_RUNBOOK_VERSION,
    startRole: 'admin',
    exclusive: true,
    auditsStart: true,
    recordsResult: () => true,
    view: (run) => runView(run),
    execute: executeRotate,
  },
  report: {
    runbookVersion: 1,
    startRole: 'admin',
    exclusive: false,
    auditsStart: false,
    // A report records each connector's result as it is tested.
    recordsResult: () => false,
    view: (run, prefix, pages) => reportRunView(run, prefix, pages),
    execute: (run, x) => {
      if (!x.deps.report) throw new Error('report runs need the report dependencies');
      return executeReport(run, x.life, x.deps, x.deps.report);
    },
  },
  maintenance: {
    runbookVersion: MAINTENANCE_RUNBOOK_VERSION,
    startRole: 'admin',
    // Windows of one connector may not overlap: checked when one is scheduled (app/maintenance-commands.ts), so a
    // connector can have a window next week and another next month.
    exclusive: false,
    auditsStart: true,
    recordsResult: () => true,
    view: (run, prefix) => maintenanceRunView(run, prefix),
    execute: (run, x) => executeMaintenance(run, x.parking, x.life, x.deps),
  },
};

/** Rotate re-reads its connector at every wake-up: one deleted meanwhile ends the run and says so. */
async function executeRotate(run: Run, x: Execution): Promise<void> {
  const existing = await x.deps.connectors.get(run.connector);
  if (!existing) return x.life.end(run, runOutcome('connector-gone'));
  await executeGuided(run, rotateSteps(), guidedContext(run, existing, x.deps), x.parking, x.life, x.deps);
}

/** Every Run is built here: queued, no steps yet, at its kind's current runbook version. */
export function newRun(input: Omit<Parameters<typeof newRunRecord>[0], 'runbookVersion'>): Run {
  return newRunRecord({ ...input, runbookVersion: RUN_KINDS[input.kind].runbookVersion });
}
