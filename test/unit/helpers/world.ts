/**
 * A whole bot in memory: the ack path (CommandService), the run processor and the outbox wired to FakeChat, the
 * in-memory stores, FakeQueues and FakeHttp — no Redis, no sockets, no chat platform's code. A test types a command,
 * lets the workers run (`work`), and reads what FakeChat was sent. By default every sync request is delivered at
 * once, so each saved step redraws the root message as it would within a second in production.
 */
import { CommandService } from '../../../src/app/command-service.js';
import { inspectPublicKey } from '../../../src/atlassian/rsa-keys.js';
import type { RolePolicy } from '../../../src/core/authz.js';
import type { ConnectorSpec } from '../../../src/core/connector-spec.js';
import type { Conversation, Person } from '../../../src/core/run.js';
import { DEFAULT_LIMITS } from '../../../src/core/runbooks/checks/context.js';
import type { MessageView } from '../../../src/core/views/view.js';
import { createLogger } from '../../../src/logger.js';
import { type OutboxDeps, syncRun } from '../../../src/queue/outbox.js';
import type { RunDeps, TestContextFactory } from '../../../src/queue/run-deps.js';
import { RUN_KINDS } from '../../../src/queue/run-kinds.js';
import { RunLifecycle } from '../../../src/queue/run-lifecycle.js';
import { runProcessor } from '../../../src/queue/run-worker.js';
import { ManualClock } from './clock.js';
import { FakeChat } from './fake-chat.js';
import { FakeEgress, FakeHttp, GATEWAY_URL } from './fake-http.js';
import { FakeQueues } from './fake-queues.js';
import {
  MemoryAuditLog,
  MemoryConnectorStore,
  MemoryDecisionStore,
  MemoryDeliveryStore,
  MemoryHistoryStore,
  MemoryPacer,
  MemoryRunStore,
} from './memory-stores.js';

export const ADMIN = 'U-ADMIN';
export const OPERATOR = 'U-OPERATOR';
export const APPROVER = 'U-APPROVER';
export const CHANNEL = 'C-UNIT';

export const POLICY: RolePolicy = { operators: [OPERATOR], admins: [ADMIN], approvers: [APPROVER] };

export interface WorldOptions {
  connectors?: ConnectorSpec[];
  /** The environment secrets are read from (connector secrets name variables). */
  env?: Record<string, string>;
  policy?: RolePolicy;
  /** false: sync requests wait in FakeQueues until the test delivers them (`deliverPending`). */
  liveOutbox?: boolean;
}

export type World = ReturnType<typeof createWorld>;

export function createWorld(options: WorldOptions = {}) {
  const clock = new ManualClock();
  const logger = createLogger('silent');
  const chat = new FakeChat();
  const http = new FakeHttp();
  const runs = new MemoryRunStore(clock);
  const connectors = new MemoryConnectorStore(options.connectors);
  const decisions = new MemoryDecisionStore();
  const deliveries = new MemoryDeliveryStore();
  const audit = new MemoryAuditLog(clock);
  const history = new MemoryHistoryStore();
  const pacer = new MemoryPacer(clock);
  const queues = new FakeQueues();

  const testContext: TestContextFactory = (target, facts) => ({
    target,
    http,
    egress: new FakeEgress(),
    clock,
    limits: DEFAULT_LIMITS,
    gatewayUrl: GATEWAY_URL,
    facts,
    deadline: clock.now() + DEFAULT_LIMITS.totalMs,
    now: () => clock.now(),
  });
  const runDeps: RunDeps = {
    runs,
    connectors,
    queues,
    decisions,
    audit,
    clock,
    // BullMQ's delays, faked: they run on the test's clock too.
    wallNow: () => clock.now(),
    env: { ...options.env },
    testContext,
    inspectKey: inspectPublicKey,
    history,
    logger,
  };
  const outbox: OutboxDeps = {
    runs,
    deliveries,
    pacer,
    chatFor: (platform) => (platform === chat.platform ? chat : undefined),
    viewOf: (run, prefix) => RUN_KINDS[run.kind].view(run, prefix),
    logger,
  };
  if (options.liveOutbox !== false) queues.deliver = (runId) => syncRun(runId, outbox);
  const commands = new CommandService({
    runs,
    queues,
    connectors,
    audit,
    decisions,
    policy: options.policy ?? POLICY,
    logger,
  });
  const processor = runProcessor(runDeps);

  return {
    clock,
    chat,
    http,
    runs,
    connectors,
    decisions,
    deliveries,
    audit,
    history,
    pacer,
    queues,
    runDeps,
    outbox,
    commands,
    processor,
    life: new RunLifecycle(runDeps, RUN_KINDS),

    person(id: string): Person {
      return { platform: chat.platform, id };
    },

    conversation(channel = CHANNEL): Conversation {
      return { platform: chat.platform, channel };
    },

    /** A command as a platform's ingress hands it over: the text after the bot's name, who, where. */
    command(text: string, user = ADMIN, channel = CHANNEL): Promise<MessageView> {
      return commands.handle({
        text,
        user: { platform: chat.platform, id: user },
        conversation: { platform: chat.platform, channel },
        prefix: chat.commandPrefix,
      });
    },

    /** The workers: every waiting job runs until none waits (parked ones stay parked). */
    work(): Promise<number> {
      return queues.drain(processor);
    },

    /** With `liveOutbox: false`: delivers the sync requests waiting so far. */
    async deliverPending(): Promise<void> {
      for (const runId of queues.takeSyncs()) await syncRun(runId, outbox);
    },
  };
}

/** The run id in an ack ("Run r-… queued: …"). */
export function runIdOf(ack: MessageView): string {
  const id = /Run (r-[a-z0-9]+) queued/.exec(ack.text)?.[1];
  if (!id) throw new Error(`not a queued ack: ${ack.text}`);
  return id;
}
