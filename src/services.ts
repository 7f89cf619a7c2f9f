/**
 * The composition root: builds adapters from config and injects them. `web` and `worker` each take what they
 * need; `start` runs both in one process.
 */
import { Worker } from 'bullmq';
import type { Router } from 'express';
import type { Logger } from 'pino';
import { ActionService } from './app/action-service.js';
import { CommandService } from './app/command-service.js';
import { MaintenanceCommands } from './app/maintenance-commands.js';
import { ReportCommands } from './app/report-commands.js';
import { EgressGuard } from './atlassian/egress.js';
import { GuardedHttpClient } from './atlassian/http.js';
import { NodeOAuth } from './atlassian/oauth-adapter.js';
import { inspectPublicKey } from './atlassian/rsa-keys.js';
import type { ChatPlatform, Ingress } from './chat/platform.js';
import { PLATFORMS } from './chat/platforms.js';
import type { ChatPort } from './chat/port.js';
import { type Config, ConfigError, DEFAULT_METRICS_PORT } from './config.js';
import type { ConnectorSpec } from './core/connector-spec.js';
import { type Clock, systemClock } from './core/ports.js';
import { DEFAULT_LIMITS } from './core/runbooks/checks/context.js';
import { OUTBOX_QUEUE, RUNS_QUEUE } from './queue/names.js';
import { outboxProcessor } from './queue/outbox.js';
import { Pacer } from './queue/pacer.js';
import { Queues } from './queue/queues.js';
import { ReportScheduler, startReportTriggers } from './queue/report-scheduler.js';
import type { TestContextFactory } from './queue/run-deps.js';
import { RUN_KINDS } from './queue/run-kinds.js';
import { RunLifecycle } from './queue/run-lifecycle.js';
import { RunSweeper } from './queue/run-sweeper.js';
import { runProcessor } from './queue/run-worker.js';
import { ActiveJobs, stopBudget, stopWorkers } from './queue/worker-stop.js';
import { AuditLog } from './store/audit.js';
import { ConnectorStore } from './store/connectors.js';
import { loadConnectorsFile } from './store/connectors-file.js';
import { DecisionStore } from './store/decisions.js';
import { DeliveryStore } from './store/delivery.js';
import { FormStore } from './store/forms.js';
import { Heartbeats, startHeartbeat } from './store/heartbeats.js';
import { HistoryStore } from './store/history.js';
import { MaintenanceStore } from './store/maintenance.js';
import {
  createRedis,
  evictionPolicyWarning,
  missingDatabase,
  missingDatabaseProblem,
  type RedisClient,
  waitReady,
} from './store/redis.js';
import { RedisKeys } from './store/redis-keys.js';
import { describeRedisTarget, parseRedisUrl, REDIS_URL_FORMS } from './store/redis-url.js';
import { ReportStateStore } from './store/report-state.js';
import { RunStore } from './store/runs.js';
import { Vault } from './store/vault.js';
import { type InternalServer, startInternalServer } from './web/internal-server.js';
import { mountMetrics, processMetrics } from './web/metrics.js';
import { mountQueueDashboard } from './web/queue-dashboard.js';
import { readiness } from './web/readiness.js';
import { secretFormRouter } from './web/secret-form.js';
import { createWebServer, listen } from './web/server.js';

export interface Infra {
  config: Config;
  logger: Logger;
  keys: RedisKeys;
  redis: RedisClient;
  runs: RunStore;
  deliveries: DeliveryStore;
  connectors: ConnectorStore;
  audit: AuditLog;
  queues: Queues;
  decisions: DecisionStore;
  forms: FormStore;
  vault?: Vault;
  maintenance: MaintenanceStore;
  /** The clock runs see (system time; tests drive maintenance windows with their own). */
  clock: Clock;
  close(): Promise<void>;
}

