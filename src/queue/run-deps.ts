/** What run executors need, injected by the composition root (src/services.ts). */
import type { Logger } from 'pino';
import type { Clock } from '../core/ports.js';
import type { ConnectorStore } from '../store/connectors.js';
import type { RunStore } from '../store/runs.js';
import type { StoredSecretReader } from '../store/secret-sources.js';
import type { TestContextFactory } from './execute-test.js';
import type { Queues } from './queues.js';

export interface RunDeps {
  runs: RunStore;
  connectors: ConnectorStore;
  queues: Queues;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  storedSecret?: StoredSecretReader;
  testContext: TestContextFactory;
  logger: Logger;
}
