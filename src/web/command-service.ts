/**
 * The ack path, shared by Slack and Teams: parse → authorize → write the Run → enqueue → answer. It never calls
 * Jira or Jira Align, and everything it awaits is bounded, so the answer comes well within Slack's 3 seconds.
 */
import type { Logger } from 'pino';
import { denialText, hasRole, type Principal, type RolePolicy, requiredRole } from '../core/authz.js';
import { type Command, helpText, parseCommand, USAGE, UsageError } from '../core/commands.js';
import type { Conversation, Person, Run, RunKind } from '../core/run.js';
import { TEST_RUNBOOK_VERSION } from '../core/runbooks/test.js';
import type { MessageView } from '../core/view.js';
import type { Queues } from '../queue/queues.js';
import type { AuditLog } from '../store/audit.js';
import type { ConnectorStore } from '../store/connectors.js';
import { withTimeout } from '../store/redis.js';
import { newRunId, type RunStore } from '../store/runs.js';
import type { ReportCommands } from './report-commands.js';
import { listView } from './status-view.js';

export interface CommandRequest {
  text: string;
  user: Person & { groups?: string[] };
  conversation: Conversation;
}

export interface CommandDeps {
  runs: RunStore;
  queues: Queues;
  connectors: ConnectorStore;
  audit: AuditLog;
  policy: RolePolicy;
  logger: Logger;
  /** Bounds every Redis call on this path. */
  timeoutMs?: number;
  reports?: ReportCommands;
}

const UNAVAILABLE =
  'Align Bot could not queue this right now: its Redis is not answering. Nothing was started — try again in a minute.';

export class CommandService {
  constructor(private readonly deps: CommandDeps) {}

  async handle(request: CommandRequest): Promise<MessageView> {
    let command: Command;
    try {
      command = parseCommand(request.text);
    } catch (error) {
      if (error instanceof UsageError) return usageView(error);
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
    try {
      return await this.dispatch(command, request);
    } catch (error) {
      this.deps.logger.warn({ err: error, verb: command.verb }, 'command failed on the ack path');
      return say(`⚠️ ${UNAVAILABLE}`);
    }
  }

  private async dispatch(command: Command, request: CommandRequest): Promise<MessageView> {
    switch (command.verb) {
      case 'help':
        return helpView(command.topic);
      case 'test':
        return 'adhoc' in command
          ? this.startRun('test', command.adhoc.jira, { adhoc: command.adhoc }, request)
          : this.startNamed('test', command.name, { name: command.name }, request);
      case 'list':
      case 'status':
        return this.bounded(this.statusView(command.verb === 'status' ? command.name : undefined));
      case 'report':
        if (this.deps.reports) return this.deps.reports.handle(command, request);
        return say('/align report is not available in this deployment.');
      default:
        return say(`/align ${command.verb} is not available in this version yet. /align help lists what is.`);
    }
  }

  private async startNamed(
    kind: RunKind,
    name: string,
    params: Record<string, unknown>,
    request: CommandRequest,
  ) {
    const spec = await this.bounded(this.deps.connectors.get(name));
    if (!spec) return say(`No connector named “${name}”. /align list shows the connectors.`);
    return this.startRun(kind, name, params, request);
  }

  private async startRun(
    kind: RunKind,
    connector: string,
    params: Record<string, unknown>,
    request: CommandRequest,
  ) {
    const now = Date.now();
    const run: Run = {
      id: newRunId(),
      kind,
      connector,
      requestedBy: request.user,
      conversation: request.conversation,
      runbookVersion: TEST_RUNBOOK_VERSION,
      steps: [],
      state: 'queued',
      createdAt: now,
      updatedAt: now,
      params,
      facts: {},
    };
    await this.bounded(this.deps.runs.create(run));
    await this.deps.queues.enqueueRun(run.id, this.deps.timeoutMs);
    void this.deps.audit
      .append({ actor: request.user.id, action: kind, outcome: 'ok', connector, runId: run.id })
      .catch(() => undefined);
    return say(`Run ${run.id} queued: ${kind} ${connector}. Progress appears in this channel.`);
  }

  private async statusView(name?: string): Promise<MessageView> {
    const all = await this.deps.connectors.list();
    const specs = name ? all.filter((s) => s.name === name) : all;
    if (name && specs.length === 0)
      return say(`No connector named “${name}”. /align list shows the connectors.`);
    const last = await this.deps.connectors.lastResults(specs.map((s) => s.name));
    return listView(specs, last);
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.deps.timeoutMs ?? 1500, 'Redis did not answer in time');
  }
}

function connectorOf(command: Command): { connector?: string } {
  return 'name' in command && typeof command.name === 'string' ? { connector: command.name } : {};
}

export function say(text: string): MessageView {
  return { text, blocks: [{ type: 'text', text: [text] }] };
}

function usageView(error: UsageError): MessageView {
  const lines = [`❓ ${error.message}`];
  if (error.verb) lines.push(`Usage: /align ${USAGE[error.verb].usage}`);
  else lines.push('Type /align help to see the commands.');
  return { text: lines.join('\n'), blocks: [{ type: 'text', text: [lines.join('\n')] }] };
}

function helpView(topic?: Command['verb']): MessageView {
  const lines = helpText(topic);
  return {
    text: lines.join('\n'),
    blocks: [
      {
        type: 'text',
        text: [{ b: topic ? `/align ${topic}` : 'Align Bot — Jira Align ↔ Jira connectors, from chat' }],
      },
      { type: 'text', text: [lines.join('\n')] },
    ],
  };
}
