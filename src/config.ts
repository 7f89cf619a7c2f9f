/**
 * Environment (and an optional .env file) → typed, validated config, read once at start. Every error names the
 * variable and says how to fix it.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_ALLOWED_HOSTS, type EgressOptions, parseResolveList } from './atlassian/egress.js';
import { parseHostRule } from './atlassian/egress-hosts.js';
import { PlatformSettingsError } from './chat/platform.js';
import { PLATFORMS } from './chat/platforms.js';
import type { MaintenanceSettings } from './core/maintenance.js';
import type { ReportSettings } from './queue/report-settings.js';
import { ConnectorsFileError } from './store/connectors-file.js';
import { DEFAULT_RETENTION_DAYS } from './store/history.js';
import { keyPrefixFor, parseRedisUrl, REDIS_URL_FORMS, RedisUrlError } from './store/redis-url.js';
import { type MasterKey, parseMasterKeys } from './store/vault.js';

export class ConfigError extends Error {
  readonly code = 'CONFIG';
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The configuration error a startup failure amounts to, if it is one: a platform's settings (also when the
 * platform refused a credential at start) or the connectors file. Undefined for anything else.
 */
export function asConfigError(error: unknown): ConfigError | undefined {
  if (error instanceof ConfigError) return error;
  if (error instanceof PlatformSettingsError) return new ConfigError(error.problems);
  if (error instanceof ConnectorsFileError)
    return new ConfigError([
      `ALIGN_BOT_CONNECTORS_FILE: ${error.message} — fix the file (README.md, "Connectors file"), or unset the variable`,
    ]);
  return undefined;
}

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ms = (fallback: number) => z.coerce.number().int().positive().max(600_000).default(fallback);

const httpUrl = z.url({ protocol: /^https?$/ });

