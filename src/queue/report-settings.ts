/** Fleet-report settings; read and validated with the rest of the environment in src/config.ts. */
export interface ReportSettings {
  /** Connectors tested at once. */
  concurrency: number;
  /** Connectors tested at once against one Jira host. */
  perHost: number;
  retentionDays: number;
  /** Shortest interval a chat-given cron may have. */
  minIntervalMs: number;
}
