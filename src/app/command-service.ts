/**
 * The ack path, shared by Slack and Teams: parse → authorize → write the Run → enqueue → answer. It never calls
 * Jira or Jira Align, and everything it awaits is bounded, so the answer comes well within Slack's 3 seconds.
 */
import type { Logger } from 'pino';
import { maybeDelivered } from '../chat/port.js';
import {
  denialText,
  hasRole,
  isAdmin,
  type Principal,
  type RolePolicy,
  requiredRole,
} from '../core/authz.js';
import { type Command, parseCommand, UsageError } from '../core/commands.js';
import { isTerminal, type MessageRef, type RunKind } from '../core/run.js';
import { auditView } from '../core/views/audit-view.js';
import { helpView, usageView } from '../core/views/help-view.js';
import { say } from '../core/views/say.js';
import { listView } from '../core/views/status-view.js';
import type { MessageView } from '../core/views/view.js';
import { hashMessage } from '../queue/outbox.js';
import { inDoubt } from '../queue/post-once.js';
import { newRun, RUN_KINDS } from '../queue/run-kinds.js';
import { type RevivableQueues, reviveRun } from '../queue/run-lifecycle.js';
import type { AuditLog } from '../store/audit.js';
import type { ConnectorStore } from '../store/connectors.js';
import type { DecisionStore } from '../store/decisions.js';
import type { DeliveryStore } from '../store/delivery.js';
import { withTimeout } from '../store/redis.js';
import { newRunId, type RunStore } from '../store/runs.js';
import type { CommandRequest } from './command-request.js';
import type { MaintenanceCommands } from './maintenance-commands.js';
import type { ReportCommands } from './report-commands.js';

/** The parts of each store the ack path uses (narrow, so unit tests can pass in-memory stores). */
export interface CommandDeps {
  runs: Pick<RunStore, 'get' | 'create' | 'discard' | 'claimActive'>;
  queues: RevivableQueues;
  connectors: Pick<ConnectorStore, 'exists' | 'list' | 'lastResults'>;
  audit: Pick<AuditLog, 'append' | 'recent'>;
  decisions: Pick<DecisionStore, 'requestCancel'>;
  policy: RolePolicy;
  logger: Logger;
  /** Bounds all Redis work of one command together, so several slow calls cannot add up past Slack's 3 s. */
  timeoutMs?: number;
  reports?: ReportCommands;
  /** Where a platform that answers with the run's root records it (CommandRequest.answerWithRoot). */
  deliveries?: DeliveryStore;
  maintenance?: MaintenanceCommands;
}

export const ACK_BUDGET_MS = 2000;

/** How long the outbox waits for a platform to record the root message it answered a command with. */
export const ROOT_RESERVATION_MS = 15_000;

/** A command's answer; `runId` when it started a run and the request asked to answer with the run's root. */
export interface CommandAnswer {
  view: MessageView;
  runId?: string;
}

const UNAVAILABLE =
  'Align Bot could not queue this right now: its Redis is not answering. Nothing was started — try again in a minute.';

/** The answer to every command while the process stops (SIGTERM): quick, private, and nothing is queued. */
export const RESTARTING = 'Align Bot is restarting, try again in a moment.';

export class CommandService {
  private restarting = false;

  constructor(private readonly deps: CommandDeps) {}

  /** The process is stopping: from now on every command is answered RESTARTING until the listener closes. */
  refuseWhileRestarting(): void {
    this.restarting = true;
  }

  async handle(request: CommandRequest): Promise<MessageView> {
    return (await this.answer(request)).view;
  }

  /**
   * The answer to a command. With `request.answerWithRoot`, a command that starts a run is answered with the
   * run's root message, which the platform posts and then reports through rootDelivered (or rootFailed).
   */
  async answer(request: CommandRequest): Promise<CommandAnswer> {
    const result = await this.respond(request);
    return 'view' in result ? result : { view: result };
  }