/** `loaded`: the connectors file's specs, when the caller read it already (`start` reads it once for both parts). */
export async function connectInfra(
  config: Config,
  logger: Logger,
  role: 'web' | 'worker',
  loaded?: ConnectorSpec[],
): Promise<Infra> {
  // Read first: a broken file stops the start before any connection is open.
  const fileSpecs = loaded ?? (config.connectorsFile ? loadConnectorsFile(config.connectorsFile) : []);
  const redis = createRedis(config.redisUrl, role);
  let lastError: string | undefined;
  redis.on('error', (error) => {
    lastError = error.message;
    logger.warn({ err: { message: error.message } }, 'redis connection error');
  });
  await waitReady(redis).catch((error: Error) => {
    redis.disconnect();
    throw redisUnreachable(config.redisUrl, lastError ?? error.message);
  });
  const missing = await missingDatabase(redis, config.redisUrl);
  if (missing !== undefined) {
    redis.disconnect();
    throw new ConfigError([missingDatabaseProblem(missing)]);
  }
  const warning = await evictionPolicyWarning(redis);
  if (warning) logger.warn(`IMPORTANT: ${warning}`);
  const keys = new RedisKeys(config.redisPrefix);
  const queues = new Queues(redis, config.redisPrefix, logger);
  const runs = new RunStore(redis, keys);
  return {
    config,
    logger,
    keys,
    redis,
    runs,
    deliveries: new DeliveryStore(redis, keys),
    connectors: new ConnectorStore(redis, keys, fileSpecs),
    audit: new AuditLog(redis, keys),
    queues,
    decisions: new DecisionStore(redis, keys),
    forms: new FormStore(redis, keys),
    ...(config.masterKeys.length > 0 ? { vault: new Vault(redis, keys, config.masterKeys) } : {}),
    maintenance: new MaintenanceStore(redis, keys, runs),
    clock: systemClock,
    async close() {
      await queues.close();
      redis.disconnect();
    },
  };
}

/** Names REDIS_URL, without its credentials, and how to fix it. */
function redisUnreachable(url: string, reason: string): ConfigError {
  const where = describeRedisTarget(parseRedisUrl(url));
  return new ConfigError([
    `REDIS_URL: no Redis answers on ${where} (${reason.slice(0, 200)}) — start Redis there, or fix REDIS_URL (${REDIS_URL_FORMS})`,
  ]);
}

export function createHttp(config: Config) {
  const guard = new EgressGuard(config.egress);
  const http = new GuardedHttpClient({ guard, defaultTimeoutMs: config.limits.requestMs });
  return { guard, http };
}

export function testContextFactory(config: Config, deps = createHttp(config)): TestContextFactory {
  const oauth = new NodeOAuth();
  return (target, facts) => {
    const now = systemClock.now();
    return {
      target,
      http: deps.http,
      egress: deps.guard,
      clock: systemClock,
      limits: { ...DEFAULT_LIMITS, requestMs: config.limits.requestMs, totalMs: config.limits.totalMs },
      gatewayUrl: config.atlassianApiUrl,
      oauth,
      facts,
      deadline: now + config.limits.totalMs,
      now: () => systemClock.now(),
    };
  };
}

/** The configured chat platforms' bundles, loaded once per process. */
async function configuredPlatforms(
  config: Config,
): Promise<Array<{ platform: ChatPlatform<unknown>; settings: unknown }>> {
  const out = [];
  for (const entry of PLATFORMS) {
    if (!(entry.id in config.platforms)) continue;
    out.push({ platform: await entry.load(), settings: config.platforms[entry.id] });
  }
  return out;
}

/** A ChatPort per configured platform, keyed by platform id, for the outbox. */
export async function chatPorts(infra: Infra): Promise<Record<string, ChatPort>> {
  const ports: Record<string, ChatPort> = {};
  for (const { platform, settings } of await configuredPlatforms(infra.config)) {
    ports[platform.id] = platform.chat(settings, {
      redis: infra.redis,
      keys: infra.keys,
      logger: infra.logger,
      roles: infra.config.roles,
    });
  }
  return ports;
}

export interface Stoppable {
  /**
   * The first phase of a stop (SIGTERM), before anything closes: a web part answers "restarting", workers hand
   * their runs back within their budget (src/queue/worker-stop.ts).
   */
  drain?(): Promise<void>;
  close(): Promise<void>;
}

