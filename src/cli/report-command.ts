/**
 * `align-bot report [--json] [--tz zone] [--concurrency n] [--per-host n]`: the fleet report in-process, the same
 * data a channel gets. When Redis answers it adds the connectors saved there and reads (never writes) the bot's
 * history for uptime, last failures and changes since each connector's last recorded result; otherwise it reports
 * without history and says so. Exit 0 when no connector fails, 1 when one does, 2 on a usage or config error.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import type { ConnectorSpec } from '../core/connector-spec.js';
import { shortHint } from '../core/diagnosis.js';
import { systemClock } from '../core/ports.js';
import {
  type ConnectorResult,
  expiryOf,
  expiryPhrase,
  type HistorySample,
  type ReportData,
  type ReportSnapshot,
  withExpiry,
} from '../core/report.js';
import { buildReport } from '../core/report-tally.js';
import { duration, rowLine } from '../core/views/report-view.js';
import { plain } from '../core/views/view.js';
import { summaries } from '../queue/execute-report.js';
import { testFleet } from '../queue/fleet-test.js';
import { testContextFactory } from '../services.js';
import { ConnectorStore } from '../store/connectors.js';
import { loadConnectorsFile } from '../store/connectors-file.js';
import { HistoryStore } from '../store/history.js';
import { RedisKeys } from '../store/redis-keys.js';
import { describeRedisTarget, parseRedisUrl } from '../store/redis-url.js';
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
import { connectOnce } from './redis-once.js';

/** The options as commander hands them over. */
interface Values {
  json?: boolean;
  tz: string;
  concurrency?: number;
  perHost?: number;
}

export function reportCli(ctx: CliContext): Command {
  return newCommand('report', ctx)
    .description('the fleet report in-process: every connector tested, with history when Redis answers')
    .option('--json', 'print one line of JSON instead of text')
    .option('--tz <zone>', 'IANA time zone of the uptime windows and expiry days', timeZone, 'UTC')
    .option(
      '--concurrency <n>',
      'connectors tested at once (default: ALIGN_BOT_REPORT_CONCURRENCY)',
      wholeNumber(1, 500),
    )
    .option(
      '--per-host <n>',
      'connectors tested at once per Jira host (default: ALIGN_BOT_REPORT_PER_HOST)',
      wholeNumber(1, 500),
    )
    .addHelpText(
      'after',
      '\nExit code: 0 when no connector fails, 1 when one does, 2 on a usage or configuration error.',
    )
    .action(action(ctx, (values: Values) => runReport(values, ctx)));
}

/** `align-bot report` with `argv` (what follows `report`) and a loaded configuration. */
export function reportCommand(argv: string[], config: Config, io: Io): Promise<number> {
  const ctx = cliContext(io, () => config);
  return exitCodeOf(reportCli(ctx), argv, ctx);
}

function timeZone(raw: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
    return raw;
  } catch {
    throw new InvalidArgumentError('Use an IANA time zone name such as Europe/Berlin.');
  }
}

interface HistorySource {
  source: 'redis' | 'none';
  detail: string;
}

async function runReport(values: Values, ctx: CliContext): Promise<number> {
  const { io } = ctx;
  const config = ctx.config();
  const options = {
    json: values.json ?? false,
    tz: values.tz,
    concurrency: values.concurrency ?? config.reports.concurrency,
    perHost: values.perHost ?? config.reports.perHost,
  };
  const fileSpecs = config.connectorsFile ? loadConnectorsFile(config.connectorsFile) : [];
  const redis = await connectOnce(config.redisUrl);
  const keys = new RedisKeys(config.redisPrefix);
  try {
    const specs = redis ? await new ConnectorStore(redis, keys, fileSpecs).list() : fileSpecs;
    const started = Date.now();
    // The CLI prints the whole report at once, so it gathers every result (a `start` report streams them).
    const byName = new Map<string, ConnectorResult>();
    await testFleet(
      specs,
      { env: io.env, testContext: testContextFactory(config), clock: systemClock },
      {
        concurrency: options.concurrency,
        perHost: options.perHost,
        onResult: (result) => void byName.set(result.name, result),
      },
    );
    const results = specs.map((s) => byName.get(s.name)!);
    const now = Date.now();
    const input = { now, timeZone: options.tz, durationMs: now - started, specs, results };
    const data = redis
      ? await withHistory(input, new HistoryStore(redis, keys))
      : buildReport({ ...input, connectors: pair(specs, results) });
    const history: HistorySource = redis
      ? {
          source: 'redis',
          detail: `Redis at ${where(config.redisUrl)} (prefix ${config.redisPrefix}), read only`,
        }
      : {
          source: 'none',
          detail: `Redis at ${where(config.redisUrl)} did not answer: no uptime, last failures or changes`,
        };
    io.out(
      options.json
        ? JSON.stringify({ ok: data.counts.fail === 0, history, report: data })
        : text(data, history),
    );
    return data.counts.fail === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    redis?.disconnect();
  }
}

