/** What run executors need, injected by the composition root (src/services.ts). */
import type { Logger } from 'pino';
import type { TestTarget } from '../core/connector-spec.js';
import type { Clock } from '../core/ports.js';
import type { TestContext } from '../core/runbooks/checks/context.js';
import type { KeyInspection } from '../core/runbooks/checks/oauth-port.js';
import type { AuditLog } from '../store/audit.js';
import type { ConnectorStore } from '../store/connectors.js';
import type { DecisionStore } from '../store/decisions.js';
import type { HistoryStore } from '../store/history.js';
import type { MaintenanceStore } from '../store/maintenance.js';
import type { RunStore } from '../store/runs.js';
import type { StoredSecretReader } from '../store/secret-sources.js';
import type { Vault } from '../store/vault.js';
import type { Queues } from './queues.js';

/** Builds the context a test run's checks see, for one target. */
export type TestContextFactory = (target: TestTarget, facts: Record<string, unknown>) => TestContext;

/**
 * The parts of each store a run's worker uses. Narrow on purpose: the unit tests hand in-memory fakes of exactly
 * these (test/unit/helpers/), and the Redis classes fit them as they are.
 */
export type RunRecords = Pick<RunStore, 'get' | 'save' | 'releaseActive'> &
  Partial<Pick<RunStore, 'assertHeld'>>;
export type RunConnectors = Pick<ConnectorStore, 'get' | 'list' | 'saveCredential' | 'setLastResult'>;
export type RunDecisions = Pick<DecisionStore, 'get' | 'decide' | 'cancelledBy'>;
export type RunQueues = Pick<Queues, 'requestSync'>;
export type RunVault = Pick<Vault, 'get' | 'persist' | 'delete'>;

export interface RunDeps {
  runs: RunRecords;
  connectors: RunConnectors;
  queues: RunQueues;
  decisions: RunDecisions;
  audit: Pick<AuditLog, 'append'>;
  vault?: RunVault;
  clock: Clock;
  /** BullMQ's delays run on wall time; see LifecycleDeps.wallNow. */
  wallNow?: () => number;
  env: NodeJS.ProcessEnv;
  storedSecret?: StoredSecretReader;
  testContext: TestContextFactory;
  inspectKey: (text: string) => KeyInspection;
  /** Results of named tests join the connector's history (uptime in reports). */
  history?: Pick<HistoryStore, 'append'>;
  promptTtlMs?: number;
  approvalTtlMs?: number;
  /** Maintenance windows: tests and reports of a connector in one say so; maintenance runs read their signals. */
  maintenance?: MaintenanceStore;
  /** Align Bot's admins, mentioned when a maintenance run escalates. */
  admins?: string[];
  /** True once this worker process is stopping: runs hand their jobs back at their next step (run-lifecycle.ts). */
  stopping?: () => boolean;
  logger: Logger;
}
