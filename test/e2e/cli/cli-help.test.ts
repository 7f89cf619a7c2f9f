/**
 * Issue 8, defect 12: every subcommand has generated help that lists every flag it accepts, a typo gets the
 * nearest flag or command, and usage errors exit 2 (never commander's 1, which would read as "a check failed").
 * The expected flags come from the commands' own option definitions, so a flag added without a description, or
 * missing from the help, fails here. The CLI runs as a child process, as test/e2e/cli/cli-test.test.ts runs it.
 */
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { cliContext } from '../../../src/cli/command.js';
import { alignBotProgram } from '../../../src/cli/program.js';
import { freePort, killAll, runBot } from '../../helpers/process.js';

const program = alignBotProgram(
  cliContext({ out: () => undefined, err: () => undefined, env: {} }, () => {
    throw new Error('help needs no configuration');
  }),
);
const commands = program.commands as Command[];

/** No Redis and no Slack: help and usage errors need neither. */
const env = { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, LOG_LEVEL: 'silent' };

afterAll(killAll);

/** Help as one line: commander wraps descriptions at 80 columns. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

describe('align-bot <command> --help', () => {
  it('the program has every documented subcommand', () => {
    expect(commands.map((c) => c.name()).sort()).toEqual(
      ['explain', 'help', 'maintenance', 'report', 'sandbox', 'start', 'test', 'web', 'worker'].sort(),
    );
  });

  it('the test command accepts every flag of the README (the old usage line omitted half of them)', () => {
    const test = commands.find((c) => c.name() === 'test')!;
    expect(test.options.map((o) => o.long).sort()).toEqual(
      [
        '--align',
        '--align-connector',
        '--align-token-env',
        '--consumer-key',
        '--dc',
        '--email',
        '--jira',
        '--json',
        '--pat-env',
        '--project',
        '--public-key-file',
        '--timeout-ms',
        '--token-env',
      ].sort(),
    );
  });

  for (const command of commands) {
    const name = command.name();
    it(`${name} --help exits 0 and lists every flag and argument with its description`, async () => {
      const { code, stdout, stderr } = await runBot([name, '--help'], env);
      expect(code, stderr).toBe(0);
      expect(stderr).toBe('');
      const help = oneLine(stdout);
      expect(help).toContain(`Usage: align-bot ${name}`);
      expect(command.options.filter((o) => o.hidden)).toEqual([]); // a hidden flag is one help does not list
      const options = command.createHelp().visibleOptions(command); // every flag, and -h, --help
      expect(options.length).toBe(command.options.length + 1);
      expect(options.map((o) => o.long)).toContain('--help');
      for (const option of options) {
        expect(option.description, `${name} ${option.flags} has a description`).toMatch(/\w{3}/);
        expect(help).toContain(`${option.flags} ${oneLine(option.description)}`);
      }
      for (const argument of command.registeredArguments) {
        expect(argument.description, `${name} <${argument.name()}> has a description`).toMatch(/\w{3}/);
        expect(help).toContain(`${argument.name()} ${oneLine(argument.description)}`);
      }
    });
  }

  it('align-bot --help and align-bot help list every subcommand with its description', async () => {
    for (const args of [['--help'], ['help']]) {
      const { code, stdout } = await runBot(args, env);
      expect(code).toBe(0);
      const help = oneLine(stdout);
      for (const command of commands) {
        expect(command.description()).toMatch(/\w{3}/);
        expect(help).toContain(oneLine(command.description()));
      }
    }
  });

  it('align-bot help test prints what align-bot test --help prints', async () => {
    const [viaHelp, viaFlag] = await Promise.all([
      runBot(['help', 'test'], env),
      runBot(['test', '--help'], env),
    ]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it('help needs no valid configuration', async () => {
    const { code, stdout } = await runBot(['test', '--help'], { ...env, REDIS_URL: 'ftp://x' });
    expect(code).toBe(0);
    expect(stdout).toContain('--jira <url>');
  });
});

describe('usage errors: exit 2 and the nearest flag or command', () => {
  it('test --jra x: exit 2, suggests --jira', async () => {
    const { code, stdout, stderr } = await runBot(['test', '--jra', 'x'], env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/Unknown option '--jra'/);
    expect(stderr).toMatch(/Did you mean --jira\?/);
    expect(stderr).toContain('align-bot test --help');
  });

  it('report --per-hots 2: exit 2, suggests --per-host', async () => {
    const { code, stderr } = await runBot(['report', '--per-hots', '2'], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Did you mean --per-host\?/);
  });

  it.each([['tset'], ['help', 'tset']])(
    'an unknown subcommand (%s): exit 2, suggests test',
    async (...args) => {
      const { code, stdout, stderr } = await runBot(args, env);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/Unknown command 'tset'/);
      expect(stderr).toMatch(/Did you mean test\?/);
    },
  );

  it.each<[string, string[], RegExp]>([
    ['no subcommand', [], /Usage: align-bot/],
    ['a flag without its value', ['test', 'acme', '--jira'], /'--jira <url>' argument missing/],
    ['a value out of range', ['report', '--concurrency', '0'], /--concurrency <n>.*from 1 to 500/],
    ['a time zone that is none', ['report', '--tz', 'Nowhere/Atlantis'], /IANA time zone/],
    ['a --timeout-ms that is no number', ['test', 'acme', '--timeout-ms', 'soon'], /--timeout-ms/],
    ['two connector names', ['test', 'acme', 'globex'], /Too many arguments for 'test'/],
    ['an extra argument to explain', ['explain', 'A', 'B'], /Too many arguments for 'explain'/],
    ['an unknown flag on a server command', ['worker', '--bogus'], /Unknown option '--bogus'/],
  ])('%s: exit 2', async (_name, args, message) => {
    const { code, stdout, stderr } = await runBot(args, env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