export async function startWorkers(infra: Infra, chat?: Record<string, ChatPort>): Promise<Stoppable> {
  const ports = chat ?? (await chatPorts(infra));
  const { config, logger } = infra;
  const connection = infra.redis;
  const metrics = processMetrics();
  const reports = config.reports;
  const history = new HistoryStore(connection, infra.keys, reports.retentionDays);
  let stopping = false;
  const runDeps = {
    runs: infra.runs,
    connectors: infra.connectors,
    queues: infra.queues,
    decisions: infra.decisions,
    audit: infra.audit,
    ...(infra.vault ? { vault: infra.vault, storedSecret: (id: string) => infra.vault!.get(id) } : {}),
    clock: infra.clock,
    env: process.env,
    testContext: testContextFactory(config),
    inspectKey: inspectPublicKey,
    promptTtlMs: config.promptTtlMs,
    approvalTtlMs: config.approvals.ttlMs,
    history,
    maintenance: infra.maintenance,
    admins: config.roles.admins,
    stopping: () => stopping,
    logger,
  };
  const reportState = new ReportStateStore(connection, infra.keys);
  const runsActive = new ActiveJobs();
  logger.info(
    {
      concurrency: config.worker.concurrency,
      lockMs: config.worker.lockMs,
      stalledMs: config.worker.stalledMs,
    },
    'worker taking jobs',
  );
  const runs = new Worker(
    RUNS_QUEUE,
    runsActive.track(
      runProcessor({
        ...runDeps,
        report: {
          history,
          state: reportState,
          settings: reports,
          observeChecks: metrics.observeChecks,
        },
      }),
    ),
    {
      connection,
      prefix: config.redisPrefix,
      concurrency: config.worker.concurrency,
      lockDuration: config.worker.lockMs,
      stalledInterval: config.worker.stalledMs,
      maxStalledCount: 2,
    },
  );
  const outbox = new Worker(
    OUTBOX_QUEUE,
    outboxProcessor({
      runs: infra.runs,
      deliveries: infra.deliveries,
      pacer: new Pacer(connection, infra.keys),
      chatFor: (platform) => ports[platform],
      viewOf: (run, prefix) =>
        RUN_KINDS[run.kind].view(run, prefix, (runId, page) => reportState.page(runId, page)),
      logger,
      onDelivery: metrics.onDelivery,
    }),
    {
      connection,
      prefix: config.redisPrefix,
      concurrency: 20,
      // Deliveries take milliseconds: a short lock lets another worker take over quickly after a crash.
      lockDuration: Math.min(config.worker.lockMs, 10_000),
      stalledInterval: Math.min(config.worker.stalledMs, 5_000),
    },
  );
  for (const worker of [runs, outbox]) {
    worker.on('error', (error) => logger.warn({ err: { message: error.message } }, 'worker error'));
    worker.on('failed', (job, error) =>
      logger.warn({ queue: worker.name, jobId: job?.id, err: { message: error.message } }, 'job failed'),
    );
  }
  metrics.watchRunWorker(runs, infra.runs);
  const triggers = await startReportTriggers({ ...infra, prefix: config.redisPrefix });
  const sweeper = new RunSweeper({ ...runDeps, life: new RunLifecycle(runDeps, RUN_KINDS) });
  sweeper.start();
  const heartbeat = startHeartbeat(new Heartbeats(connection, infra.keys), logger);
  let drained: Promise<void> | undefined;
  const drain = () => {
    drained ??= (async () => {
      sweeper.stop();
      await stopWorkers({
        runs,
        runsActive,
        others: [outbox],
        requestStop: () => {
          stopping = true;
        },
        budget: stopBudget(config.limits),
        logger,
      });
      await Promise.all([heartbeat.stop(), triggers.close()]);
    })();
    return drained;
  };
  return {
    drain,
    async close() {
      await drain();
    },
  };
}

/** The process's internal listener (/metrics) on the configured or default port. */
export function startInternal(config: Config, logger: Logger): Promise<InternalServer> {
  return startInternalServer({
    port: config.metricsPort ?? DEFAULT_METRICS_PORT,
    host: config.metricsHost,
    logger,
  });
}

export interface WebOptions {
  /** The process's internal listener for /metrics; without it the web starts one of its own. */
  internal?: InternalServer;
  /** Address to listen on (all interfaces by default; the sandbox uses 127.0.0.1). */
  host?: string;
  /** More routes, after the bot's own (the sandbox console). */
  mount?: (routes: Router) => Stoppable | { close(): void };
}

/**
 * The public listener on `port`, and /metrics (with the fleet state) on the internal listener: the process's one
 * when given, else one of its own.
 */
