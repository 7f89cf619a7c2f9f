/**
 * `align-bot test <name> | --jira <url> …`: the test runbook in-process (no Redis), as a table or as JSON.
 * Exit 0 when nothing failed, 1 when a check failed, 2 on a usage or configuration error.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { httpUrl, UsageError } from '../core/commands.js';
import { adhocSpec, type ConnectorSpec, type TestTarget } from '../core/connector-spec.js';
import { type CheckResult, hintFor, runChecks } from '../core/runbooks/checks/run-checks.js';
import { testChecks } from '../core/runbooks/test.js';
import { Secret } from '../core/secret.js';
import { summarize } from '../core/views/run-view.js';
import { STATUS_ICON } from '../core/views/view.js';
import { targetFor } from '../queue/resolve-target.js';
import { testContextFactory } from '../services.js';
import { loadConnectorsFile } from '../store/connectors-file.js';
import {
  action,
  type CliContext,
  cliContext,
  EXIT,
  exitCodeOf,
  type Io,
  newCommand,
  wholeNumber,
} from './command.js';

export type { Io } from './command.js';

export interface TestReport {
  ok: boolean;
  target: string;
  checks: Array<{
    id: string;
    status: CheckResult['status'];
    code?: string;
    title: string;
    detail?: string;
    hint?: string;
    ms: number;
  }>;
  durationMs: number;
}

/** The options as commander hands them over (camelCase of each flag). */
interface Values {
  jira?: string;
  email?: string;
  tokenEnv?: string;
  patEnv?: string;
  project?: string;
  dc?: boolean;
  consumerKey?: string;
  publicKeyFile?: string;
  align?: string;
  alignTokenEnv?: string;
  alignConnector?: number;
  timeoutMs?: number;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  align-bot test acme --json
  align-bot test --jira https://acme.atlassian.net --email svc@acme.com --token-env ACME_TOKEN --project ACME
  align-bot test --jira https://jira.corp.example --dc --pat-env PAT --consumer-key jira-align-acme --public-key-file align.pem
  align-bot test acme --align https://acme.jiraalign.com --align-token-env ALIGN_TOKEN --align-connector 3

Exit code: 0 when nothing failed, 1 when a check failed, 2 on a usage or configuration error.`;

export function testCli(ctx: CliContext): Command {
  return newCommand('test', ctx)
    .description('test a connector in-process, as /align test does (no Redis needed)')
    .argument('[name]', 'a connector of ALIGN_BOT_CONNECTORS_FILE (or give --jira instead)')
    .option('--jira <url>', 'the Jira site to test, without a connector')
    .option('--email <address>', 'the service account’s email, for an API token (Basic auth)')
    .option('--token-env <VAR>', 'the environment variable that holds the Jira API token')
    .option('--pat-env <VAR>', 'the environment variable that holds a Data Center personal access token')
    .option('--project <KEY>', 'a project the service account must see (the test project)')
    .option('--dc', 'Jira is Data Center, not Cloud')
    .option('--consumer-key <key>', 'OAuth: the consumer key of Jira Align’s connector')
    .option('--public-key-file <path>', 'OAuth: a file with Jira Align’s public key (PEM)')
    .option('--align <url>', 'the Jira Align site, tested too')
    .option('--align-token-env <VAR>', 'the environment variable that holds the Jira Align API token')
    .option('--align-connector <id>', 'the Jira Align connector’s id: read its sync errors', wholeNumber(1))
    .option(
      '--timeout-ms <ms>',
      'time limit per request (default: ALIGN_BOT_REQUEST_TIMEOUT_MS)',
      wholeNumber(100, 600_000, 'milliseconds'),
    )
    .option('--json', 'print one line of JSON instead of a table')
    .addHelpText('after', EXAMPLES)
    .action(action(ctx, (name: string | undefined, values: Values) => runTest(name, values, ctx)));
}

/** `align-bot test` with `argv` (what follows `test`) and a loaded configuration. */
export function testCommand(argv: string[], config: Config, io: Io): Promise<number> {
  const ctx = cliContext(io, () => config);
  return exitCodeOf(testCli(ctx), argv, ctx);
}

async function runTest(name: string | undefined, values: Values, ctx: CliContext): Promise<number> {
  const { io } = ctx;
  const config = ctx.config();
  let target: TestTarget;
  try {
    target = await buildTarget(values, name, config, io.env);
  } catch (error) {
    io.err(`align-bot test: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const effective = values.timeoutMs ? withTimeout(config, values.timeoutMs) : config;
  const started = Date.now();
  const results = await runChecks(testChecks(target), testContextFactory(effective)(target, {}));
  const report = toReport(target, results, Date.now() - started);
  io.out(values.json ? JSON.stringify(report) : table(report));
  return report.ok ? EXIT.ok : EXIT.failed;
}