const schema = z.object({
  REDIS_URL: z
    .string()
    .trim()
    .superRefine((url, ctx) => {
      try {
        parseRedisUrl(url);
      } catch (error) {
        if (!(error instanceof RedisUrlError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    })
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ALIGN_BOT_CONNECTORS_FILE: z.string().min(1).optional(),
  ALIGN_BOT_ALLOWED_HOSTS: list,
  ALIGN_BOT_ALLOW_PRIVATE_EGRESS: bool,
  ALIGN_BOT_RESOLVE: z.string().optional(),
  ALIGN_BOT_OPERATORS: list,
  ALIGN_BOT_ADMINS: list,
  ALIGN_BOT_APPROVERS: list,
  ALIGN_BOT_ATLASSIAN_API_URL: httpUrl.default('https://api.atlassian.com'),
  ALIGN_BOT_REQUEST_TIMEOUT_MS: ms(10_000),
  ALIGN_BOT_TEST_TIMEOUT_MS: ms(30_000),
  ALIGN_BOT_REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$|^\{[a-z0-9_-]{1,32}\}$/i)
    .default('align'),
  ALIGN_BOT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  // A dead worker's runs move to another within lock + check (≈ 10 s); see docs/operations.md, "Scaling workers".
  ALIGN_BOT_LOCK_MS: z.coerce.number().int().min(2000).max(600_000).default(8000),
  ALIGN_BOT_STALLED_MS: z.coerce.number().int().min(500).max(600_000).default(2000),
  ALIGN_BOT_PUBLIC_URL: httpUrl.optional(),
  ALIGN_BOT_MASTER_KEY: z.string().min(1).optional(),
  ALIGN_BOT_ALLOW_SELF_APPROVAL: bool,
  ALIGN_BOT_APPROVAL_TTL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 60_000),
  ALIGN_BOT_PROMPT_TTL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 3600_000),
  ALIGN_BOT_REPORT_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
  ALIGN_BOT_REPORT_PER_HOST: z.coerce.number().int().min(1).max(50).default(4),
  ALIGN_BOT_HISTORY_DAYS: z.coerce.number().int().min(1).max(3650).default(DEFAULT_RETENTION_DAYS),
  ALIGN_BOT_REPORT_MIN_INTERVAL_MIN: z.coerce.number().int().min(1).max(10_080).default(5),
  ALIGN_BOT_MAINTENANCE_LEAD_MIN: z.coerce.number().int().min(0).max(1440).default(15),
  ALIGN_BOT_MAINTENANCE_REMIND_MIN: z.coerce.number().int().min(1).max(1440).default(10),
  ALIGN_BOT_MAINTENANCE_ESCALATE_MIN: z.coerce.number().int().min(1).max(10_080).default(60),
  ALIGN_BOT_MAINTENANCE_GIVE_UP_MIN: z.coerce.number().int().min(1).max(10_080).default(240),
  ALIGN_BOT_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ALIGN_BOT_METRICS_HOST: z.union([z.ipv4(), z.ipv6(), z.hostname()]).default('127.0.0.1'),
  ALIGN_BOT_ADMIN_USER: z
    .string()
    .regex(/^[^:\s]{1,64}$/, 'not a user name')
    .optional(),
  ALIGN_BOT_ADMIN_PASSWORD: z.string().min(12).max(256).optional(),
  ALIGN_BOT_READY_REQUIRES_WORKER: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const FIXES: Record<string, string> = {
  REDIS_URL: `use ${REDIS_URL_FORMS} (or unset it to use 127.0.0.1:6379)`,
  PORT: 'set a port number such as 3000',
  ALIGN_BOT_ALLOWED_HOSTS:
    'use host patterns separated by commas, each with :port if it is not HTTPS on 443, e.g. jira.example.com,*.corp.example:8443',
  ALIGN_BOT_ALLOW_PRIVATE_EGRESS: 'use true or false',
  ALIGN_BOT_RESOLVE: 'use host=address pairs separated by commas, e.g. acme.atlassian.net=127.0.0.1',
  ALIGN_BOT_ATLASSIAN_API_URL: 'leave it unset (https://api.atlassian.com) or give a simulator’s URL',
  ALIGN_BOT_REDIS_PREFIX: 'use letters, digits, - and _ only, optionally in braces as a hash tag: {align}',
  LOG_LEVEL: 'use one of fatal, error, warn, info, debug, trace, silent',
  ALIGN_BOT_REPORT_CONCURRENCY: 'use a whole number from 1 to 500',
  ALIGN_BOT_LOCK_MS:
    'use milliseconds from 2000 to 600000 (default 8000): how long a dead worker keeps its runs locked',
  ALIGN_BOT_STALLED_MS:
    'use milliseconds from 500 to 600000 (default 2000): how often workers look for runs whose lock expired',
  ALIGN_BOT_REPORT_PER_HOST: 'use a whole number from 1 to 50',
  ALIGN_BOT_HISTORY_DAYS: 'use a number of days from 1 to 3650',
  ALIGN_BOT_REPORT_MIN_INTERVAL_MIN: 'use a number of minutes from 1 to 10080',
  ALIGN_BOT_MAINTENANCE_LEAD_MIN: 'use a number of minutes from 0 to 1440 (default 15)',
  ALIGN_BOT_MAINTENANCE_REMIND_MIN: 'use a number of minutes from 1 to 1440 (default 10)',
  ALIGN_BOT_MAINTENANCE_ESCALATE_MIN: 'use a number of minutes from 1 to 10080 (default 60)',
  ALIGN_BOT_MAINTENANCE_GIVE_UP_MIN: 'use a number of minutes from 1 to 10080 (default 240)',
  ALIGN_BOT_METRICS_PORT:
    'use a port number such as 9464 (the default for start and web; 0 picks a free one), or unset it',
  ALIGN_BOT_METRICS_HOST:
    'use the address the internal listener binds, e.g. 127.0.0.1 (the default) or a private interface’s address',
  ALIGN_BOT_MASTER_KEY:
    'generate one with: openssl rand -base64 32 (optionally "kid:" in front; several comma-separated for rotation)',
  ALIGN_BOT_ADMIN_USER: 'use a user name of up to 64 characters, without ":" or spaces',
  ALIGN_BOT_ADMIN_PASSWORD:
    'use 12 to 256 characters, e.g. the output of: openssl rand -base64 24 (put it in your secret store)',
  ALIGN_BOT_READY_REQUIRES_WORKER:
    'use true (the default: /readyz fails while no worker is alive) or false (/readyz checks Redis only)',
  ALIGN_BOT_PUBLIC_URL: 'the https:// address where people reach this bot (used in secret-form links)',
};

export interface Config {
  redisUrl: string;
  /** True when REDIS_URL was not set: `start` may launch a private redis-server. */
  redisDefaulted: boolean;
  redisPrefix: string;
  port: number;
  /** Settings of each configured chat platform, by platform id (src/chat/platforms.ts); none: the sandbox. */
  platforms: Record<string, unknown>;
  connectorsFile?: string;
  egress: {
    allowedHosts: string[];
    allowPrivate: boolean;
    resolve: Record<string, string>;
    /** Name service for hosts no pin matches; real DNS when absent (the sandbox resolves nothing beyond its pins). */
    lookup?: EgressOptions['lookup'];
  };
  roles: { operators: string[]; admins: string[]; approvers: string[] };
  atlassianApiUrl: string;
  limits: { requestMs: number; totalMs: number };
  worker: { concurrency: number; lockMs: number; stalledMs: number };
  publicUrl?: string;
  masterKeys: MasterKey[];
  approvals: { allowSelfApproval: boolean; ttlMs: number };
  promptTtlMs: number;
  reports: ReportSettings;
  /** Maintenance windows: lead time, reminders, escalation, giving up (minutes in the environment). */
  maintenance: MaintenanceSettings;
  /** The internal listener's port (/metrics): set, or DEFAULT_METRICS_PORT for start and web; a worker only if set. */
  metricsPort?: number;
  /** The internal listener's address; 127.0.0.1 unless configured. */
  metricsHost: string;
  /** The queue dashboard's basic-auth credentials; without them the dashboard is off. */
  admin?: { user: string; password: string };
  /** Whether /readyz also needs a live worker (a fresh heartbeat), or Redis alone. */
  readyRequiresWorker: boolean;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Prometheus's customary exporter port; the internal listener of `start` and `web` when none is configured. */
export const DEFAULT_METRICS_PORT = 9464;

/** Reads .env (if present) without overriding variables already set, then validates. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): Config {
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  const platformProblems: string[] = [];
  const platforms = readPlatforms(env, platformProblems);
  if (!parsed.success) {
    throw new ConfigError([
      ...parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return `${name}: ${issue.message}${FIXES[name] ? ` — ${FIXES[name]}` : ''}`;
      }),
      ...platformProblems,
    ]);
  }
  return toConfig(parsed.data, platforms, platformProblems);
}

/** Each chat platform reads its own variables; a platform without them is simply not configured. */
function readPlatforms(env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const platforms: Record<string, unknown> = {};
  for (const entry of PLATFORMS) {
    try {
      const settings = entry.readSettings(env);
      if (settings !== undefined) platforms[entry.id] = settings;
    } catch (error) {
      if (!(error instanceof PlatformSettingsError)) throw error;
      problems.push(...error.problems);
    }
  }
  return platforms;
}

function toConfig(
  e: z.infer<typeof schema>,
  platforms: Record<string, unknown>,
  platformProblems: string[],
): Config {
  const problems: string[] = [...platformProblems];
  if (e.ALIGN_BOT_CONNECTORS_FILE && !existsSync(e.ALIGN_BOT_CONNECTORS_FILE)) {
    problems.push(
      `ALIGN_BOT_CONNECTORS_FILE: ${e.ALIGN_BOT_CONNECTORS_FILE} does not exist — fix the path or unset it`,
    );
  }
  let masterKeys: MasterKey[] = [];
  try {
    masterKeys = e.ALIGN_BOT_MASTER_KEY ? parseMasterKeys(e.ALIGN_BOT_MASTER_KEY) : [];
  } catch (error) {
    problems.push(`ALIGN_BOT_MASTER_KEY: ${(error as Error).message} — ${FIXES.ALIGN_BOT_MASTER_KEY}`);
  }
  let resolve: Record<string, string> = {};
  try {
    resolve = parseResolveList(e.ALIGN_BOT_RESOLVE);
  } catch (error) {
    problems.push(`ALIGN_BOT_RESOLVE: ${(error as Error).message} — ${FIXES.ALIGN_BOT_RESOLVE}`);
  }
  for (const entry of e.ALIGN_BOT_ALLOWED_HOSTS) {
    try {
      parseHostRule(entry);
    } catch (error) {
      problems.push(
        `ALIGN_BOT_ALLOWED_HOSTS: ${(error as Error).message} — ${FIXES.ALIGN_BOT_ALLOWED_HOSTS}`,
      );
    }
  }
  if (e.PORT !== 0 && e.PORT === e.ALIGN_BOT_METRICS_PORT)
    problems.push(
      `ALIGN_BOT_METRICS_PORT: the same as PORT (${e.PORT}) — the internal listener needs a port of its own (9464 is customary)`,
    );
  if (Boolean(e.ALIGN_BOT_ADMIN_USER) !== Boolean(e.ALIGN_BOT_ADMIN_PASSWORD)) {
    const [missing, present] = e.ALIGN_BOT_ADMIN_USER
      ? ['ALIGN_BOT_ADMIN_PASSWORD', 'ALIGN_BOT_ADMIN_USER']
      : ['ALIGN_BOT_ADMIN_USER', 'ALIGN_BOT_ADMIN_PASSWORD'];
    problems.push(
      `${missing}: is missing while ${present} is set — set both to turn the queue dashboard on, or neither`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    redisUrl: e.REDIS_URL ?? DEFAULT_REDIS_URL,
    redisDefaulted: !e.REDIS_URL,
    redisPrefix: keyPrefixFor(parseRedisUrl(e.REDIS_URL ?? DEFAULT_REDIS_URL), e.ALIGN_BOT_REDIS_PREFIX),
    port: e.PORT,
    platforms,
    ...(e.ALIGN_BOT_CONNECTORS_FILE ? { connectorsFile: e.ALIGN_BOT_CONNECTORS_FILE } : {}),
    egress: {
      allowedHosts: [...DEFAULT_ALLOWED_HOSTS, ...e.ALIGN_BOT_ALLOWED_HOSTS],
      allowPrivate: e.ALIGN_BOT_ALLOW_PRIVATE_EGRESS,
      resolve,
    },
    roles: { operators: e.ALIGN_BOT_OPERATORS, admins: e.ALIGN_BOT_ADMINS, approvers: e.ALIGN_BOT_APPROVERS },
    atlassianApiUrl: e.ALIGN_BOT_ATLASSIAN_API_URL.replace(/\/+$/, ''),
    limits: { requestMs: e.ALIGN_BOT_REQUEST_TIMEOUT_MS, totalMs: e.ALIGN_BOT_TEST_TIMEOUT_MS },
    worker: {
      concurrency: e.ALIGN_BOT_WORKER_CONCURRENCY,
      lockMs: e.ALIGN_BOT_LOCK_MS,
      stalledMs: e.ALIGN_BOT_STALLED_MS,
    },
    ...(e.ALIGN_BOT_PUBLIC_URL ? { publicUrl: e.ALIGN_BOT_PUBLIC_URL.replace(/\/+$/, '') } : {}),
    masterKeys,
    approvals: { allowSelfApproval: e.ALIGN_BOT_ALLOW_SELF_APPROVAL, ttlMs: e.ALIGN_BOT_APPROVAL_TTL_MS },
    promptTtlMs: e.ALIGN_BOT_PROMPT_TTL_MS,
    reports: {
      concurrency: e.ALIGN_BOT_REPORT_CONCURRENCY,
      perHost: e.ALIGN_BOT_REPORT_PER_HOST,
      retentionDays: e.ALIGN_BOT_HISTORY_DAYS,
      minIntervalMs: e.ALIGN_BOT_REPORT_MIN_INTERVAL_MIN * 60_000,
    },
    maintenance: {
      leadMs: e.ALIGN_BOT_MAINTENANCE_LEAD_MIN * 60_000,
      remindMs: e.ALIGN_BOT_MAINTENANCE_REMIND_MIN * 60_000,
      escalateMs: e.ALIGN_BOT_MAINTENANCE_ESCALATE_MIN * 60_000,
      giveUpMs: e.ALIGN_BOT_MAINTENANCE_GIVE_UP_MIN * 60_000,
    },
    ...(e.ALIGN_BOT_METRICS_PORT !== undefined ? { metricsPort: e.ALIGN_BOT_METRICS_PORT } : {}),
    metricsHost: e.ALIGN_BOT_METRICS_HOST,
    ...(e.ALIGN_BOT_ADMIN_USER && e.ALIGN_BOT_ADMIN_PASSWORD
      ? { admin: { user: e.ALIGN_BOT_ADMIN_USER, password: e.ALIGN_BOT_ADMIN_PASSWORD } }
      : {}),
    readyRequiresWorker: e.ALIGN_BOT_READY_REQUIRES_WORKER,
    logLevel: e.LOG_LEVEL,
  };
}
