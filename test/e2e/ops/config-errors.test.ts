/**
 * Graceful configuration errors (issue 11 item 4): a server started with an invalid setting — in the environment, in
 * the connectors file, a port it cannot open, a Redis that does not answer, a credential Slack refuses — prints the
 * variable and its fix, never a stack trace, and exits 2 at once (before, several of these printed a message and
 * then hung with a listener still open, or exited 1). Each runs the align-bot program as main.ts does, in this process;
 * three of them also as real child processes.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliContext, runCommand } from '../../../src/cli/command.js';
import { alignBotProgram } from '../../../src/cli/program.js';
import { loadConfig } from '../../../src/config.js';
import { SlackSim } from '../../../src/sandbox/slack-sim.js';
import { registerSecret } from '../../helpers/leaks.js';
import { freePort, killAll, runBot } from '../../helpers/process.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';

const prefix = testPrefix('config-errors');
let slack: SlackSim;
let busy: Server;
let busyPort: number;
let base: Record<string, string>;
const badYaml = join(tmpdir(), `align-bot-bad-${prefix}.yaml`);
const badSchema = join(tmpdir(), `align-bot-schema-${prefix}.yaml`);

beforeAll(async () => {
  slack = await new SlackSim().start();
  writeFileSync(badYaml, 'connectors: [\n  - broken');
  writeFileSync(badSchema, 'connectors:\n  - name: acme\n    jira: not-a-url\n    token: inline-secret\n');
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  busyPort = (busy.address() as { port: number }).port;
  base = {
    REDIS_URL,
    ALIGN_BOT_REDIS_PREFIX: prefix,
    SLACK_SIGNING_SECRET: registerSecret(slack.signingSecret, 'Slack signing secret'),
    SLACK_BOT_TOKEN: registerSecret(slack.botToken, 'Slack bot token'),
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    ALIGN_BOT_METRICS_PORT: '0',
    LOG_LEVEL: 'error',
  };
});

afterAll(async () => {
  await killAll();
  await new Promise((resolve) => busy?.close(resolve));
  await slack?.stop();
  await deleteKeys(prefix);
});

type Case = [label: string, command: string, env: () => Record<string, string | undefined>, variable: string];

const CASES: Case[] = [
  ['REDIS_URL not a Redis URL', 'web', () => ({ REDIS_URL: 'http://redis.example' }), 'REDIS_URL'],
  [
    'nothing answers at REDIS_URL (web)',
    'web',
    () => ({ REDIS_URL: `redis://127.0.0.1:${closedPort}` }),
    'REDIS_URL',
  ],
  [
    'nothing answers at REDIS_URL (worker)',
    'worker',
    () => ({ REDIS_URL: `redis://127.0.0.1:${closedPort}` }),
    'REDIS_URL',
  ],
  [
    'a cluster seed list with a bad node',
    'web',
    () => ({ REDIS_URL: 'redis+cluster://127.0.0.1:7000,127.0.0.1:port' }),
    'REDIS_URL',
  ],
  [
    'a Sentinel URL without the master name',
    'worker',
    () => ({ REDIS_URL: 'redis+sentinel://127.0.0.1:26379' }),
    'REDIS_URL',
  ],
  [
    'no cluster node answers (worker)',
    'worker',
    () => ({ REDIS_URL: `redis+cluster://127.0.0.1:${closedPort},127.0.0.1:${closedPort}` }),
    'REDIS_URL',
  ],
  [
    'a prefix with a half hash tag',
    'web',
    () => ({ ALIGN_BOT_REDIS_PREFIX: '{align' }),
    'ALIGN_BOT_REDIS_PREFIX',
  ],
  ['PORT not a number', 'web', () => ({ PORT: 'eighty' }), 'PORT'],
  ['PORT in use', 'web', () => ({ PORT: String(busyPort) }), 'PORT'],
  [
    'internal port in use (web)',
    'web',
    () => ({ ALIGN_BOT_METRICS_PORT: String(busyPort) }),
    'ALIGN_BOT_METRICS_PORT',
  ],
  [
    'internal port in use (worker)',
    'worker',
    () => ({ ALIGN_BOT_METRICS_PORT: String(busyPort) }),
    'ALIGN_BOT_METRICS_PORT',
  ],
  [
    'PORT and internal port equal',
    'web',
    () => ({ PORT: '9400', ALIGN_BOT_METRICS_PORT: '9400' }),
    'ALIGN_BOT_METRICS_PORT',
  ],
  [
    'internal host not of this host',
    'web',
    () => ({ ALIGN_BOT_METRICS_HOST: '192.0.2.1' }),
    'ALIGN_BOT_METRICS_HOST',
  ],
  ['a short master key', 'web', () => ({ ALIGN_BOT_MASTER_KEY: 'k1:short' }), 'ALIGN_BOT_MASTER_KEY'],
  [
    'no connectors file there',
    'web',
    () => ({ ALIGN_BOT_CONNECTORS_FILE: '/nonexistent/c.yaml' }),
    'ALIGN_BOT_CONNECTORS_FILE',
  ],
  [
    'connectors file not YAML (web)',
    'web',
    () => ({ ALIGN_BOT_CONNECTORS_FILE: badYaml }),
    'ALIGN_BOT_CONNECTORS_FILE',
  ],
  [
    'connectors file not YAML (worker)',
    'worker',
    () => ({ ALIGN_BOT_CONNECTORS_FILE: badYaml }),
    'ALIGN_BOT_CONNECTORS_FILE',
  ],
  [
    'connectors file invalid (report)',
    'report',
    () => ({ ALIGN_BOT_CONNECTORS_FILE: badSchema }),
    'ALIGN_BOT_CONNECTORS_FILE',
  ],
  [
    'a bot token without signing secret or app token',
    'web',
    () => ({ SLACK_SIGNING_SECRET: undefined }),
    'SLACK_SIGNING_SECRET',
  ],
  [
    'an app token that is not one',
    'web',
    () => ({ SLACK_APP_TOKEN: 'xoxb-not-an-app-token' }),
    'SLACK_APP_TOKEN',
  ],
  [
    'a bot token Slack refuses',
    'web',
    () => ({ SLACK_BOT_TOKEN: 'xoxb-refused-by-slack' }),
    'SLACK_BOT_TOKEN',
  ],
  [
    'an app token Slack refuses',
    'web',
    () => ({ SLACK_APP_TOKEN: 'xapp-refused-by-slack', SLACK_SIGNING_SECRET: undefined }),
    'SLACK_APP_TOKEN',
  ],
  [
    'web without any chat platform',
    'web',
    () => ({ SLACK_BOT_TOKEN: undefined, SLACK_SIGNING_SECRET: undefined }),
    'SLACK_BOT_TOKEN',
  ],
  ['admin user without password', 'web', () => ({ ALIGN_BOT_ADMIN_USER: 'ops' }), 'ALIGN_BOT_ADMIN_PASSWORD'],
  [
    'admin password too short',
    'web',
    () => ({ ALIGN_BOT_ADMIN_USER: 'ops', ALIGN_BOT_ADMIN_PASSWORD: 'short' }),
    'ALIGN_BOT_ADMIN_PASSWORD',
  ],
  [
    'admin user with a colon',
    'web',
    () => ({ ALIGN_BOT_ADMIN_USER: 'o:ps', ALIGN_BOT_ADMIN_PASSWORD: 'long-enough-pass' }),
    'ALIGN_BOT_ADMIN_USER',
  ],
  [
    'readiness switch not a boolean',
    'web',
    () => ({ ALIGN_BOT_READY_REQUIRES_WORKER: 'maybe' }),
    'ALIGN_BOT_READY_REQUIRES_WORKER',
  ],
  [
    'Teams app id without credential',
    'web',
    () => ({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001' }),
    'MicrosoftAppPassword',
  ],
  [
    'Teams app type unknown',
    'worker',
    () => ({ MicrosoftAppId: 'x', MicrosoftAppPassword: 'y', MicrosoftAppType: 'Weird' }),
    'MicrosoftAppType',
  ],
  ['LOG_LEVEL unknown', 'worker', () => ({ LOG_LEVEL: 'loud' }), 'LOG_LEVEL'],
];

let closedPort = 0;
const STACK = /node_modules|\bat \S+ \(|^\s+at |\.[cm]?[jt]s:\d+|[A-Za-z]*Error:|Unhandled/m;

/** Runs `align-bot <args>` in this process, as main.ts does, with exactly `env`; returns the exit code and output. */
async function inProcess(args: string[], env: Record<string, string>) {
  const lines: string[] = [];
  const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), env };
  const ctx = cliContext(io, () => loadConfig(env, '/nonexistent/.env'));
  const code = await runCommand(alignBotProgram(ctx), args, ctx);
  return { code, output: lines.join('\n') };
}

