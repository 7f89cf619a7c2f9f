/**
 * The align-bot program: its subcommands, each with generated help (`align-bot <command> --help`,
 * `align-bot help <command>`) that lists every flag it takes.
 */
import type { Command } from 'commander';
import { asConfigError } from '../config.js';
import { createLogger } from '../logger.js';
import { action, type CliContext, EXIT, newCommand } from './command.js';
import { explainCli } from './explain.js';
import { maintenanceCli } from './maintenance-command.js';
import { RedisUnavailable } from './private-redis.js';
import { reportCli } from './report-command.js';
import { type Mode, runServer } from './start.js';
import { testCli } from './test-command.js';

const SERVERS: ReadonlyArray<[Mode, string]> = [
  ['start', 'web + worker in one process (the sandbox when no Slack credentials are set)'],
  ['web', 'the web process alone: acknowledges chat commands and serves the secret forms'],
  ['worker', 'a worker alone: runs the jobs; any number of workers may share one Redis'],
  ['sandbox', 'simulators of Slack, Jira and Jira Align on loopback, and the bot pointed at them'],
];

export function alignBotProgram(ctx: CliContext): Command {
  const program = newCommand('align-bot', ctx)
    .description('Align Bot: chatops for the Jira Align → Jira connector. Configuration: README.md')
    .helpCommand(false);
  for (const [mode, description] of SERVERS) program.addCommand(serverCli(mode, description, ctx));
  program
    .addCommand(testCli(ctx))
    .addCommand(reportCli(ctx))
    .addCommand(maintenanceCli(ctx))
    .addCommand(explainCli(ctx));
  return program.addCommand(helpCli(program, ctx));
}

/**
 * `help [command]` as a command of its own: commander's built-in one has no help of its own and answers an unknown
 * topic with the whole help and no hint. An unknown topic is parsed as a command by a fresh program, so it gets the
 * same "Unknown command … (Did you mean …?)" and exit code 2 as a mistyped command.
 */
function helpCli(program: Command, ctx: CliContext): Command {
  return newCommand('help', ctx)
    .description('show the help of a command, or of align-bot')
    .argument('[command]', 'the command to explain')
    .action(async (topic: string | undefined) => {
      if (!topic) program.help();
      const command = program.commands.find((c) => c.name() === topic);
      if (command) command.help();
      await alignBotProgram(ctx).parseAsync([topic!], { from: 'user' });
    });
}

function serverCli(mode: Mode, description: string, ctx: CliContext): Command {
  return newCommand(mode, ctx)
    .description(description)
    .addHelpText('after', '\nStops gracefully on SIGTERM and SIGINT.')
    .action(
      action(ctx, async () => {
        const config = ctx.config();
        try {
          await runServer(mode, config, createLogger(config.logLevel));
          return 'running';
        } catch (error) {
          const problem = error instanceof RedisUnavailable ? error : asConfigError(error);
          if (problem) {
            ctx.io.err(problem.message);
            return EXIT.usage;
          }
          ctx.io.err(`align-bot ${mode}: ${(error as Error).message}`);
          return EXIT.failed;
        }
      }),
    );
}