  /** The answer was posted at `ref`: the outbox edits it from now on. */
  async rootDelivered(runId: string, ref: MessageRef, view: MessageView): Promise<void> {
    await this.deps.deliveries?.setRoot(runId, { ref, hash: hashMessage(view) });
  }

  /**
   * The answer could not be posted: the outbox posts the root itself. When it may have been posted after all (a
   * timeout, a 5xx), the root is left in flight, so the outbox's post counts as the one re-post (queue/post-once.ts).
   */
  async rootFailed(runId: string, error?: unknown, view?: MessageView): Promise<void> {
    const doubt = view && maybeDelivered(error) ? inDoubt(error, hashMessage(view)) : undefined;
    await this.deps.deliveries?.releaseRoot(runId, doubt);
  }

  private async respond(request: CommandRequest): Promise<MessageView | CommandAnswer> {
    if (this.restarting) return say(`⏳ ${RESTARTING}`);
    let command: Command;
    try {
      command = parseCommand(request.text);
    } catch (error) {
      if (error instanceof UsageError) return usageView(error, request.prefix);
      throw error;
    }
    const who: Principal = {
      id: request.user.id,
      ...(request.user.groups ? { groups: request.user.groups } : {}),
    };
    const role = requiredRole(command.verb);
    if (!hasRole(this.deps.policy, who, role)) {
      void this.deps.audit
        .append({ actor: request.user.id, action: command.verb, outcome: 'denied', ...connectorOf(command) })
        .catch(() => undefined);
      return say(`🔒 ${denialText(role, command.verb)}`);
    }
    const deadline = Date.now() + (this.deps.timeoutMs ?? ACK_BUDGET_MS);
    try {
      return await this.dispatch(command, request, deadline);
    } catch (error) {
      this.deps.logger.warn({ err: error, verb: command.verb }, 'command failed on the ack path');
      return say(`⚠️ ${UNAVAILABLE}`);
    }
  }

  private async dispatch(
    command: Command,
    request: CommandRequest,
    deadline: number,
  ): Promise<MessageView | CommandAnswer> {
    switch (command.verb) {
      case 'help':
        return helpView(command.topic, request.prefix);
      case 'test':
        return 'adhoc' in command
          ? this.startRun('test', command.adhoc.jira, { adhoc: command.adhoc }, request, deadline)
          : this.startNamed('test', command.name, { name: command.name }, request, deadline);
      case 'list':
      case 'status':
        return this.bounded(
          this.statusView(command.verb === 'status' ? command.name : undefined, request.prefix),
          deadline,
        );
      case 'connect': {
        const { verb: _verb, ...params } = command;
        if (await this.bounded(this.deps.connectors.exists(command.name), deadline)) {
          return say(
            `A connector named “${command.name}” exists already. ${request.prefix} rotate ${command.name} changes its credential; pick another name for a new one.`,
          );
        }
        return this.startRun('connect', command.name, params, request, deadline);
      }
      case 'rotate':
        return this.startNamed(
          'rotate',
          command.name,
          { name: command.name, ...(command.auth ? { auth: command.auth } : {}) },
          request,
          deadline,
        );
      case 'cancel':
        return this.cancel(command.runId, request, deadline);
      case 'audit':
        return this.bounded(
          this.deps.audit.recent({ ...(command.name ? { connector: command.name } : {}), limit: 20 }),
          deadline,
        ).then((entries) => auditView(entries, command.name));
      case 'report':
        if (this.deps.reports) return this.deps.reports.handle(command, request);
        return say(`${request.prefix} report is not available in this deployment.`);
      case 'maintenance':
        if (this.deps.maintenance) return this.deps.maintenance.handle(command, request);
        return say(`${request.prefix} maintenance is not available in this deployment.`);
    }
  }

  private async startNamed(
    kind: RunKind,
    name: string,
    params: Record<string, unknown>,
    request: CommandRequest,
    deadline: number,
  ): Promise<MessageView | CommandAnswer> {
    const known = await this.bounded(this.deps.connectors.exists(name), deadline);
    if (!known) return say(`No connector named “${name}”. ${request.prefix} list shows the connectors.`);
    return this.startRun(kind, name, params, request, deadline);
  }