function pair(specs: ConnectorSpec[], results: ConnectorResult[]) {
  return specs.map((spec, i) => ({
    ...(spec.tokenExpiresAt ? { tokenExpiresAt: spec.tokenExpiresAt } : {}),
    result: results[i]!,
  }));
}

async function withHistory(
  input: {
    now: number;
    timeZone: string;
    durationMs: number;
    specs: ConnectorSpec[];
    results: ConnectorResult[];
  },
  history: HistoryStore,
): Promise<ReportData> {
  const names = input.specs.map((s) => s.name);
  const current = new Map<string, HistorySample>(
    input.results.map((r) => [r.name, { at: r.at, status: r.status, ...(r.code ? { code: r.code } : {}) }]),
  );
  const [summary, lastFailures, latest] = await Promise.all([
    summaries(names, input.now, input.timeZone, history, current),
    history.lastFailures(names),
    history.latest(names),
  ]);
  const previous: ReportSnapshot | undefined =
    latest.size > 0
      ? {
          at: Math.max(...[...latest.values()].map((s) => s.at)),
          connectors: Object.fromEntries(
            input.specs
              .filter((s) => latest.has(s.name))
              .map((s) => {
                const recorded = latest.get(s.name)!;
                const expiry = expiryOf(s.tokenExpiresAt, recorded.at, input.timeZone);
                const last = withExpiry(recorded, expiry);
                const tier = expiry?.tier;
                return [
                  s.name,
                  {
                    s: last.status,
                    ...(last.code ? { c: last.code } : {}),
                    ...(tier !== undefined ? { x: tier } : {}),
                  },
                ];
              }),
          ),
        }
      : undefined;
  return buildReport({
    now: input.now,
    timeZone: input.timeZone,
    durationMs: input.durationMs,
    connectors: pair(input.specs, input.results),
    history: summary,
    lastFailures,
    ...(previous ? { previous } : {}),
  });
}

function text(data: ReportData, history: HistorySource): string {
  const { ok, warn, fail } = data.counts;
  const lines = [
    `Fleet report: ${fail} failing · ${warn} with warnings · ${ok} passing (${data.total} connectors), tested in ${duration(data.durationMs)}`,
    `History: ${history.detail}${history.source === 'redis' ? `; uptime 24 h / 7 d / 30 d in ${data.timeZone} days` : ''}.`,
  ];
  if (data.total === 0) {
    lines.push('No connectors to test: set ALIGN_BOT_CONNECTORS_FILE, or set one up with /align connect.');
    return lines.join('\n');
  }
  const c = data.changes;
  const changes = [
    ['new failures', c.newFailures],
    ['recovered', c.recovered],
    ['new cause', c.causeChanged],
    ['expiry closer', c.expiry],
  ] as const;
  const changed = changes.filter(([, names]) => names.length > 0);
  if (history.source === 'redis' && !data.firstReport) {
    lines.push(
      changed.length > 0
        ? `Since each connector's last recorded result: ${changed.map(([label, names]) => `${label}: ${names.join(', ')}`).join(' · ')}`
        : "No changes since each connector's last recorded result.",
    );
  }
  const expiring = data.rows.filter((r) => r.expiry);
  if (expiring.length > 0) {
    lines.push(
      `Credentials: ${expiring
        .map(
          (r) =>
            `${r.name} ${r.expiry!.tier === 0 ? expiryPhrase(r.expiry!) : `expires in ${r.expiry!.days} d`} (${r.expiry!.on}, ${r.expiry!.code})`,
        )
        .join(' · ')}`,
    );
  }
  lines.push('', 'connector · Jira round trip · uptime 24 h / 7 d / 30 d · cause or last failure');
  for (const row of data.rows) {
    lines.push(plain(rowLine(row, data.generatedAt)));
    if (row.status !== 'ok' && row.code)
      lines.push(`    → ${shortHint(row.code)}${row.detail ? ` (${row.detail})` : ''}`);
  }
  return lines.join('\n');
}

/** Where a Redis URL points, never its password. */
function where(url: string): string {
  try {
    return describeRedisTarget(parseRedisUrl(url));
  } catch {
    return 'REDIS_URL';
  }
}
