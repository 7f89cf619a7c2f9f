/**
 * `/align maintenance <name> --from … --until … [--tz Zone] | list | cancel <id>` on the ack path (issue 13). A
 * window is a `maintenance` Run, written and enqueued at once: its job parks until the prompt time (a delayed job
 * survives restarts). Scheduling takes a short per-connector lock, so two overlapping windows cannot both pass the
 * overlap check. Every Redis round trip is bounded, like every ack-path call.
 */
import type { Logger } from 'pino';
import { isAdmin, type Principal, type RolePolicy } from '../core/authz.js';
import type { MaintenanceCommand } from '../core/commands.js';
import {
  effectiveWindow,
  type MaintenanceNote,
  type MaintenanceParams,
  type MaintenanceSettings,
  overlapping,
  phaseOf,
  WINDOW_LIMITS,
  windowProblem,
  windowText,
} from '../core/maintenance.js';
import {
  crossesDstChange,
  formatLocal,
  formatUtc,
  parseWindowTime,
  spanText,
} from '../core/maintenance-time.js';
import { type Clock, systemClock } from '../core/ports.js';
import { isTerminal, type Run } from '../core/run.js';
import { maintenanceListView } from '../core/views/maintenance-view.js';
import { say } from '../core/views/say.js';
import type { MessageView } from '../core/views/view.js';
import type { Queues } from '../queue/queues.js';
import { newRun } from '../queue/run-kinds.js';
import { reviveRun } from '../queue/run-lifecycle.js';
import type { AuditLog } from '../store/audit.js';
import type { ConnectorStore } from '../store/connectors.js';
import type { DecisionStore } from '../store/decisions.js';
import { type MaintenanceStore, WINDOW_RETENTION_MS } from '../store/maintenance.js';
import { withTimeout } from '../store/redis.js';
import { newRunId, type RunStore } from '../store/runs.js';
import type { CommandRequest } from './command-request.js';

export interface MaintenanceCommandDeps {
  runs: RunStore;
  queues: Queues;
  connectors: ConnectorStore;
  decisions: DecisionStore;
  audit: AuditLog;
  store: MaintenanceStore;
  settings: MaintenanceSettings;
  policy: RolePolicy;
  clock?: Clock;
  logger: Logger;
  timeoutMs?: number;
}

/** Ended windows `maintenance list` still shows. */
const LIST_ENDED_MS = 7 * 86_400_000;

export class MaintenanceCommands {
  private readonly clock: Clock;

