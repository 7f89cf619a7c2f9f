/**
 * `align-bot report [--json] [--tz Zone] [--concurrency N] [--per-host N]`: the fleet report in-process, the same
 * data a channel gets. When Redis answers it adds the connectors saved there and reads (never writes) the bot's
 * history for uptime, last failures and changes since each connector's last recorded result; otherwise it reports
 * without history and says so. Exit 0 when no connector fails, 1 when one does, 2 on a usage or config error.
 */
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { shortHint } from '../core/diagnosis.js';
import { systemClock } from '../core/ports.js';
import {
  buildReport,
  type ConnectorResult,
  expiryOf,
  expiryPhrase,
  type HistorySample,
  type ReportData,
  type ReportSnapshot,
  withExpiry,
} from '../core/report.js';
import { duration, rowLine } from '../core/report-view.js';
import type { ConnectorSpec } from '../core/target.js';
import { plain } from '../core/view.js';
import { summaries } from '../queue/execute-report.js';
import { testFleet } from '../queue/fleet-test.js';
import { testContextFactory } from '../services.js';
import { ConnectorStore } from '../store/connectors.js';
import { loadConnectorsFile } from '../store/connectors-file.js';
import { HistoryStore } from '../store/history.js';
import { Keys } from '../store/keys.js';
import { createRedis, waitReady } from '../store/redis.js';
import type { Io } from './test-command.js';

const USAGE = 'Usage: align-bot report [--json] [--tz Zone] [--concurrency N] [--per-host N]';

interface HistorySource {
  source: 'redis' | 'none';
  detail: string;
}

export async function reportCommand(argv: string[], config: Config, io: Io): Promise<number> {
  let options: { json: boolean; tz: string; concurrency: number; perHost: number };
  try {
    options = parseOptions(argv, config);
  } catch (error) {
    io.err(`align-bot report: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const fileSpecs = config.connectorsFile ? loadConnectorsFile(config.connectorsFile) : [];
  const redis = await tryRedis(config.redisUrl);
  const keys = new Keys(config.redisPrefix);
  try {
    const specs = redis ? await new ConnectorStore(redis, keys, fileSpecs).list() : fileSpecs;
    const started = Date.now();
    const results = await testFleet(
      specs,
      { env: io.env, testContext: testContextFactory(config), clock: systemClock },
      { concurrency: options.concurrency, perHost: options.perHost },
    );
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
    return data.counts.fail === 0 ? 0 : 1;
  } finally {
    redis?.disconnect();
  }
}

function parseOptions(argv: string[], config: Config) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      tz: { type: 'string' },
      concurrency: { type: 'string' },
      'per-host': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  const settings = config.reports;
  const tz = values.tz ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new Error(`--tz "${tz}" is not a time zone; use an IANA name such as Europe/Berlin`);
  }
  return {
    json: values.json ?? false,
    tz,
    concurrency: positiveInt('--concurrency', values.concurrency, settings.concurrency),
    perHost: positiveInt('--per-host', values['per-host'], settings.perHost),
  };
}

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 500)
    throw new Error(`${flag} must be a whole number from 1 to 500`);
  return n;
}

async function tryRedis(url: string): Promise<Redis | undefined> {
  const redis = createRedis(url, 'web', { connectTimeout: 1000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await waitReady(redis, 1500);
    return redis;
  } catch {
    redis.disconnect();
    return undefined;
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

/** host:port of a Redis URL, never its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'REDIS_URL';
  }
}