  private async cancel(runId: string, request: CommandRequest, deadline: number): Promise<MessageView> {
    const run = await this.bounded(this.deps.runs.get(runId), deadline);
    if (!run) return say(`No run ${runId}.`);
    if (isTerminal(run.state)) return say(`Run ${runId} has already ended (${run.state}).`);
    const who: Principal = {
      id: request.user.id,
      ...(request.user.groups ? { groups: request.user.groups } : {}),
    };
    if (run.requestedBy.id !== who.id && !isAdmin(this.deps.policy, who)) {
      void this.deps.audit
        .append({ actor: who.id, action: 'cancel', outcome: 'denied', connector: run.connector, runId })
        .catch(() => undefined);
      return say([
        '🔒 Only ',
        { user: run.requestedBy.id },
        ' (who started it) or an Align Bot admin can cancel this run.',
      ]);
    }
    await this.bounded(this.deps.decisions.requestCancel(runId, who.id), deadline);
    // Wherever its job is — parked, queued, failed for good or lost — the run wakes, reads the cancel and ends.
    await this.bounded(reviveRun(this.deps.queues, runId), deadline);
    void this.deps.audit
      .append({ actor: who.id, action: 'cancel', outcome: 'ok', connector: run.connector, runId })
      .catch(() => undefined);
    return say(`Cancelling ${runId} (${run.kind} ${run.connector}).`);
  }

  private async startRun(
    kind: RunKind,
    connector: string,
    params: Record<string, unknown>,
    request: CommandRequest,
    deadline: number,
  ): Promise<MessageView | CommandAnswer> {
    const run = newRun({
      id: newRunId(),
      kind,
      connector,
      requestedBy: request.user,
      conversation: request.conversation,
      params,
      now: Date.now(),
    });
    if (RUN_KINDS[kind].exclusive) {
      const active = await this.bounded(this.deps.runs.claimActive(kind, connector, run.id), deadline);
      if (active)
        return say(
          `A ${kind} of ${connector} is already running: ${active}. Finish or ${request.prefix} cancel ${active} first.`,
        );
    }
    const deliveries = request.answerWithRoot ? this.deps.deliveries : undefined;
    try {
      // Sent back to back on one connection, so Redis stores the run before the job a worker could take — and
      // the root's reservation before both, so no sync can post a root of its own while the platform posts this.
      await Promise.all([
        ...(deliveries ? [this.bounded(deliveries.reserveRoot(run.id, ROOT_RESERVATION_MS), deadline)] : []),
        this.bounded(this.deps.runs.create(run), deadline),
        this.deps.queues.enqueueRun(run.id, deadline - Date.now()),
      ]);
    } catch (error) {
      // A silent Redis may still execute the write later; the removal queued behind it undoes it then.
      void this.deps.runs.discard(run).catch(() => undefined);
      throw error;
    }
    if (deliveries) return { view: RUN_KINDS[kind].view(run, request.prefix).root, runId: run.id };
    return say(`Run ${run.id} queued: ${kind} ${connector}. Progress appears in this channel.`);
  }

  private async statusView(name: string | undefined, prefix: string): Promise<MessageView> {
    const all = await this.deps.connectors.list();
    const specs = name ? all.filter((s) => s.name === name) : all;
    if (name && specs.length === 0)
      return say(`No connector named “${name}”. ${prefix} list shows the connectors.`);
    const last = await this.deps.connectors.lastResults(specs.map((s) => s.name));
    const maintenance = await this.deps.maintenance?.notes();
    return listView(specs, last, prefix, Date.now(), maintenance);
  }

  private bounded<T>(promise: Promise<T>, deadline: number): Promise<T> {
    return withTimeout(promise, deadline - Date.now(), 'Redis did not answer in time');
  }
}

function connectorOf(command: Command): { connector?: string } {
  return 'name' in command && typeof command.name === 'string' ? { connector: command.name } : {};
}
