/**
 * Fleet benchmark (DESIGN.md §8), on loopback only, bounded in count and time, at two sizes: 500 connectors on 63
 * Jira hosts (8 each) and 5,000 on 500 hosts (10 each), listed host by host, 200 ms added to every Jira answer,
 * concurrency 50, at most 4 connectors at once per host.
 *
 * 1. Fleet test, through the same `testFleet` a report run uses. A healthy connector's test makes k sequential
 *    requests, so the ideal wall time is 200 ms × k × ⌈n / 50⌉; k is counted, not assumed. 500: three runs, the
 *    median is the figure (target ≤ 1.5); 5,000: one run (target ≤ 1.2).
 * 2. Resident memory: `align-bot start` as a child process (Slack simulator for chat, the same Jira simulator, real
 *    Redis under a bench prefix), `/align report now` over the same connectors until every page is posted, RSS
 *    sampled from /proc every 100 ms. The figure is the compiled build (`tsc` into .data/bench-dist, as `npm run
 *    build` ships it); the 500-connector report is also measured from source (bin/align-bot.js through tsx).
 *    Targets: ≤ 200 MB at 500, ≤ 250 MB at 5,000 (memory follows concurrency, not the fleet).
 *
 * Run: npx tsx bench/fleet.ts [500|5000]   (needs Redis on REDIS_URL or 127.0.0.1:6379 for part 2)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config.js';
import type { ConnectorSpec } from '../src/core/connector-spec.js';
import { type HttpPort, systemClock } from '../src/core/ports.js';
import type { ConnectorResult } from '../src/core/report.js';
import { PROJECT_PERMISSIONS } from '../src/core/runbooks/checks/jira.js';
import { testFleet } from '../src/queue/fleet-test.js';
import { JiraSim } from '../src/sandbox/jira-sim.js';
import { SlackSim } from '../src/sandbox/slack-sim.js';
import { testContextFactory } from '../src/services.js';
import { recordFigures, round1 } from './lib/figures.js';

const CONCURRENCY = 50;
const PER_HOST = 4;
const LATENCY_MS = 200;
const TOKEN_VAR = 'BENCH_JIRA_TOKEN';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** One fleet size: connectors per Jira host (over the per-host cap, so the cap is what limits each host). */
export interface Scale {
  n: number;
  perSite: number;
  repeats: number;
  wallTarget: number;
  rssTargetMb: number;
  /** Also measure `start` from source (tsx), besides the compiled build. */
  fromSource: boolean;
}

export const SCALES: Scale[] = [
  { n: 500, perSite: 8, repeats: 3, wallTarget: 1.5, rssTargetMb: 200, fromSource: true },
  { n: 5000, perSite: 10, repeats: 1, wallTarget: 1.2, rssTargetMb: 250, fromSource: false },
];

interface RssResult {
  entry: string;
  baselineMb: number;
  peakMb: number;
  reportMs: number;
  pages: number;
}

export interface FleetBenchResult {
  scale: Scale;
  /** Ratios of every run; `fleet` is the median run. */
  ratios: number[];
  fleet: {
    n: number;
    concurrency: number;
    perHost: number;
    hosts: number;
    latencyMs: number;
    requestsPerConnector: number;
    wallMs: number;
    idealMs: number;
    ratio: number;
    maxInFlight: number;
    maxPerHost: number;
  };
  rss: Array<RssResult | { entry: string; skipped: string }>;
}

