#!/usr/bin/env node
/**
 * align-bot: one entry, subcommands (src/cli/program.ts): start | web | worker | sandbox | test | report |
 * maintenance | explain | help. A server keeps the process running; every other command sets the exit code.
 */
import { cliContext, runCommand } from './cli/command.js';
import { alignBotProgram } from './cli/program.js';
import { loadConfig } from './config.js';

const ctx = cliContext(
  {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
  },
  () => loadConfig(),
);

runCommand(alignBotProgram(ctx), process.argv.slice(2), ctx).then(
  (outcome) => {
    if (outcome !== 'running') process.exitCode = outcome;
  },
  (error: Error) => {
    process.stderr.write(`align-bot: ${error.message}\n`);
    process.exitCode = 1;
  },
);
