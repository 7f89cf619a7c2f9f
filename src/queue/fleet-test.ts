/**
 * Tests many connectors at once with the test runbook: bounded concurrency, a cap per Jira host, each connector's
 * checks run in order exactly as `/align test` runs them. Shared by report runs, `align-bot report` and the
 * fleet benchmark. Secrets are resolved per connector, inside its slot, and dropped with it. Results are handed to
 * `onResult` as they land and never gathered here: memory follows the concurrency, not the fleet.
 */

import type { ConnectorSpec } from '../core/connector-spec.js';
import { diagnosedOf } from '../core/diagnosis-bot.js';
import { runPool } from '../core/pool.js';
import type { Clock } from '../core/ports.js';
import { type ConnectorResult, connectorResult } from '../core/report.js';
import { credentialExpiryCheck } from '../core/runbooks/checks/expiry.js';
import { type CheckResult, runChecks } from '../core/runbooks/checks/run-checks.js';
import { testChecks } from '../core/runbooks/test.js';
import { type SecretDeps, targetFor } from './resolve-target.js';
import type { TestContextFactory } from './run-deps.js';

export interface FleetDeps extends SecretDeps {
  testContext: TestContextFactory;
  clock: Clock;
}

export interface FleetOptions {
  concurrency: number;
  perHost: number;
  /** Called as each connector finishes (persist, observe); awaited before its slot frees. */
  onResult: (result: ConnectorResult, checks: CheckResult[]) => Promise<void> | void;
}

export function hostKey(spec: ConnectorSpec): string {
  try {
    return new URL(spec.jira.apiUrl ?? spec.jira.url).hostname.toLowerCase();
  } catch {
    return spec.jira.url;
  }
}

export async function testFleet(
  specs: ConnectorSpec[],
  deps: FleetDeps,
  options: FleetOptions,
): Promise<void> {
  await runPool(
    specs,
    { concurrency: options.concurrency, perKey: options.perHost, keyOf: hostKey },
    (spec) => testOne(spec, deps, options),
  );
}

async function testOne(spec: ConnectorSpec, deps: FleetDeps, options: FleetOptions): Promise<void> {
  const started = deps.clock.now();
  let checks: CheckResult[];
  try {
    const target = await targetFor(spec, deps);
    // The report lists expiring credentials in a section of their own; counting them as failures too would say it twice.
    const plan = testChecks(target).filter((c) => c.id !== credentialExpiryCheck.id);
    checks = await runChecks(plan, deps.testContext(target, {}));
  } catch (error) {
    // A bug in one check must not sink the whole report: record it as the bot's own failure. A credential that
    // cannot be decrypted is a diagnosis of its own.
    const diagnosed = diagnosedOf(error);
    checks = [
      {
        id: 'bot',
        title: 'The test ran to the end',
        status: 'fail',
        ...(diagnosed
          ? { code: diagnosed.diagnosis, detail: diagnosed.detail }
          : { detail: `The test stopped unexpectedly (${(error as Error).name}).` }),
        ms: 0,
      },
    ];
  }
  const now = deps.clock.now();
  const result = connectorResult(spec.name, hostKey(spec), checks, now, now - started);
  await options.onResult(result, checks);
}
