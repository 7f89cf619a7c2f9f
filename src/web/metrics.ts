/**
 * Prometheus metrics (prom-client) at `/metrics`, on the internal listener only (internal-server.ts), never on the
 * public port: the fleet gauges name connectors and credential expiry dates.
 *
 * Two kinds, because web and workers may run as separate processes:
 * - Fleet state is read from Redis at scrape time by the web process: connector up/down and last-result time
 *   (the last result every test or report run records), credential expiry, and queue depths. Any process can
 *   write it, so one scrape of the web process sees it all, and nothing is counted twice.
 * - Events happen inside the process that does the work and are counted there: check durations, finished runs by
 *   kind and state, chat deliveries and 429s, plus the default process metrics. In `start` (one process) its one internal
 *   listener shows them. A separate `align-bot worker` serves its own when `ALIGN_BOT_METRICS_PORT` is set; scrape
 *   each worker and sum in PromQL. Keeping counters in-process avoids a Redis write per check on the hot path.
 */
import type { Queue, Worker } from 'bullmq';
import type { Router } from 'express';
import type { Logger } from 'pino';
import client from 'prom-client';
import { isTerminal, type Run } from '../core/run.js';
import type { CheckResult } from '../core/runbooks/checks/run-checks.js';
import type { DeliveryEvent } from '../queue/outbox.js';
import type { ConnectorStore } from '../store/connectors.js';
import type { RunStore } from '../store/runs.js';
import { type InternalServer, startInternalServer } from './internal-server.js';

const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = client;

/** What this process did: one instance per process, shared by its web and worker parts. */
export class ProcessMetrics {
  readonly registry = new Registry();
  readonly checkSeconds = new Histogram({
    name: 'align_bot_check_duration_seconds',
    help: 'Duration of one connector check, by check id and outcome.',
    labelNames: ['check', 'status'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly runs = new Counter({
    name: 'align_bot_runs_total',
    help: 'Runs a worker finished, by kind and final state (error: the job failed for good).',
    labelNames: ['kind', 'state'] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'align_bot_chat_deliveries_total',
    help: 'Chat writes by the outbox, by platform and event (post, update, failed; lookup, found: a post of unknown outcome looked up and found; unresolved: not posted a third time).',
    labelNames: ['platform', 'event'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'align_bot_chat_rate_limited_total',
    help: 'Chat calls answered 429 (rate limited) by the platform.',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  readonly onDelivery = (event: DeliveryEvent, platform: string): void => {
    if (event === 'rate_limited') this.rateLimited.inc({ platform });
    else this.deliveries.inc({ platform, event });
  };

  readonly observeChecks = (checks: CheckResult[]): void => {
    for (const c of checks) {
      if (c.status !== 'skip') this.checkSeconds.observe({ check: c.id, status: c.status }, c.ms / 1000);
    }
  };

  /** Counts runs as the runs worker finishes them; a test run's steps feed the check histogram. */
  watchRunWorker(worker: Worker<{ runId: string }>, runs: RunStore): void {
    worker.on('completed', (job) => {
      void runs.get(job.data.runId).then(
        (run) => (run && isTerminal(run.state) ? this.finished(run) : undefined),
        () => undefined,
      );
    });
    worker.on('failed', (job) => {
      if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      void runs.get(job.data.runId).then(
        (run) => this.runs.inc({ kind: run?.kind ?? 'unknown', state: 'error' }),
        () => undefined,
      );
    });
  }

  private finished(run: Run): void {
    this.runs.inc({ kind: run.kind, state: run.state });
    if (run.kind === 'report') return;
    for (const step of run.steps) {
      if (step.startedAt === undefined || step.endedAt === undefined || step.status === 'skip') continue;
      if (step.status === 'pass' || step.status === 'warn' || step.status === 'fail') {
        this.checkSeconds.observe(
          { check: step.id, status: step.status },
          (step.endedAt - step.startedAt) / 1000,
        );
      }
    }
  }
}

let instance: ProcessMetrics | undefined;

export function processMetrics(): ProcessMetrics {
  instance ??= new ProcessMetrics();
  return instance;
}

export interface FleetSources {
  connectors: ConnectorStore;
  queues: Array<Pick<Queue, 'name' | 'getJobCounts'>>;
}

/** Gauges computed from Redis at scrape time; the gauges of one scrape share one read. */
export function fleetRegistry(sources: FleetSources): client.Registry {
  const registry = new Registry();
  const load = cached(250, async () => {
    const specs = await sources.connectors.list();
    const last = await sources.connectors.lastResults(specs.map((s) => s.name));
    return { specs, last };
  });
  new Gauge({
    name: 'align_bot_connector_up',
    help: '1 when the connector’s last test or report passed, 0 when it failed.',
    labelNames: ['connector'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const { specs, last } = await load();
      for (const spec of specs) {
        const result = last.get(spec.name);
        if (result) this.set({ connector: spec.name }, result.state === 'succeeded' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'align_bot_connector_last_result_timestamp_seconds',
    help: 'When the connector was last tested.',
    labelNames: ['connector'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const { last } = await load();
      for (const [name, result] of last) this.set({ connector: name }, result.at / 1000);
    },
  });
  new Gauge({
    name: 'align_bot_credential_expiry_timestamp_seconds',
    help: 'When the connector’s credential expires, where recorded (tokenExpiresAt).',
    labelNames: ['connector'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const { specs } = await load();
      for (const spec of specs) {
        const at = spec.tokenExpiresAt ? Date.parse(spec.tokenExpiresAt) : Number.NaN;
        if (!Number.isNaN(at)) this.set({ connector: spec.name }, at / 1000);
      }
    },
  });
  new Gauge({
    name: 'align_bot_queue_jobs',
    help: 'Jobs per BullMQ queue and state.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of sources.queues) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
      }
    },
  });
  return registry;
}

/**
 * GET /metrics on an internal listener: what this process did, plus the fleet state from Redis when this process
 * runs the web part (`sources`).
 */
export function mountMetrics(routes: Router, sources: FleetSources | undefined, logger: Logger): void {
  const own = processMetrics().registry;
  const registry = sources ? Registry.merge([own, fleetRegistry(sources)]) : own;
  routes.get('/metrics', async (_req, res) => {
    try {
      const body = await registry.metrics();
      res.type(registry.contentType).send(body);
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'metrics scrape failed');
      res.status(503).type('text/plain').send('metrics unavailable');
    }
  });
}

/** A separate worker's own /metrics, when ALIGN_BOT_METRICS_PORT is set. */
export async function startWorkerMetrics(
  wanted: number | undefined,
  logger: Logger,
  host?: string,
): Promise<InternalServer | undefined> {
  if (wanted === undefined) return undefined;
  const internal = await startInternalServer({ port: wanted, logger, ...(host ? { host } : {}) });
  mountMetrics(internal.routes, undefined, logger);
  return internal;
}

function cached<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let at = 0;
  let value: Promise<T> | undefined;
  return () => {
    const now = Date.now();
    if (!value || now - at > ttlMs) {
      at = now;
      value = load();
      value.catch(() => {
        value = undefined;
      });
    }
    return value;
  };
}
