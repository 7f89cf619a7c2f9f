/**
 * `start` (web + worker), `web`, `worker` and `sandbox`. Without Slack credentials `start` runs the sandbox.
 * One internal listener (/metrics) per process: always with a web part, for a lone worker when its port is set.
 * Shuts down gracefully on SIGTERM and SIGINT — the web keeps answering ("restarting") while the workers hand their
 * runs back, then everything closes and the process exits 0; an unhandled rejection is logged, never fatal
 * (process-guards.ts).
 */
import type { Logger } from 'pino';
import { type Config, ConfigError, DEFAULT_METRICS_PORT } from '../config.js';
import { paceHeapGrowth } from '../heap-pacing.js';
import { installProcessGuards } from '../process-guards.js';
import { stopBudget } from '../queue/worker-stop.js';
import { type Sandbox, startSandbox } from '../sandbox/sandbox.js';
import { playgroundCommand } from '../sandbox/teams-sandbox.js';
import { connectInfra, type Stoppable, startInternal, startWeb, startWorkers } from '../services.js';
import { loadConnectorsFileOffThread } from '../store/connectors-file-thread.js';
import { mountConsole } from '../web/console/index.js';
import { startWorkerMetrics } from '../web/metrics.js';
import { answersPing, type RedisHandle, startPrivateRedis } from './private-redis.js';

export type Mode = 'start' | 'web' | 'worker' | 'sandbox';

export async function runServer(mode: Mode, base: Config, logger: Logger): Promise<Stoppable> {
  installProcessGuards(logger);
  paceHeapGrowth();
  const stack: Stoppable[] = [];
  let closing: Promise<void> | undefined;
  const server = {
    close() {
      closing ??= (async () => {
        // First the web answers "restarting" and the workers hand their runs back; the listeners close last.
        await Promise.all(stack.map((item) => item.drain?.().catch(() => undefined)));
        for (const item of stack.reverse()) await item.close().catch(() => undefined);
        // Closed by its owner (tests run several servers in one process): its signal handlers go with it.
        signals?.detachUnlessStopping();
      })();
      return closing;
    },
  };
  let signals: SignalHandlers | undefined;
  let config = base;
  const startup = startParts(mode, base, logger, stack);
  // Listening from the start: a signal while the parts start (a worker may take jobs already) waits for them to
  // have started, then stops them all. When the start fails, its error ends the process instead.
  const afterStartup = {
    close: () =>
      startup.then(
        () => server.close(),
        () => new Promise<void>(() => undefined),
      ),
  };
  signals = onSignals(afterStartup, logger, stopBudget(base.limits).exitMs);
  try {
    config = await startup;
  } catch (error) {
    // Whatever started is stopped again, so that the process ends with the error instead of hanging on.
    await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    throw listenProblem(error, config) ?? error;
  }
  return server;
}