export function fleet(jira: JiraSim, token: string, scale: Scale): ConnectorSpec[] {
  return Array.from({ length: scale.n }, (_, i) => {
    const host = `f${scale.n}-${String(Math.floor(i / scale.perSite)).padStart(3, '0')}.atlassian.net`;
    const site =
      jira.sites.get(host) ??
      Object.assign(jira.addSite({ host, baseUrl: jira.siteUrl(host) }), { latencyMs: LATENCY_MS });
    if (site.projects.length === 0) site.addProject('ALIGN');
    const email = `svc-${i}@fleet.example`;
    site.grantAll(
      site.addAccount({ email, token, accountType: 'app', appType: 'service' }),
      'ALIGN',
      PROJECT_PERMISSIONS,
    );
    return {
      name: `c-${String(i).padStart(4, '0')}`,
      jira: { url: jira.siteUrl(host), kind: 'cloud' },
      auth: 'basic',
      email,
      project: 'ALIGN',
      secrets: { jira: { env: TOKEN_VAR } },
    } satisfies ConnectorSpec;
  });
}

/** Counts requests, and the most in flight at once overall and per host, at the client. */
function counting(http: HttpPort) {
  const perHost = new Map<string, number>();
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0, maxPerHost: 0 };
  const port: HttpPort = {
    async send(req) {
      const host = new URL(req.url).hostname;
      stats.requests += 1;
      stats.inFlight += 1;
      perHost.set(host, (perHost.get(host) ?? 0) + 1);
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      stats.maxPerHost = Math.max(stats.maxPerHost, perHost.get(host)!);
      try {
        return await http.send(req);
      } finally {
        stats.inFlight -= 1;
        perHost.set(host, perHost.get(host)! - 1);
      }
    },
  };
  return { port, stats };
}