  constructor(private readonly deps: MaintenanceCommandDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  async handle(command: MaintenanceCommand, request: CommandRequest): Promise<MessageView> {
    switch (command.action) {
      case 'schedule':
        return this.schedule(command, request);
      case 'list':
        return this.list(request.prefix);
      case 'cancel':
        return this.cancel(command.runId, request);
    }
  }

  /** Per connector, what `status` says about its maintenance. */
  async notes(): Promise<Map<string, MaintenanceNote>> {
    return this.bounded(this.deps.store.notes(this.clock.now()));
  }

  private async schedule(
    command: Extract<MaintenanceCommand, { action: 'schedule' }>,
    request: CommandRequest,
  ): Promise<MessageView> {
    const example = `Example: ${request.prefix} maintenance ${command.name} --from 2026-12-05T22:00 --until 2026-12-06T02:00 --tz Europe/Berlin`;
    const from = parseWindowTime(command.from, command.tz);
    if (!from.ok) return say(`❓ --from: ${from.problem}\n${example}`);
    const until = parseWindowTime(command.until, command.tz);
    if (!until.ok) return say(`❓ --until: ${until.problem}\n${example}`);
    const now = this.clock.now();
    const problem = windowProblem(from.at, until.at, now);
    if (problem) return say(`❓ ${problem}`);
    if (!(await this.bounded(this.deps.connectors.exists(command.name))))
      return say(`No connector named “${command.name}”. ${request.prefix} list shows the connectors.`);
    const token = await this.bounded(this.deps.store.lock(command.name));
    if (!token)
      return say(
        `Another maintenance window of ${command.name} is being scheduled right now; try again in a moment.`,
      );
    try {
      const windows = await this.bounded(this.deps.store.windows(now));
      const clash = overlapping(windows, command.name, from.at, until.at)[0];
      if (clash) return say(overlapText(clash.run, effectiveWindow(clash), request.prefix));
      const open = windows.filter((w) => w.run.connector === command.name && !isTerminal(w.run.state));
      if (open.length >= WINDOW_LIMITS.openPerConnector)
        return say(
          `${command.name} has ${open.length} maintenance windows planned already, the most Align Bot keeps; cancel one first.`,
        );
      const notes = [from.note, until.note].filter((n): n is string => n !== undefined);
      if (crossesDstChange(from.at, until.at, command.tz))
        notes.push(
          `The clocks change in ${command.tz} during this window: it lasts ${spanText(until.at - from.at)}.`,
        );
      const params: MaintenanceParams = {
        name: command.name,
        from: from.at,
        until: until.at,
        tz: command.tz,
        settings: this.deps.settings,
        ...(notes.length > 0 ? { notes } : {}),
      };
      const run = await this.create(params, request, now);
      if (!run)
        return say(
          '⚠️ Align Bot keeps at most 1,000 maintenance windows; cancel some that are no longer needed.',
        );
      this.audit(request, 'maintenance schedule', run.id, command.name, windowText(params));
      return say(confirmation(run, params, request.prefix));
    } finally {
      await this.deps.store.unlock(command.name, token).catch(() => undefined);
    }
  }

  /** Writes the run, indexes it, enqueues its job; undefined when the index is full. */
  private async create(
    params: MaintenanceParams,
    request: CommandRequest,
    now: number,
  ): Promise<Run | undefined> {
    const run = newRun({
      id: newRunId(),
      kind: 'maintenance',
      connector: params.name,
      requestedBy: request.user,
      conversation: request.conversation,
      params: params as unknown as Record<string, unknown>,
      now,
    });
    await this.bounded(this.deps.runs.create(run));
    try {
      if (!(await this.bounded(this.deps.store.add(run.id, params.until, now)))) {
        await this.deps.runs.discard(run);
        return undefined;
      }
      await this.deps.queues.enqueueRun(run.id, this.deps.timeoutMs ?? 1500);
    } catch (error) {
      void this.deps.runs.discard(run).catch(() => undefined);
      void this.deps.store.remove(run.id).catch(() => undefined);
      throw error;
    }
    return run;
  }

  private async list(prefix: string): Promise<MessageView> {
    const now = this.clock.now();
    const windows = await this.bounded(this.deps.store.windows(now - WINDOW_RETENTION_MS));
    const shown = windows.filter(
      (w) => !isTerminal(w.run.state) || (w.run.endedAt ?? now) >= now - LIST_ENDED_MS,
    );
    return maintenanceListView(shown, prefix);
  }

  /** Like `cancel`, for maintenance runs only, and it says what a cancel leaves behind. */
  private async cancel(runId: string, request: CommandRequest): Promise<MessageView> {
    const run = await this.bounded(this.deps.runs.get(runId));
    if (run?.kind !== 'maintenance')
      return say(`No maintenance window ${runId}. ${request.prefix} maintenance list shows them.`);
    if (isTerminal(run.state)) return say(`Maintenance window ${runId} has already ended (${run.state}).`);
    const who: Principal = {
      id: request.user.id,
      ...(request.user.groups ? { groups: request.user.groups } : {}),
    };
    if (run.requestedBy.id !== who.id && !isAdmin(this.deps.policy, who))
      return say([
        '🔒 Only ',
        { user: run.requestedBy.id },
        ' or an Align Bot admin can cancel this window.',
      ]);
    await this.bounded(this.deps.decisions.requestCancel(runId, who.id));
    await this.bounded(reviveRun(this.deps.queues, runId));
    this.audit(request, 'maintenance cancel', runId, run.connector);
    const phase = phaseOf(run);
    const deactivated = phase !== 'scheduled' && phase !== 'deactivate';
    return say(
      deactivated
        ? `Cancelling maintenance window ${runId} of ${run.connector}. The connector was deactivated for it: activate it in Jira Align yourself, then run ${request.prefix} test ${run.connector} — until a test passes, reports show it as still deactivated.`
        : `Cancelling maintenance window ${runId} of ${run.connector} (${windowText(effectiveWindow({ run }))}).`,
    );
  }

  private audit(request: CommandRequest, action: string, runId: string, connector: string, detail?: string) {
    void this.deps.audit
      .append({
        actor: request.user.id,
        action,
        outcome: 'ok',
        runId,
        connector,
        ...(detail ? { detail } : {}),
      })
      .catch(() => undefined);
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.deps.timeoutMs ?? 1500, 'Redis did not answer in time');
  }
}

function overlapText(run: Run, w: ReturnType<typeof effectiveWindow>, prefix: string): string {
  return `❓ ${run.connector} already has a maintenance window that overlaps this one: ${run.id}, ${windowText(w)}. Pick another time, or cancel it first with ${prefix} maintenance cancel ${run.id}.`;
}

function confirmation(run: Run, p: MaintenanceParams, prefix: string): string {
  const promptAt = Math.max(p.from - p.settings.leadMs, run.createdAt);
  const lines = [
    `🗓 Maintenance window ${run.id} scheduled for ${p.name}: ${windowText(p)} — ${formatUtc(p.from)} → ${formatUtc(p.until, p.from)}.`,
    `Align Bot asks to Deactivate the connector ${promptAt <= run.createdAt ? 'now' : `at ${formatLocal(promptAt, p.tz)}`}, tells this channel that Jira Align edits should wait, and after the window tests Jira until it answers, asks to Activate and verifies the connector.`,
    ...(p.notes ?? []).map((n) => `Note: ${n}`),
    `${prefix} maintenance cancel ${run.id} cancels it; ${prefix} maintenance list shows every window.`,
  ];
  return lines.join('\n');
}