async function buildTarget(
  values: Values,
  name: string | undefined,
  config: Config,
  env: NodeJS.ProcessEnv,
): Promise<TestTarget> {
  if (name && values.jira) throw new UsageError('give a connector name or --jira <url>, not both');
  if (!name && !values.jira) throw new UsageError('give a connector name or --jira <url>');
  let spec: ConnectorSpec;
  if (name) {
    const specs = config.connectorsFile ? loadConnectorsFile(config.connectorsFile) : [];
    const found = specs.find((s) => s.name === name.toLowerCase());
    if (!found)
      throw new UsageError(
        `no connector "${name}"${config.connectorsFile ? ` in ${config.connectorsFile}` : ' (ALIGN_BOT_CONNECTORS_FILE is not set)'}`,
      );
    spec = found;
  } else {
    spec = adhocSpec(
      httpUrl('test', '--jira', values.jira!),
      values.align ? httpUrl('test', '--align', values.align) : undefined,
      values.dc ? 'datacenter' : 'cloud',
    );
  }
  spec = applyFlags(spec, values);
  const target = await targetFor(spec, { env });
  return withFlagSecrets(target, values, env);
}

function applyFlags(spec: ConnectorSpec, v: Values): ConnectorSpec {
  const next: ConnectorSpec = { ...spec, jira: { ...spec.jira } };
  if (v.dc) next.jira.kind = 'datacenter';
  if (v.email) next.email = v.email;
  if (v.project) next.project = v.project.toUpperCase();
  if (v.patEnv) next.auth = 'pat';
  if (v.consumerKey || v.publicKeyFile) {
    next.oauth = {
      ...next.oauth,
      ...(v.consumerKey ? { consumerKey: v.consumerKey } : {}),
      ...(v.publicKeyFile ? { publicKey: readKeyFile(v.publicKeyFile) } : {}),
    };
    if (!v.tokenEnv && !v.patEnv) next.auth = 'oauth';
  }
  if (v.align) next.align = { ...next.align, url: httpUrl('test', '--align', v.align) };
  if (v.alignConnector) {
    next.align = { ...(next.align ?? { url: '' }), connectorId: v.alignConnector };
    if (!next.align.url) throw new UsageError('--align-connector needs --align <url>');
  }
  return next;
}

function withFlagSecrets(target: TestTarget, v: Values, env: NodeJS.ProcessEnv): TestTarget {
  const out = { ...target };
  const fromEnv = (option: string, name: string | undefined): Secret | undefined => {
    if (!name) return undefined;
    const value = env[name];
    if (!value) throw new UsageError(`${option} ${name}: that environment variable is empty or not set`);
    return new Secret(value);
  };
  const jira = fromEnv('--token-env', v.tokenEnv) ?? fromEnv('--pat-env', v.patEnv);
  if (jira) out.jiraSecret = jira;
  const align = fromEnv('--align-token-env', v.alignTokenEnv);
  if (align) out.alignSecret = align;
  return out;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--public-key-file ${path} cannot be read`);
  }
}

function withTimeout(config: Config, ms: number): Config {
  return { ...config, limits: { requestMs: ms, totalMs: Math.max(config.limits.totalMs, ms * 3) } };
}

export function toReport(target: TestTarget, results: CheckResult[], durationMs: number): TestReport {
  return {
    ok: results.every((r) => r.status !== 'fail'),
    target: target.label,
    checks: results.map((r) => {
      const hint = hintFor(r);
      return {
        id: r.id,
        status: r.status,
        ...(r.code ? { code: r.code } : {}),
        title: r.title,
        ...(r.detail ? { detail: r.detail } : {}),
        ...(hint ? { hint } : {}),
        ms: r.ms,
      };
    }),
    durationMs,
  };
}

function table(report: TestReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const lines = [`align-bot test ${report.target}`, ''];
  for (const c of report.checks) {
    lines.push(
      `${STATUS_ICON[c.status]} ${c.status.padEnd(4)}  ${c.title.padEnd(width)}  ${(c.code ?? '').padEnd(30)} ${String(c.ms).padStart(5)} ms`,
    );
    if (c.detail) lines.push(`        ${c.detail}`);
    if (c.hint) lines.push(`        Fix: ${c.hint}`);
  }
  const steps = report.checks.map((c) => ({ id: c.id, title: c.title, status: c.status }));
  lines.push('', `${report.ok ? 'OK' : 'FAILED'}: ${summarize(steps)} in ${report.durationMs} ms`);
  return lines.join('\n');
}
