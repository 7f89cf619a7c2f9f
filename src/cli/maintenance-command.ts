/**
 * `align-bot maintenance start|end <name> [--wait <minutes>]` (issue 13): an upgrade pipeline marks the real start
 * and end of a maintenance window that was scheduled in chat (`/align maintenance …`), and waits for the people
 * and the checks the window needs. Both talk to the bot through its Redis: they record a signal for the window's
 * run and wake its job; the worker does the rest and the chat thread shows it.
 *
 *   start  asks to Deactivate now (if not asked yet) and waits until someone confirmed it: 0 deactivated (go
 *          ahead), 1 not confirmed in time or the window ended otherwise.
 *   end    ends the window now and waits until Jira answers, someone activated the connector and the full test
 *          passed: 0 verified, 1 verification failed, still deactivated, or not done in time.
 *   Both: 2 on a usage or configuration error, no such connector, no open window, or a Redis that does not answer.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { effectiveWindow, phaseOf, type WindowRecord, windowText } from '../core/maintenance.js';
import { isTerminal, type Run } from '../core/run.js';
import { Queues } from '../queue/queues.js';
import { AuditLog } from '../store/audit.js';
import { ConnectorStore } from '../store/connectors.js';
import { loadConnectorsFile } from '../store/connectors-file.js';
import { MaintenanceStore, WINDOW_RETENTION_MS } from '../store/maintenance.js';
import type { RedisClient } from '../store/redis.js';
import { RedisKeys } from '../store/redis-keys.js';
import { RunStore } from '../store/runs.js';
import { action, type CliContext, EXIT, newCommand, wholeNumber } from './command.js';
import { connectOnce } from './redis-once.js';

type Edge = 'start' | 'end';

/** Who the signal and the audit name. */
const CLI_ACTOR = 'align-bot maintenance (CLI)';
const POLL_MS = 1000;
/** How long the CLI keeps waking the window's job until its run has read the signal. */
const SEEN_WITHIN_MS = 30_000;

export function maintenanceCli(ctx: CliContext): Command {
  const command = newCommand('maintenance', ctx)
    .description('start or end a maintenance window scheduled in chat, for upgrade pipelines')
    .addHelpText(
      'after',
      '\nSchedule the window in chat first: /align maintenance <name> --from <time> --until <time> [--tz Zone].',
    );
  for (const edge of ['start', 'end'] as const) command.addCommand(edgeCli(edge, ctx));
  return command;
}

function edgeCli(edge: Edge, ctx: CliContext): Command {
  const what =
    edge === 'start'
      ? 'the window begins now: Align Bot asks to Deactivate the connector and this waits until someone confirmed it'
      : 'the window ends now: Align Bot waits for Jira, asks to Activate and runs the full test; this waits for the verdict';
  return newCommand(edge, ctx, `align-bot maintenance ${edge}`)
    .description(what)
    .argument('<name>', 'the connector whose scheduled window this is')
    .option(
      '--wait <minutes>',
      'how long to wait for the outcome (0: record the signal and return)',
      wholeNumber(0, 1440),
      60,
    )
    .addHelpText(
      'after',
      edge === 'start'
        ? '\nExit code: 0 the connector is deactivated (go ahead), 1 not confirmed in time, 2 usage, configuration, no window or no Redis.'
        : '\nExit code: 0 the connector is active and verified, 1 verification failed or still deactivated or not in time, 2 usage, configuration, no window or no Redis.',
    )
    .action(action(ctx, (name: string, values: { wait: number }) => runEdge(edge, name, values.wait, ctx)));
}

interface World {
  redis: RedisClient;
  runs: RunStore;
  store: MaintenanceStore;
  queues: Queues;
  audit: AuditLog;
  connectors: ConnectorStore;
}

async function runEdge(edge: Edge, name: string, waitMin: number, ctx: CliContext): Promise<number> {
  const config = ctx.config();
  const world = await connect(config);
  if (!world) {
    ctx.io.err(
      `align-bot maintenance ${edge}: Redis did not answer (REDIS_URL); the bot's windows live there.`,
    );
    return EXIT.usage;
  }
  try {
    if (!(await world.connectors.exists(name))) {
      ctx.io.err(`align-bot maintenance ${edge}: no connector named “${name}”.`);
      return EXIT.usage;
    }
    const window = await openWindow(world.store, name);
    if (!window) {
      ctx.io.err(
        `align-bot maintenance ${edge}: ${name} has no open maintenance window. Schedule one in chat first: /align maintenance ${name} --from <time> --until <time> [--tz Zone].`,
      );
      return EXIT.usage;
    }
    const runId = window.run.id;
    await world.store.signal(runId, edge, Date.now(), CLI_ACTOR);
    await wakeUntilSeen(world, runId, edge);
    await world.audit
      .append({ actor: CLI_ACTOR, action: `maintenance ${edge}`, outcome: 'ok', connector: name, runId })
      .catch(() => undefined);
    ctx.io.out(
      `Maintenance window ${runId} of ${name} (${windowText(effectiveWindow(window))}): ${edge} recorded.`,
    );
    if (waitMin === 0) return EXIT.ok;
    ctx.io.out(
      edge === 'start'
        ? `Waiting up to ${waitMin} min for someone to confirm Deactivate in chat…`
        : `Waiting up to ${waitMin} min for Jira, Activate and the full test…`,
    );
    return await watch(edge, runId, world.runs, Date.now() + waitMin * 60_000, ctx);
  } finally {
    await world.queues.close().catch(() => undefined);
    world.redis.disconnect();
  }
}

