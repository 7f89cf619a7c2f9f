/**
 * Executes a maintenance run (issue 13) with the guided machinery: the steps of core/runbooks/maintenance.ts over
 * a context that reads the window as it stands (the CLI's start/end signal included, kept in facts.window for the
 * view), tests the connector with its stored credentials, and audits. The connector is re-read at every wake-up:
 * one deleted meanwhile ends the run and says so.
 */
import type { ConnectorSpec } from '../core/connector-spec.js';
import { paramsOf, windowTimes } from '../core/maintenance.js';
import { type Run, runOutcome } from '../core/run.js';
import { type MaintenanceContext, maintenanceSteps } from '../core/runbooks/maintenance.js';
import { executeGuided, type Parking } from './execute-guided.js';
import { guidedContext, targetChecks } from './guided-context.js';
import { targetFor } from './resolve-target.js';
import type { RunDeps } from './run-deps.js';
import type { RunLifecycle } from './run-lifecycle.js';

export async function executeMaintenance(
  run: Run,
  parking: Parking,
  life: RunLifecycle,
  deps: RunDeps,
): Promise<void> {
  const spec = await deps.connectors.get(run.connector);
  if (!spec) return life.end(run, runOutcome('connector-gone'));
  const ctx = maintenanceContext(run, spec, deps);
  // Every wake-up reads the window afresh, so the run (and the CLI waiting on it) sees a signal at once.
  await ctx.window();
  await executeGuided(run, maintenanceSteps(), ctx, parking, life, deps);
}

export function maintenanceContext(run: Run, spec: ConnectorSpec, deps: RunDeps): MaintenanceContext {
  const base = guidedContext(run, spec, deps);
  const ctx: MaintenanceContext = {
    ...base,
    spec,
    admins: deps.admins ?? [],
    async window() {
      const signal = await deps.maintenance?.signalOf(run.id);
      const w = windowTimes(paramsOf(run), signal, ctx.facts.deactivatedAt as number | undefined);
      ctx.facts.window = w;
      return w;
    },
    testConnector: async (only) => targetChecks(await targetFor(spec, deps), only, deps),
    audit: async (action, detail) => {
      await deps.audit
        .append({
          actor: run.requestedBy.id,
          action,
          outcome: 'ok',
          connector: run.connector,
          runId: run.id,
          ...(detail ? { detail } : {}),
        })
        .catch((error: Error) =>
          deps.logger.warn({ runId: run.id, err: { message: error.message } }, 'audit append failed'),
        );
    },
  };
  return ctx;
}
