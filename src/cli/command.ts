/**
 * What every align-bot command shares: commander writing through an Io, suggesting the nearest flag or command
 * after a typo, and ending a usage error with exit code 2 — commander's own exit 1 would read as "a check failed".
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { asConfigError, type Config } from '../config.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

/** 0 nothing failed, 1 a check (or connector) failed, 2 a usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** What a command's action leaves: an exit code, or `running` for a server that keeps the process alive. */
export type Outcome = number | 'running';

export interface CliContext {
  io: Io;
  /** Read when an action needs it, so help and usage errors work whatever the configuration. */
  config(): Config;
  outcome: Outcome;
}

export function cliContext(io: Io, config: () => Config): CliContext {
  return { io, config, outcome: EXIT.ok };
}

/**
 * A command (or the program itself, `align-bot`) set up as every align-bot command is; `path` is how it is typed,
 * for a subcommand of a subcommand (`align-bot maintenance start`).
 */
export function newCommand(
  name: string,
  ctx: CliContext,
  path = name === 'align-bot' ? name : `align-bot ${name}`,
): Command {
  return new Command(name)
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError(`Run "${path} --help" for usage.`)
    .helpOption('-h, --help', 'show this help')
    .configureOutput({
      writeOut: (text) => ctx.io.out(text.replace(/\n$/, '')),
      writeErr: (text) => ctx.io.err(text.replace(/\n$/, '')),
      outputError: (text, write) => write(`${path}: ${capitalized(text.replace(/^error: /, ''))}`),
    });
}

/**
 * An action whose result is the exit code. A configuration error prints the variable and its fix and exits 2,
 * as before any work starts.
 */
// biome-ignore lint/suspicious/noExplicitAny: commander passes each action its arguments and options untyped
export function action<A extends any[]>(ctx: CliContext, run: (...args: A) => Promise<Outcome> | Outcome) {
  return async (...args: A): Promise<void> => {
    try {
      ctx.outcome = await run(...args);
    } catch (error) {
      const problem = asConfigError(error);
      if (!problem) throw error;
      ctx.io.err(problem.message);
      ctx.outcome = EXIT.usage;
    }
  };
}

/** Parses `argv` (the arguments after the command's name) and runs the action it names. */
export async function runCommand(command: Command, argv: string[], ctx: CliContext): Promise<Outcome> {
  try {
    await command.parseAsync(argv, { from: 'user' });
    return ctx.outcome;
  } catch (error) {
    // Help and --version end with exit code 0; every parse error is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
}

/** `runCommand` for a command that always ends (test, report, explain): its exit code. */
export async function exitCodeOf(command: Command, argv: string[], ctx: CliContext): Promise<number> {
  const outcome = await runCommand(command, argv, ctx);
  return outcome === 'running' ? EXIT.ok : outcome;
}

/** An option parser for a whole number from `min` to `max`; anything else is a usage error. */
export function wholeNumber(min: number, max = Number.POSITIVE_INFINITY, unit = ''): (raw: string) => number {
  const range = max === Number.POSITIVE_INFINITY ? `${min} or more` : `from ${min} to ${max}`;
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`Use a whole number${unit ? ` of ${unit}` : ''}, ${range}.`);
    return n;
  };
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