/**
 * Wakes the window's job until its run has read the signal. A job that is running right now cannot be promoted,
 * and would otherwise park until its old deadline without seeing the signal.
 */
async function wakeUntilSeen(world: World, runId: string, edge: Edge): Promise<void> {
  const deadline = Date.now() + SEEN_WITHIN_MS;
  while (Date.now() < deadline) {
    const run = await world.runs.get(runId);
    const seen = run?.facts.window as { startedBy?: string; endedBy?: string } | undefined;
    if (!run || isTerminal(run.state) || (edge === 'start' ? seen?.startedBy : seen?.endedBy)) return;
    const job = await world.queues.runs.getJob(runId);
    if (job && (await job.getState()) === 'delayed') await job.promote().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function connect(config: Config): Promise<World | undefined> {
  const redis = await connectOnce(config.redisUrl);
  if (!redis) return undefined;
  const keys = new RedisKeys(config.redisPrefix);
  const runs = new RunStore(redis, keys);
  const fileSpecs = config.connectorsFile ? loadConnectorsFile(config.connectorsFile) : [];
  return {
    redis,
    runs,
    store: new MaintenanceStore(redis, keys, runs),
    queues: new Queues(redis, config.redisPrefix),
    audit: new AuditLog(redis, keys),
    connectors: new ConnectorStore(redis, keys, fileSpecs),
  };
}

/** The connector's window that is under way or next: the open one that begins first. */
async function openWindow(store: MaintenanceStore, name: string): Promise<WindowRecord | undefined> {
  const open = (await store.windows(Date.now() - WINDOW_RETENTION_MS)).filter(
    (w) => w.run.connector === name && !isTerminal(w.run.state),
  );
  return open.sort((a, b) => effectiveWindow(a).from - effectiveWindow(b).from)[0];
}

async function watch(edge: Edge, runId: string, runs: RunStore, deadline: number, ctx: CliContext) {
  let phase = 'unknown';
  while (Date.now() < deadline) {
    const run = await runs.get(runId);
    if (!run) {
      ctx.io.err(`Maintenance window ${runId} is gone.`);
      return EXIT.failed;
    }
    phase = phaseOf(run);
    const verdict = edge === 'start' ? started(run) : ended(run);
    if (verdict) {
      (verdict.code === EXIT.ok ? ctx.io.out : ctx.io.err)(verdict.text);
      return verdict.code;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  ctx.io.err(`Not done in time: the window is at “${phase}”; it goes on in chat.`);
  return EXIT.failed;
}

type Verdict = { code: number; text: string } | undefined;

function step(run: Run, id: string) {
  return run.steps.find((s) => s.id === id);
}

function started(run: Run): Verdict {
  const deactivate = step(run, 'deactivate');
  if (deactivate?.status === 'pass')
    return { code: EXIT.ok, text: `${run.connector} is deactivated: go ahead with the maintenance.` };
  if (deactivate?.status === 'warn')
    return {
      code: EXIT.failed,
      text: `Deactivate was not confirmed before the window began: ${deactivate.detail ?? ''}`,
    };
  if (isTerminal(run.state))
    return { code: EXIT.failed, text: `The window ended (${phaseOf(run)}) before Deactivate was confirmed.` };
  return undefined;
}

function ended(run: Run): Verdict {
  if (run.state === 'succeeded')
    return {
      code: EXIT.ok,
      text: `${run.connector} is active again and verified: ${step(run, 'verify')?.detail ?? ''}`,
    };
  const failure = (run.failures ?? []).find((f) => f.stepId === 'verify');
  if (failure)
    return {
      code: EXIT.failed,
      text: `Verification failed: ${failure.code} (${failure.title}). Fix it and click “Check again” in chat; the window stays open.`,
    };
  if (isTerminal(run.state)) {
    const failed = run.steps.find((s) => s.status === 'fail');
    return {
      code: EXIT.failed,
      text: `The window ended ${phaseOf(run)}${failed?.code ? ` (${failed.code}: ${failed.detail ?? failed.title})` : ''}.`,
    };
  }
  return undefined;
}