function envOf(overrides: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries({ ...base, ...overrides }).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** What a run printed, less its JSON log lines (a refused token is also logged by the Slack client). */
function problemsIn(label: string, variable: string, code: unknown, output: string): string[] {
  const printed = output
    .split('\n')
    .filter((line) => !line.startsWith('{"level":'))
    .join('\n');
  const ok =
    code === 2 &&
    !STACK.test(printed) &&
    /^Configuration is not valid:$/m.test(printed) &&
    new RegExp(`^  - ${variable}: .{20,}`, 'm').test(printed) &&
    !output.includes('refused-by-slack');
  return ok ? [] : [`${label}: exit ${code}:\n${output.slice(0, 600)}`];
}

describe('configuration errors at start', () => {
  beforeAll(async () => {
    closedPort = await freePort();
  });

  it.each(CASES)(
    '%s: names the variable and the fix, no stack trace, exit 2',
    async (label, command, env, variable) => {
      const args = [command];
      const { code, output } = await inProcess(args, envOf({ LOG_LEVEL: 'silent', ...env() }));
      expect(problemsIn(label, variable, code, output)).toEqual([]);
    },
  );

  it('the real process prints the same and exits 2 at once (no listener left open)', async () => {
    const cases: Case[] = [
      [
        'nothing answers at REDIS_URL',
        'worker',
        () => ({ REDIS_URL: `redis://127.0.0.1:${closedPort}` }),
        'REDIS_URL',
      ],
      [
        'connectors file not YAML',
        'web',
        () => ({ ALIGN_BOT_CONNECTORS_FILE: badYaml }),
        'ALIGN_BOT_CONNECTORS_FILE',
      ],
      [
        'an app token Slack refuses',
        'web',
        () => ({ SLACK_APP_TOKEN: 'xapp-refused-by-slack' }),
        'SLACK_APP_TOKEN',
      ],
    ];
    const results = await Promise.all(
      cases.map(async ([label, command, env, variable]) => {
        const { code, stdout, stderr } = await runBot([command], envOf(env()), 90_000);
        return problemsIn(label, variable, code, `${stdout}${stderr}`);
      }),
    );
    expect(results.flat()).toEqual([]);
  }, 120_000);
});
