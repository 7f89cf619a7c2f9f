#!/usr/bin/env node
/**
 * align-bot: one entry, subcommands. start | web | worker | sandbox | test | report | explain | help
 */
import { explainCommand } from './cli/explain.js';
import { RedisUnavailable } from './cli/private-redis.js';
import { reportCommand } from './cli/report-command.js';
import { type Mode, runServer } from './cli/start.js';
import { testCommand } from './cli/test-command.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

const USAGE = `Usage: align-bot <command>

  start                 web + worker in one process (sandbox when no Slack credentials are set)
  web | worker          run them apart; any number of workers may share one Redis
  sandbox               simulators of Slack and Jira on loopback, and the bot pointed at them
  test <name> | --jira <url> [--email E] [--token-env VAR] [--project KEY] [--json]
                        test a connector in-process (no Redis needed)
  explain [CODE]        what a diagnosis code means and how to fix it; without CODE, list them
  report [--json] [--tz Zone]
                        fleet report in-process: every connector tested, with history when Redis answers
`;

const SERVERS: readonly string[] = ['start', 'web', 'worker', 'sandbox'];

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = {
    out: (t: string) => process.stdout.write(`${t}\n`),
    err: (t: string) => process.stderr.write(`${t}\n`),
    env: process.env,
  };
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'explain') return explainCommand(rest, io);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  }
  if (command === 'test') return testCommand(rest, config, io);
  if (command === 'report') return reportCommand(rest, config, io);
  if (SERVERS.includes(command)) {
    const logger = createLogger(config.logLevel);
    try {
      await runServer(command as Mode, config, logger);
      return -1;
    } catch (error) {
      if (error instanceof RedisUnavailable || error instanceof ConfigError) {
        io.err(error.message);
        return 2;
      }
      io.err(`align-bot ${command}: ${(error as Error).message}`);
      return 1;
    }
  }
  io.err(`Unknown command "${command}".\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`align-bot: ${error.message}\n`);
    process.exitCode = 1;
  },
);