export async function fleetTest(
  jira: JiraSim,
  specs: ConnectorSpec[],
  env: NodeJS.ProcessEnv,
  hosts: number,
) {
  const config = loadConfig({
    ALIGN_BOT_RESOLVE: `*.atlassian.net=127.0.0.1,${jira.gatewayHost}=127.0.0.1`,
    ALIGN_BOT_ALLOWED_HOSTS: jira.allowedHosts().join(','),
    ALIGN_BOT_ATLASSIAN_API_URL: jira.gatewayUrl,
    LOG_LEVEL: 'silent',
  } as NodeJS.ProcessEnv);
  const base = testContextFactory(config);
  let stats: ReturnType<typeof counting>['stats'] | undefined;
  let wrapped: HttpPort | undefined;
  const testContext: typeof base = (target, facts) => {
    const ctx = base(target, facts);
    if (!wrapped) ({ port: wrapped, stats } = counting(ctx.http));
    return { ...ctx, http: wrapped };
  };
  const started = performance.now();
  const failing: ConnectorResult[] = [];
  await testFleet(
    specs,
    { env, testContext, clock: systemClock },
    {
      concurrency: CONCURRENCY,
      perHost: PER_HOST,
      onResult: (r) => void (r.status !== 'ok' && failing.push(r)),
    },
  );
  const wallMs = performance.now() - started;
  if (failing.length > 0)
    throw new Error(
      `${failing.length} connectors did not pass, e.g. ${failing[0]!.name}: ${failing[0]!.code} ${failing[0]!.detail ?? ''}`,
    );
  const n = specs.length;
  const k = stats!.requests / n;
  if (!Number.isInteger(k))
    throw new Error(`connectors made different numbers of requests (${stats!.requests} for ${n})`);
  const idealMs = LATENCY_MS * k * Math.ceil(n / CONCURRENCY);
  return {
    n,
    concurrency: CONCURRENCY,
    perHost: PER_HOST,
    hosts,
    latencyMs: LATENCY_MS,
    requestsPerConnector: k,
    wallMs: Math.round(wallMs),
    idealMs,
    ratio: Math.round((wallMs / idealMs) * 1000) / 1000,
    maxInFlight: stats!.maxInFlight,
    maxPerHost: stats!.maxPerHost,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Compiles src/ into .data/bench-dist (git-ignored); bin/align-bot.js is left alone. */
export async function buildDist(): Promise<string | undefined> {
  const out = join(ROOT, '.data', 'bench-dist');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--sourceMap', 'false'];
  const code = await new Promise<number>((resolve) =>
    spawn(process.execPath, args, { stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)),
  );
  return code === 0 ? join(out, 'main.js') : undefined;
}

export async function startMemory(
  jira: JiraSim,
  specs: ConnectorSpec[],
  token: string,
  entry: string,
): Promise<FleetBenchResult['rss'][number]> {
  const waitMs = Math.max(120_000, specs.length * 100);
  const label = entry.replace(`${ROOT}/`, '');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisAnswers(redisUrl))) return { entry: label, skipped: `no Redis answers on ${redisUrl}` };
  const slack = await new SlackSim().start();
  const dir = mkdtempSync(join(tmpdir(), 'align-bench-'));
  const connectorsFile = join(dir, 'connectors.yaml');
  writeFileSync(
    connectorsFile,
    stringify({
      connectors: specs.map((s) => ({
        name: s.name,
        jira: s.jira.url,
        kind: 'cloud',
        auth: 'basic',
        email: s.email,
        project: s.project,
        secrets: s.secrets,
      })),
    }),
  );
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [entry, 'start'], {
    cwd: dir,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      ALIGN_BOT_REDIS_PREFIX: prefix,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_API_URL: slack.apiUrl,
      ALIGN_BOT_CONNECTORS_FILE: connectorsFile,
      ALIGN_BOT_RESOLVE: `*.atlassian.net=127.0.0.1,${jira.gatewayHost}=127.0.0.1`,
      ALIGN_BOT_ALLOWED_HOSTS: jira.allowedHosts().join(','),
      ALIGN_BOT_ATLASSIAN_API_URL: jira.gatewayUrl,
      ALIGN_BOT_ADMINS: 'UADMIN',
      ALIGN_BOT_REPORT_CONCURRENCY: String(CONCURRENCY),
      ALIGN_BOT_REPORT_PER_HOST: String(PER_HOST),
      [TOKEN_VAR]: token,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const mb = rssMb(child.pid!);
    if (mb !== undefined) samples.push(mb);
  }, 100);
  try {
    await until(
      () =>
        request(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.body.text().then(() => (r.statusCode === 200 ? true : undefined)),
          () => undefined,
        ),
      60_000,
      'align-bot start to answer /healthz',
    );
    await new Promise((r) => setTimeout(r, 1000));
    const baselineMb = rssMb(child.pid!)!;
    samples.length = 0;
    slack.botUrl = `http://127.0.0.1:${port}/slack/events`;
    const started = performance.now();
    const ack = await slack.sendCommand({ text: 'report now', userId: 'UADMIN', channelId: 'CBENCH' });
    if (ack.status !== 200) throw new Error(`report now answered ${ack.status}`);
    const root = await until(
      () =>
        slack.channel('CBENCH').find((m) => /Fleet report:/.test(m.text) && !/testing|starting/.test(m.text)),
      waitMs,
      'the finished report',
    );
    const reportMs = Math.round(performance.now() - started);
    const pages = Number(/Page 1 of (\d+)/.exec(JSON.stringify(root.blocks))?.[1] ?? 1);
    await until(
      () => (slack.thread('CBENCH', root.ts).length >= pages - 1 ? true : undefined),
      Math.max(60_000, pages * 2000),
      'all pages',
    );
    if (!root.text.startsWith('✅')) throw new Error(`the report was not all green: ${root.text}`);
    return {
      entry: label,
      baselineMb: round1(baselineMb),
      peakMb: round1(Math.max(...samples)),
      reportMs,
      pages,
    };
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
    await until(
      () => (child.exitCode !== null || child.signalCode !== null ? true : undefined),
      20_000,
      'align-bot to exit',
    ).catch(() => child.kill('SIGKILL'));
    await slack.stop();
    await deletePrefix(redisUrl, prefix);
  }
}

