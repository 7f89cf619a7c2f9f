/**
 * `align-bot test <name> | --jira <url> …`: the test runbook in-process (no Redis), as a table or as JSON.
 * Exit 0 when nothing failed, 1 when a check failed, 2 on a usage or configuration error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { httpUrl, UsageError } from '../core/commands.js';
import { summarize } from '../core/run-view.js';
import { type CheckResult, hintFor, runChecks } from '../core/runbooks/checks.js';
import { testChecks } from '../core/runbooks/test.js';
import { Secret } from '../core/secret.js';
import { adhocSpec, type ConnectorSpec, type TestTarget } from '../core/target.js';
import { STATUS_ICON } from '../core/view.js';
import { targetFor } from '../queue/targets.js';
import { testContextFactory } from '../services.js';
import { loadConnectorsFile } from '../store/connectors-file.js';

export const TEST_OPTIONS = {
  jira: { type: 'string' },
  email: { type: 'string' },
  'token-env': { type: 'string' },
  'pat-env': { type: 'string' },
  project: { type: 'string' },
  dc: { type: 'boolean' },
  'consumer-key': { type: 'string' },
  'public-key-file': { type: 'string' },
  align: { type: 'string' },
  'align-token-env': { type: 'string' },
  'align-connector': { type: 'string' },
  'timeout-ms': { type: 'string' },
  json: { type: 'boolean' },
} as const;

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

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export async function testCommand(argv: string[], config: Config, io: Io): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (error) {
    io.err(
      `align-bot test: ${(error as Error).message}\nUsage: align-bot test <name> | --jira <url> [--email E] [--token-env VAR] [--project KEY] [--json]`,
    );
    return 2;
  }
  let target: TestTarget;
  let effective = config;
  try {
    target = await buildTarget(values, positionals, config, io.env);
    if (values['timeout-ms']) effective = withTimeout(config, values['timeout-ms']);
  } catch (error) {
    io.err(`align-bot test: ${(error as Error).message}`);
    return 2;
  }
  const started = Date.now();
  const ctx = testContextFactory(effective)(target, {});
  const results = await runChecks(testChecks(target), ctx);
  const report = toReport(target, results, Date.now() - started);
  io.out(values.json ? JSON.stringify(report) : table(report));
  return report.ok ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: TEST_OPTIONS, allowPositionals: true, strict: true });
}

type Values = ReturnType<typeof parse>['values'];

async function buildTarget(
  values: Values,
  positionals: string[],
  config: Config,
  env: NodeJS.ProcessEnv,
): Promise<TestTarget> {
  const [name, extra] = positionals;
  if (extra) throw new UsageError(`one connector name, not "${extra}" too`);
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
  if (v['pat-env']) next.auth = 'pat';
  if (v['consumer-key'] || v['public-key-file']) {
    next.oauth = {
      ...next.oauth,
      ...(v['consumer-key'] ? { consumerKey: v['consumer-key'] } : {}),
      ...(v['public-key-file'] ? { publicKey: readKeyFile(v['public-key-file']) } : {}),
    };
    if (!v['token-env'] && !v['pat-env']) next.auth = 'oauth';
  }
  if (v.align) next.align = { ...next.align, url: httpUrl('test', '--align', v.align) };
  if (v['align-connector']) {
    const id = Number(v['align-connector']);
    if (!Number.isInteger(id) || id <= 0) throw new UsageError('--align-connector must be a positive number');
    next.align = { ...(next.align ?? { url: '' }), connectorId: id };
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
  const jira = fromEnv('--token-env', v['token-env']) ?? fromEnv('--pat-env', v['pat-env']);
  if (jira) out.jiraSecret = jira;
  const align = fromEnv('--align-token-env', v['align-token-env']);
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

function withTimeout(config: Config, raw: string): Config {
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100 || ms > 600_000)
    throw new UsageError('--timeout-ms must be a number of milliseconds (100–600000)');
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
