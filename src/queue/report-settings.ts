/**
 * Fleet-report settings from the environment. Kept here rather than in config.ts so the report feature stays in
 * its own files; each variable is validated and an error names it and says how to fix it.
 */
import { z } from 'zod';
import { DEFAULT_RETENTION_DAYS } from '../store/history.js';

export interface ReportSettings {
  /** Connectors tested at once. */
  concurrency: number;
  /** Connectors tested at once against one Jira host. */
  perHost: number;
  retentionDays: number;
  /** Shortest interval a chat-given cron may have. */
  minIntervalMs: number;
}

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  ALIGN_BOT_REPORT_CONCURRENCY: int(1, 500, 50),
  ALIGN_BOT_REPORT_PER_HOST: int(1, 50, 4),
  ALIGN_BOT_HISTORY_DAYS: int(1, 3650, DEFAULT_RETENTION_DAYS),
  ALIGN_BOT_REPORT_MIN_INTERVAL_MIN: int(1, 10_080, 5),
});

export function reportSettings(env: NodeJS.ProcessEnv = process.env): ReportSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${String(issue.path[0])}: ${issue.message} — use a whole number in range, or unset it.`);
  }
  const e = parsed.data;
  return {
    concurrency: e.ALIGN_BOT_REPORT_CONCURRENCY,
    perHost: e.ALIGN_BOT_REPORT_PER_HOST,
    retentionDays: e.ALIGN_BOT_HISTORY_DAYS,
    minIntervalMs: e.ALIGN_BOT_REPORT_MIN_INTERVAL_MIN * 60_000,
  };
}
