/**
 * `/align report now | schedule "<cron>" [--tz Zone] [--only-changes] | list | off` on the ack path. Like every
 * ack-path call, each Redis round trip is bounded; the report itself runs in a worker.
 */
import { getNextMillis } from 'bullmq';
import type { Logger } from 'pino';
import type { Command } from '../core/commands.js';
import type { Conversation } from '../core/run.js';
import { say } from '../core/views/say.js';
import type { Block, Inline, MessageView } from '../core/views/view.js';
import type { Queues } from '../queue/queues.js';
import { reportRun, startReportRun } from '../queue/report-runs.js';
import {
  cronProblem,
  describeSchedule,
  type ReportScheduler,
  scheduleIdFor,
} from '../queue/report-scheduler.js';
import type { ReportSettings } from '../queue/report-settings.js';
import type { AuditLog } from '../store/audit.js';
import { withTimeout } from '../store/redis.js';
import { newRunId, type RunStore } from '../store/runs.js';
import type { CommandRequest } from './command-request.js';

type ReportCommand = Extract<Command, { verb: 'report' }>;

export interface ReportCommandDeps {
  runs: RunStore;
  queues: Queues;
  scheduler: ReportScheduler;
  audit: AuditLog;
  settings: ReportSettings;
  logger: Logger;
  timeoutMs?: number;
}

export class ReportCommands {
  constructor(private readonly deps: ReportCommandDeps) {}

  async handle(command: ReportCommand, request: CommandRequest): Promise<MessageView> {
    switch (command.action) {
      case 'now':
        return this.now(request);
      case 'schedule':
        return this.schedule(command, request);
      case 'list':
        return this.list(request.conversation, request.prefix);
      case 'off':
        return this.off(request);
    }
  }

  private async now(request: CommandRequest): Promise<MessageView> {
    // Uptime days follow the channel's schedule's time zone, so `now` and scheduled reports agree.
    const scheduled = await this.bounded(this.deps.scheduler.byId(scheduleIdFor(request.conversation)));
    const run = reportRun({
      id: newRunId(),
      requestedBy: request.user,
      conversation: request.conversation,
      params: { trigger: 'now', onlyChanges: false, ...(scheduled ? { tz: scheduled.tz } : {}) },
      now: Date.now(),
    });
    await this.bounded(startReportRun(this.deps, run, this.deps.timeoutMs));
    this.audit(request, 'report now', run.id);
    return say(
      `Fleet report ${run.id} queued: every connector is being tested. The report appears in this channel.`,
    );
  }

  private async schedule(
    command: Extract<ReportCommand, { action: 'schedule' }>,
    request: CommandRequest,
  ): Promise<MessageView> {
    const tz = command.tz ?? 'UTC';
    const problem = cronProblem(command.cron, tz, this.deps.settings.minIntervalMs);
    if (problem)
      return say(
        `❓ ${problem}\nExample: ${request.prefix} report schedule "0 9 * * 1-5" --tz Europe/Berlin`,
      );
    const before = await this.bounded(this.deps.scheduler.byId(scheduleIdFor(request.conversation)));
    const schedule = await this.bounded(
      this.deps.scheduler.upsert({
        // Scheduled reports open a new post in the channel, not a reply in the thread the command came from.
        conversation: channelOf(request.conversation),
        cron: command.cron,
        tz,
        onlyChanges: command.onlyChanges,
        requestedBy: request.user,
      }),
    );
    this.audit(request, 'report schedule', undefined, describeSchedule(schedule));
    const next = getNextMillis(Date.now(), { pattern: command.cron, tz });
    const lines = [
      `📅 Fleet report scheduled for this channel: \`${command.cron}\` in ${tz}${command.onlyChanges ? ', posted only when something changed' : ''}.`,
      ...(next ? [`Next: ${when(next, tz)}.`] : []),
      ...(before ? [`This replaces the earlier schedule (${describeSchedule(before)}).`] : []),
      `${request.prefix} report off stops it; ${request.prefix} report now runs one at once.`,
    ];
    return say(lines.join('\n'));
  }

  private async list(here: Conversation, prefix: string): Promise<MessageView> {
    const schedules = await this.bounded(this.deps.scheduler.list());
    if (schedules.length === 0) {
      return say(
        `No fleet report schedules. ${prefix} report schedule "0 9 * * 1-5" --tz Europe/Berlin sets one for this channel.`,
      );
    }
    const lines: Inline[] = [];
    for (const s of schedules.sort((a, b) => a.conversation.channel.localeCompare(b.conversation.channel))) {
      const mine = s.id === scheduleIdFor(here);
      if (lines.length > 0) lines.push('\n');
      lines.push(
        `• ${s.conversation.platform} ${s.conversation.channel}${mine ? ' (this channel)' : ''}: `,
        { code: s.cron ?? describeSchedule(s) },
        ` ${s.tz}${s.onlyChanges ? ', changes only' : ''}${s.next ? ` — next ${when(s.next, s.tz)}` : ''} — set by `,
        { user: s.requestedBy.id },
      );
    }
    const blocks: Block[] = [
      { type: 'text', text: [{ b: `${schedules.length} fleet report schedule(s)` }] },
      { type: 'text', text: lines },
    ];
    return { text: `${schedules.length} fleet report schedule(s)`, blocks };
  }

  private async off(request: CommandRequest): Promise<MessageView> {
    const removed = await this.bounded(this.deps.scheduler.remove(request.conversation));
    if (!removed) return say('This channel has no fleet report schedule.');
    this.audit(request, 'report off');
    return say('Stopped the scheduled fleet report of this channel.');
  }

  private audit(request: CommandRequest, action: string, runId?: string, detail?: string): void {
    void this.deps.audit
      .append({
        actor: request.user.id,
        action,
        outcome: 'ok',
        ...(runId ? { runId } : {}),
        ...(detail ? { detail } : {}),
      })
      .catch(() => undefined);
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.deps.timeoutMs ?? 1500, 'Redis did not answer in time');
  }
}

function channelOf(conversation: Conversation): Conversation {
  const { thread: _thread, ...channel } = conversation;
  return channel;
}

function when(epochMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(epochMs));
}