async function runScale(
  jira: JiraSim,
  token: string,
  scale: Scale,
  compiled: string | undefined,
): Promise<FleetBenchResult> {
  const specs = fleet(jira, token, scale);
  const hosts = Math.ceil(scale.n / scale.perSite);
  const env = { [TOKEN_VAR]: token } as NodeJS.ProcessEnv;
  await fleetTest(jira, specs.slice(0, 20), env, 2); // warm-up: JIT, connection pools
  const runs = [];
  for (let i = 0; i < scale.repeats; i += 1) runs.push(await fleetTest(jira, specs, env, hosts));
  const ratios = runs.map((r) => r.ratio);
  const median = [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(runs.length / 2)]!;
  const rss: FleetBenchResult['rss'] = [];
  if (compiled) rss.push(await startMemory(jira, specs, token, compiled));
  else rss.push({ entry: '.data/bench-dist/main.js', skipped: 'tsc failed' });
  if (scale.fromSource) rss.push(await startMemory(jira, specs, token, join(ROOT, 'bin', 'align-bot.js')));
  return { scale, ratios, fleet: median, rss };
}

/** `sizes`: which fleet sizes to run (all by default). */
export async function runFleetBench(sizes?: number[]): Promise<FleetBenchResult[]> {
  const jira = await new JiraSim().start();
  const token = `bench-${randomBytes(12).toString('hex')}`;
  try {
    const compiled = await buildDist();
    const results: FleetBenchResult[] = [];
    for (const scale of SCALES.filter((s) => !sizes?.length || sizes.includes(s.n))) {
      const result = await runScale(jira, token, scale, compiled);
      printFleetBench(result);
      results.push(result);
    }
    return results;
  } finally {
    await jira.stop();
  }
}

export function printFleetBench(r: FleetBenchResult): void {
  const f = r.fleet;
  const s = r.scale;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const lines = [
    `fleet test: ${f.n} connectors on ${f.hosts} hosts, ${f.latencyMs} ms per Jira answer, concurrency ${f.concurrency}, ≤ ${f.perHost} per host (load average ${load})`,
    `  requests per connector (sequential): ${f.requestsPerConnector}; ideal = ${f.latencyMs} ms × ${f.requestsPerConnector} × ⌈${f.n}/${f.concurrency}⌉ = ${f.idealMs} ms`,
    `  median of ${r.ratios.length}: wall ${f.wallMs} ms → ratio ${f.ratio} (all: ${r.ratios.join(', ')}; target ≤ ${s.wallTarget}) ${f.ratio <= s.wallTarget ? 'OK' : 'OVER'}`,
    `  most requests in flight ${f.maxInFlight}, most per host ${f.maxPerHost}`,
  ];
  for (const m of r.rss) {
    lines.push(
      'skipped' in m
        ? `align-bot start (${m.entry}) RSS: skipped (${m.skipped})`
        : `align-bot start (${m.entry}), report now over ${f.n} connectors: RSS baseline ${m.baselineMb} MB, peak ${m.peakMb} MB (target ≤ ${s.rssTargetMb}) ${m.peakMb <= s.rssTargetMb ? 'OK' : 'OVER'}; report in ${m.reportMs} ms, ${m.pages} page(s)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n${JSON.stringify({ bench: 'fleet', ...r })}\n`);
  const size = f.n.toLocaleString('en');
  const compiled = r.rss[0];
  recordFigures([
    {
      figure: `fleet ${size} wall / ideal`,
      measured: f.ratio,
      unit: '×',
      target: s.wallTarget,
      bench: 'bench/fleet.ts',
    },
    ...(compiled && !('skipped' in compiled)
      ? [
          {
            figure: `start RSS peak, ${size}-connector report`,
            measured: compiled.peakMb,
            unit: 'MB',
            target: s.rssTargetMb,
            bench: 'bench/fleet.ts',
          },
        ]
      : []),
  ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv.slice(2).map(Number).filter(Number.isFinite);
  runFleetBench(sizes).then(
    () => undefined,
    (error: Error) => {
      process.stderr.write(`bench/fleet: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