export async function startWeb(
  infra: Infra,
  port: number,
  options: WebOptions = {},
): Promise<Stoppable & { port: number; internal: InternalServer }> {
  const { config, logger } = infra;
  const scheduler = new ReportScheduler(infra.redis, infra.keys, config.redisPrefix, logger);
  const commands = new CommandService({
    runs: infra.runs,
    queues: infra.queues,
    connectors: infra.connectors,
    audit: infra.audit,
    decisions: infra.decisions,
    policy: config.roles,
    logger,
    deliveries: infra.deliveries,
    reports: new ReportCommands({ ...infra, scheduler, settings: config.reports, logger }),
    maintenance: new MaintenanceCommands({
      ...infra,
      store: infra.maintenance,
      settings: config.maintenance,
      policy: config.roles,
    }),
  });
  const publicUrl = { value: config.publicUrl ?? `http://localhost:${port}` };
  const actions = new ActionService({
    runs: infra.runs,
    decisions: infra.decisions,
    forms: infra.forms,
    queues: infra.queues,
    audit: infra.audit,
    roles: config.roles,
    approvals: { approvers: config.roles.approvers, allowSelfApproval: config.approvals.allowSelfApproval },
    get publicUrl() {
      return publicUrl.value;
    },
    logger,
  });
  const { server, routes, endpoints } = createWebServer({ logger });
  const ingresses: Ingress[] = [];
  try {
    for (const { platform, settings } of await configuredPlatforms(config)) {
      const ingress = await platform.ingress(settings, {
        commands,
        actions,
        roles: config.roles,
        audit: infra.audit,
        redis: infra.redis,
        keys: infra.keys,
        logger,
      });
      for (const [path, listener] of Object.entries(ingress.routes)) endpoints.set(path, listener);
      ingresses.push(ingress);
    }
  } catch (error) {
    // A platform that cannot start (a refused credential) stops the start: close what is already open.
    await Promise.all([...ingresses.map((ingress) => ingress.close()), scheduler.close()]).catch(
      () => undefined,
    );
    throw error;
  }
  routes.use(
    secretFormRouter({
      forms: infra.forms,
      runs: infra.runs,
      ...(infra.vault ? { vault: infra.vault } : {}),
      decisions: infra.decisions,
      queues: infra.queues,
      audit: infra.audit,
      logger,
      secureCookies: (config.publicUrl ?? '').startsWith('https:'),
    }),
  );
  routes.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  const heartbeats = new Heartbeats(infra.redis, infra.keys);
  let restarting = false;
  routes.get('/readyz', async (_req, res) => {
    if (restarting) {
      res.status(503).type('text/plain').send('not ready: restarting\n');
      return;
    }
    const state = await readiness({
      redis: infra.redis,
      heartbeats,
      requireWorker: config.readyRequiresWorker,
    });
    res
      .status(state.ready ? 200 : 503)
      .type('text/plain')
      .send(`${state.text}\n`);
  });
  const ownInternal = options.internal ? undefined : await startInternal(config, logger);
  const metricsOn = (options.internal ?? ownInternal)!;
  const queues = [infra.queues.runs, infra.queues.outbox, scheduler.queue];
  mountMetrics(metricsOn.routes, { connectors: infra.connectors, queues }, logger);
  mountQueueDashboard(metricsOn.routes, {
    queues,
    ...(config.admin ? { admin: config.admin } : {}),
    logger,
  });
  const mounted = options.mount?.(routes);
  const bound = await listen(server, port, options.host).catch(async (error: Error) => {
    await ownInternal?.close();
    throw error;
  });
  if (!config.publicUrl) publicUrl.value = `http://localhost:${bound}`;
  if (!infra.vault)
    logger.warn(
      'ALIGN_BOT_MASTER_KEY is not set: connect and rotate cannot take credentials through the secret form.',
    );
  logger.info({ port: bound }, 'web listening');
  return {
    port: bound,
    internal: metricsOn,
    async drain() {
      restarting = true;
      commands.refuseWhileRestarting();
    },
    async close() {
      await Promise.all(ingresses.map((ingress) => ingress.close()));
      await mounted?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ownInternal?.close();
      await scheduler.close();
    },
  };
}
