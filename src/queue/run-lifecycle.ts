/**
 * The run lifecycle, one place for every run kind (test, connect, rotate, report, maintenance):
 *
 *   queued ──start──▶ running ⇄ waiting (park … wake) ──end──▶ succeeded | failed | cancelled | expired
 *
 * - start: the worker picked the job up (first time, after a wake, or after a crash); the run is `running`.
 * - save: progress is persisted before the next step starts, and the outbox is asked to redraw.
 * - park: a step waits for a person; the job sleeps in `delayed` until its deadline or a wake.
 * - wakeRun / reviveRun: a click, a form or `/align cancel` brings the job back (revive also restarts a job that
 *   failed or was lost, so a cancel always lands).
 * - checkCancel: between steps every executor asks; a requested cancel ends the run and unwinds the executor, and a
 *   worker that is stopping hands the run back (RunHandedBack) so that the next worker continues at this step.
 * - end: once, the same way for every kind and reason — state, outcome and endedAt; saved; the active claim
 *   released; the audit entry; the connector's last result (where the kind records one); one chat sync.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { AuditEntry } from '../core/audit-entry.js';
import { lastResultOf } from '../core/last-result.js';
import type { Clock } from '../core/ports.js';
import {
  type EndReason,
  isTerminal,
  type Run,
  type RunKind,
  type RunOutcome,
  runOutcome,
} from '../core/run.js';
import type { AuditLog } from '../store/audit.js';
import type { ConnectorStore } from '../store/connectors.js';
import type { DecisionStore } from '../store/decisions.js';
import type { HistoryStore } from '../store/history.js';
import type { RunStore } from '../store/runs.js';
import type { Queues } from './queues.js';
import { testResult } from './test-results.js';

/** What ending, saving and parking touch (narrow, so unit tests can pass in-memory stores). */
export interface LifecycleDeps {
  runs: Pick<RunStore, 'save' | 'releaseActive'> & Partial<Pick<RunStore, 'assertHeld'>>;
  connectors: Pick<ConnectorStore, 'setLastResult'>;
  queues: Pick<Queues, 'requestSync'>;
  decisions: Pick<DecisionStore, 'get' | 'cancelledBy'>;
  audit: Pick<AuditLog, 'append'>;
  clock: Clock;
  /** The time BullMQ's delays run on (wall time); a test whose clock is its own maps it onto that clock. */
  wallNow?: () => number;
  /** Results of named tests join the connector's history (uptime in reports). */
  history?: Pick<HistoryStore, 'append'>;
  /** True once this worker process is stopping: runs hand their jobs back at their next step boundary. */
  stopping?: () => boolean;
  logger: Logger;
}

/** Thrown by checkCancel after the run ended as cancelled: unwinds the executor; the processor returns. */
export class RunCancelled extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} was cancelled`);
    this.name = 'RunCancelled';
  }
}

/**
 * Thrown by checkCancel while the worker is stopping, after the run's progress was saved: the processor moves the
 * job back to wait (releasing its lock), so a restarted or another worker resumes the run at once.
 */
export class RunHandedBack extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} was handed back: the worker is stopping`);
    this.name = 'RunHandedBack';
  }
}

/** What differs between kinds at the ends of a run (declared per kind in run-kinds.ts). */
export interface KindPolicy {
  /** The start is audited (guided runs); others are audited only when they end. */
  auditsStart: boolean;
  /** The run's verdict becomes the connector's last result. */
  recordsResult(run: Run): boolean;
}

/** Only a finished verdict says something about the connector; a cancel or a bot failure does not. */
const VERDICTS: readonly EndReason[] = ['passed', 'failed'];

const AUDIT_OUTCOME: Record<EndReason, AuditEntry['outcome']> = {
  passed: 'ok',
  failed: 'failed',
  cancelled: 'cancelled',
  expired: 'expired',
  denied: 'rejected',
  'rolled-back': 'failed',
  'connector-gone': 'failed',
  'internal-failure': 'failed',
  'in-maintenance': 'ok',
};

export class RunLifecycle {
  constructor(
    private readonly deps: LifecycleDeps,
    private readonly kinds: Record<RunKind, KindPolicy>,
  ) {}

  /** The worker took the run up: it is running (not queued, not waiting any more). */
  async start(run: Run, options: { sync?: boolean } = {}): Promise<void> {
    const first = run.state === 'queued';
    if (run.state === 'queued' || run.state === 'waiting') run.state = 'running';
    if (first && this.kinds[run.kind].auditsStart) await this.audit(run, `${run.kind} started`, 'ok');
    await this.save(run, options);
  }

  /** Persists progress, then asks the outbox to redraw the run's messages. */
  async save(run: Run, options: { sync?: boolean } = {}): Promise<void> {
    await this.deps.runs.save(run);
    if (options.sync !== false) await this.deps.queues.requestSync(run.id);
  }