/** Starts the parts of `mode`, pushing each onto `stack` as it starts; returns the config they run with. */
async function startParts(mode: Mode, base: Config, logger: Logger, stack: Stoppable[]): Promise<Config> {
  const redis = await ensureRedis(base, mode);
  let config: Config = redis ? { ...base, redisUrl: redis.url } : base;
  if (redis) stack.push({ close: () => redis.stop() });
  let sandbox: Sandbox | undefined;
  const noChat = Object.keys(config.platforms).length === 0;
  if (mode === 'sandbox' || (mode === 'start' && noChat)) {
    sandbox = await startSandbox(config);
    config = sandbox.config;
    // The sandbox prints one line (the console's address); its info logs only with LOG_LEVEL set.
    if (!process.env.LOG_LEVEL) logger.level = 'warn';
    stack.push({ close: () => sandbox!.stop() });
  } else if (mode === 'web' && noChat) {
    throw new ConfigError([
      'SLACK_BOT_TOKEN: `web` needs a chat platform — set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode) for Slack, or MicrosoftAppId and its credential for Teams; `start` without them runs the sandbox',
    ]);
  }
  const internal =
    mode === 'worker'
      ? await startWorkerMetrics(config.metricsPort, logger, config.metricsHost)
      : await startInternal(config, logger);
  if (internal) stack.push(internal);
  // Once for both parts, off the main thread: parsing garbage never enlarges this process's heap.
  const fileSpecs = config.connectorsFile ? await loadConnectorsFileOffThread(config.connectorsFile) : [];
  if (mode !== 'web') {
    const infra = await connectInfra(config, logger, 'worker', fileSpecs);
    stack.push(infra);
    stack.push(await startWorkers(infra));
  }
  if (mode !== 'worker') {
    const infra = await connectInfra(config, logger, 'web', fileSpecs);
    stack.push(infra);
    // Without credentials the chat endpoints accept anyone: the sandbox listens on loopback only.
    const web = await startWeb(infra, config.port, {
      ...(internal ? { internal } : {}),
      ...(sandbox ? { host: '127.0.0.1', mount: (routes) => mountConsole(routes, sandbox!, logger) } : {}),
    });
    stack.push(web);
    if (sandbox) {
      sandbox.slack.botUrl = `http://127.0.0.1:${web.port}/slack/events`;
      sandbox.teams.connect(`http://127.0.0.1:${web.port}/api/messages`);
      printSandboxHelp(web.port, !sandbox.teams.sim.auth);
    }
  }
  return config;
}

/** A listener that could not open its port or address: the variable that chose it, and the fix. */
function listenProblem(error: unknown, config: Config): ConfigError | undefined {
  const { code, port, address } = error as { code?: string; port?: number; address?: string };
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return undefined;
  if (code === 'EADDRNOTAVAIL')
    return new ConfigError([
      `ALIGN_BOT_METRICS_HOST: ${address} is not an address of this host — use 127.0.0.1 (the default), 0.0.0.0, or one of this host's own addresses`,
    ]);
  const variable = port === config.port ? 'PORT' : 'ALIGN_BOT_METRICS_PORT';
  const same = config.port !== 0 && config.port === (config.metricsPort ?? DEFAULT_METRICS_PORT);
  const fix = same
    ? 'PORT and ALIGN_BOT_METRICS_PORT must differ: the public and the internal listener each need their own port'
    : code === 'EACCES'
      ? 'this process may not open it: use a port above 1023 (the image runs as user 1000)'
      : 'something else already listens there: stop it, or choose another port';
  return new ConfigError([`${variable}: cannot listen on port ${port} (${code}) — ${fix}`]);
}

async function ensureRedis(config: Config, mode: Mode): Promise<RedisHandle | undefined> {
  if (!config.redisDefaulted || mode === 'web' || mode === 'worker') return undefined;
  if (await answersPing('127.0.0.1', 6379)) return undefined;
  return startPrivateRedis();
}

/**
 * SIGTERM or SIGINT: a bounded stop (src/queue/worker-stop.ts), then exit 0. Only if even that hangs (say, Redis
 * stopped answering) does the process exit 1 after `exitMs`, which exceeds the longest step.
 */
interface SignalHandlers {
  /** Removes the handlers, unless a signal started the stop (a repeated one must still meet them). */
  detachUnlessStopping(): void;
}

function onSignals(server: Stoppable, logger: Logger, exitMs: number): SignalHandlers {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal, exitMs }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ exitMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, exitMs);
    force.unref();
    server.close().then(() => process.exit(0));
  };
  // Listening on (not once): a repeated signal — a supervisor's, or npm forwarding the Ctrl-C the terminal also
  // sent — would otherwise meet Node's default action and kill the stop midway, its jobs still locked.
  const onTerm = () => stop('SIGTERM');
  const onInt = () => stop('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return {
    detachUnlessStopping() {
      if (stopping) return;
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
  };
}

function printSandboxHelp(port: number, playground: boolean): void {
  process.stdout.write(`Align Bot sandbox: open http://localhost:${port}/\n`);
  // Teams auth off is for Microsoft's Agents Playground: the line that starts it against this bot.
  if (playground) process.stdout.write(`Agents Playground: ${playgroundCommand(port)}\n`);
}
