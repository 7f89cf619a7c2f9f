/** One line of the audit log: who did what, when, on which connector and run, and how it ended. */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  outcome: 'ok' | 'denied' | 'failed' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  connector?: string;
  runId?: string;
  detail?: string;
}