  /**
   * Between steps: a worker that lost the run throws RunLockLost (store/runs.ts); a requested cancel ends the run
   * now and throws RunCancelled; a stopping worker throws RunHandedBack (the run's progress is already saved).
   */
  async checkCancel(run: Run): Promise<void> {
    if (isTerminal(run.state)) return;
    // Both reads at once: a lost lock rejects the pair, and the step boundary costs one round trip, not two.
    const [by] = await Promise.all([
      this.deps.decisions.cancelledBy(run.id),
      this.deps.runs.assertHeld?.(run),
    ]);
    if (by) {
      await this.end(run, runOutcome('cancelled', { by }));
      throw new RunCancelled(run.id);
    }
    if (this.deps.stopping?.()) throw new RunHandedBack(run.id);
  }

  /**
   * A step waits for a person (or a time) until `deadline`: the run is saved as waiting and its job parked in
   * `delayed` (no worker slot held). Throws DelayedError, which the processor hands back to BullMQ. The deadline
   * is on the run's clock; BullMQ counts real time, so the job sleeps for what remains of it.
   */
  async park(run: Run, ask: { stepId: string; attempt: number; deadline: number }, job: Job, token?: string) {
    run.state = 'waiting';
    await this.save(run);
    const wallNow = this.deps.wallNow ?? Date.now;
    await job.moveToDelayed(wallNow() + Math.max(0, ask.deadline - this.deps.clock.now()), token);
    // A decision or a cancel recorded between our last read and the move would otherwise wait for the deadline.
    const answered =
      (await this.deps.decisions.get(run.id, ask.stepId, ask.attempt)) ||
      (await this.deps.decisions.cancelledBy(run.id));
    if (answered) await job.promote().catch(() => undefined);
    throw new DelayedError();
  }

  /** Ends the run, once: the same sequence for every kind and every reason. A run that has ended stays as it is. */
  async end(run: Run, outcome: RunOutcome, options: { sync?: boolean } = {}): Promise<void> {
    if (isTerminal(run.state)) return;
    run.state = outcome.state;
    run.outcome = outcome;
    run.endedAt = this.deps.clock.now();
    closeSteps(run, outcome);
    await this.deps.runs.save(run);
    await this.deps.runs.releaseActive(run.kind, run.connector, run.id);
    await this.audit(run, run.kind, AUDIT_OUTCOME[outcome.reason], endDetail(outcome));
    if (VERDICTS.includes(outcome.reason) && this.kinds[run.kind].recordsResult(run)) {
      await this.deps.connectors.setLastResult(run.connector, lastResultOf(run));
      if (run.kind === 'test') await this.deps.history?.append(run.id, testResult(run));
    }
    if (options.sync !== false) await this.deps.queues.requestSync(run.id);
  }

  /** The job failed on its last attempt, or was lost: the run ends failed with a code and the id to quote. */
  async endInternalFailure(run: Run, cause: string): Promise<void> {
    await this.end(
      run,
      runOutcome('internal-failure', {
        code: 'BOT_INTERNAL_FAILURE',
        detail: `${cause} Run id to quote: ${run.id}.`,
      }),
    );
  }

  private async audit(run: Run, action: string, outcome: AuditEntry['outcome'], detail?: string) {
    await this.deps.audit
      .append({
        actor: run.requestedBy.id,
        action,
        outcome,
        connector: run.connector,
        runId: run.id,
        ...(detail ? { detail } : {}),
      })
      .catch((error: Error) =>
        this.deps.logger.warn({ runId: run.id, err: { message: error.message } }, 'audit append failed'),
      );
  }
}

/** Steps still open when the run ends: a waiting one expired fails, every other open step is skipped. */
function closeSteps(run: Run, outcome: RunOutcome): void {
  for (const step of run.steps) {
    if (step.status === 'waiting' && outcome.reason === 'expired') {
      step.status = 'fail';
      step.detail = 'Nobody answered before the deadline.';
    } else if (step.status === 'waiting' || step.status === 'pending' || step.status === 'running') {
      step.status = 'skip';
      if (outcome.state === 'cancelled') step.detail = 'Cancelled.';
    }
    delete step.deadline;
  }
}

function endDetail(outcome: RunOutcome): string | undefined {
  if (outcome.reason === 'passed' || outcome.reason === 'failed')
    return outcome.code ? `${outcome.reason} ${outcome.code}` : undefined;
  return [outcome.reason, outcome.code, outcome.by ? `by ${outcome.by}` : undefined]
    .filter(Boolean)
    .join(' ');
}

/** A click or a form answered a parked run: bring its job back now (a run not parked reads it at its next step). */
export async function wakeRun(queues: Pick<Queues, 'wake'>, runId: string): Promise<void> {
  await queues.wake(runId);
}

/** What reviving a run needs of the queues: its job, or a fresh one. */
export type RevivableQueues = Pick<Queues, 'enqueueRun'> & { readonly runs: Pick<Queues['runs'], 'getJob'> };

/**
 * `/align cancel`: wake the run wherever its job is. A job that failed for good or was lost is restarted, so the
 * worker that takes it reads the cancel first and ends the run; a parked one is promoted.
 */
export async function reviveRun(queues: RevivableQueues, runId: string): Promise<void> {
  const job = await queues.runs.getJob(runId);
  if (!job) return queues.enqueueRun(runId);
  const state = await job.getState();
  if (state === 'delayed') await job.promote().catch(() => undefined);
  else if (state === 'failed' || state === 'completed') await job.retry(state).catch(() => undefined);
}
