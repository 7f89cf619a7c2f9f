/**
 * In-memory stand-ins for the stores ActionService uses (runs, decisions, forms, queues, audit), recording every
 * call, so property tests can click thousands of buttons without Redis. Decisions keep the real store's rule:
 * first write wins.
 */

import { ActionService } from '../../src/app/action-service.js';
import type { ApprovalPolicy } from '../../src/core/approvals.js';
import type { AuditEntry } from '../../src/core/audit-entry.js';
import type { RolePolicy } from '../../src/core/authz.js';
import type { Decision } from '../../src/core/decisions.js';
import type { Run } from '../../src/core/run.js';
import { createLogger } from '../../src/logger.js';
import type { Queues } from '../../src/queue/queues.js';
import type { AuditLog } from '../../src/store/audit.js';
import type { DecisionStore } from '../../src/store/decisions.js';
import type { FormStore, FormTicket } from '../../src/store/forms.js';
import type { RunStore } from '../../src/store/runs.js';

export class FakeRuns {
  readonly byId = new Map<string, Run>();
  constructor(runs: Run[]) {
    for (const run of runs) this.byId.set(run.id, structuredClone(run));
  }
  async get(id: string): Promise<Run | undefined> {
    const run = this.byId.get(id);
    return run ? structuredClone(run) : undefined;
  }
}

export class FakeDecisions {
  readonly stored = new Map<string, Decision>();
  readonly calls: Array<{ runId: string; stepId: string; attempt: number; decision: Decision }> = [];
  static key(runId: string, stepId: string, attempt: number): string {
    return JSON.stringify([runId, stepId, attempt]);
  }
  async decide(runId: string, stepId: string, attempt: number, decision: Decision) {
    this.calls.push({ runId, stepId, attempt, decision });
    const key = FakeDecisions.key(runId, stepId, attempt);
    const existing = this.stored.get(key);
    if (existing) return { won: false, decision: existing };
    this.stored.set(key, decision);
    return { won: true, decision };
  }
}

export class FakeForms {
  readonly issued: Array<Omit<FormTicket, 'expiresAt'>> = [];
  async issue(ticket: Omit<FormTicket, 'expiresAt'>) {
    this.issued.push(ticket);
    return {
      token: `form-token-${this.issued.length}`,
      ticket: { ...ticket, expiresAt: Date.now() + 600_000 },
    };
  }
}

export class FakeQueues {
  readonly woken: string[] = [];
  async wake(runId: string): Promise<void> {
    this.woken.push(runId);
  }
}

export class FakeAudit {
  readonly entries: Array<Omit<AuditEntry, 'at'>> = [];
  async append(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    this.entries.push(entry);
  }
}

export interface ActionWorld {
  service: ActionService;
  runs: FakeRuns;
  decisions: FakeDecisions;
  forms: FakeForms;
  queues: FakeQueues;
  audit: FakeAudit;
}

export function actionWorld(
  runs: Run[],
  policy: { roles: RolePolicy; approvals: ApprovalPolicy },
  publicUrl = 'https://align-bot.example.com',
): ActionWorld {
  const world = {
    runs: new FakeRuns(runs),
    decisions: new FakeDecisions(),
    forms: new FakeForms(),
    queues: new FakeQueues(),
    audit: new FakeAudit(),
  };
  const service = new ActionService({
    runs: world.runs as unknown as RunStore,
    decisions: world.decisions as unknown as DecisionStore,
    forms: world.forms as unknown as FormStore,
    queues: world.queues as unknown as Queues,
    audit: world.audit as unknown as AuditLog,
    roles: policy.roles,
    approvals: policy.approvals,
    publicUrl,
    logger: createLogger('silent'),
  });
  return { service, ...world };
}
