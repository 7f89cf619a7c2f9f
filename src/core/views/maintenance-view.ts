/**
 * Maintenance runs as views (issue 13): the root shows the window and where the run stands; the thread holds the
 * Deactivate and Activate asks (guided-view.ts), a reminder per repeat that mentions the person who scheduled it,
 * the escalation that mentions the admins, and failures with their fixes. One message goes to the channel itself:
 * the note that Jira Align edits should wait, edited in place when the window is over. `maintenance list` too.
 */
import {
  effectiveWindow,
  type MaintenanceParams,
  type Phase,
  paramsOf,
  phaseOf,
  savedWindow,
  type WindowRecord,
  type WindowTimes,
  windowText,
} from '../maintenance.js';
import { formatLocal, formatUtc, spanText } from '../maintenance-time.js';
import { isTerminal, type Run } from '../run.js';
import { remindersOf } from '../runbooks/maintenance.js';
import { clearHint } from './maintenance-note.js';
import { rootMessage, runView } from './run-view.js';
import { type Block, type Inline, type MessageView, plain, type ReplyView, type RunView } from './view.js';

const PHASE: Record<Phase, { icon: string; label: string }> = {
  scheduled: { icon: '🗓', label: 'scheduled' },
  deactivate: { icon: '✋', label: 'Deactivate the connector' },
  deactivated: { icon: '⏸️', label: 'deactivated, the window is ahead' },
  'in-window': { icon: '🛠', label: 'in maintenance' },
  recovering: { icon: '🔄', label: 'waiting for Jira to answer' },
  activate: { icon: '✋', label: 'Activate the connector' },
  verifying: { icon: '🔄', label: 'verifying the connector' },
  verified: { icon: '✅', label: 'passed — the connector is active and verified' },
  'still-deactivated': { icon: '⛔', label: 'still deactivated' },
  cancelled: { icon: '🚫', label: 'cancelled' },
  failed: { icon: '❌', label: 'failed' },
};

export function maintenanceRunView(run: Run, prefix: string): RunView {
  const phase = phaseOf(run);
  const w = savedWindow(run);
  const headline = `${PHASE[phase].icon} maintenance ${run.connector}: ${PHASE[phase].label}`;
  const root = rootMessage(run, { headline, blocks: windowBlocks(run, w, phase, prefix) });
  return runView(run, [...channelNote(run, w, phase), ...reminderReplies(run), ...escalation(run)], root);
}

function windowBlocks(run: Run, w: WindowTimes, phase: Phase, prefix: string): Block[] {
  const p = paramsOf(run);
  const moved: string[] = [];
  if (w.startedBy) moved.push(`started by ${w.startedBy}`);
  if (w.endedBy) moved.push(`ended by ${w.endedBy}`);
  const blocks: Block[] = [
    { type: 'text', text: [{ b: 'Window: ' }, windowText(w)] },
    {
      type: 'context',
      text: [
        `${formatUtc(w.from)} → ${formatUtc(w.until, w.from)}`,
        ` · Deactivate prompt ${p.settings.leadMs > 0 ? `${spanText(p.settings.leadMs)} before` : 'at the start'}`,
        moved.length > 0 ? ` · ${moved.join(', ')} (align-bot maintenance)` : '',
        ...(p.notes ?? []).map((n) => ` · ${n}`),
      ],
    },
  ];
  if (phase === 'still-deactivated') {
    blocks.push({
      type: 'text',
      text: [
        { b: '⛔ The connector is still deactivated:' },
        ` Jira Align syncs nothing with this Jira. ${clearHint(run.connector, prefix)}`,
      ],
    });
  }
  return blocks;
}

/** The note to the channel: posted with the Deactivate ask, edited when the window is over. */
function channelNote(run: Run, w: WindowTimes, phase: Phase): ReplyView[] {
  const deactivate = run.steps.find((s) => s.id === 'deactivate')?.status;
  const posted = run.facts.promptedAt !== undefined || deactivate === 'pass' || deactivate === 'warn';
  if (!posted) return [];
  const name = run.connector;
  const text: Inline[] = noteText(name, w, phase);
  return [{ key: 'note', inChannel: true, message: { text: plain(text), blocks: [{ type: 'text', text }] } }];
}

function noteText(name: string, w: WindowTimes, phase: Phase): Inline[] {
  const window = `${formatLocal(w.from, w.tz)} → ${formatLocal(w.until, w.tz)} ${w.tz}`;
  switch (phase) {
    case 'verified':
      return [
        { b: `✅ Jira maintenance for connector ${name} is over.` },
        ' The connector is active and verified: Jira Align edits can resume.',
      ];
    case 'still-deactivated':
      return [
        { b: `⛔ Jira maintenance for connector ${name} is over, but the connector is still deactivated.` },
        ' Jira Align syncs nothing with this Jira until someone activates it (see the thread).',
      ];
    case 'failed':
      return [
        { b: `❌ Jira maintenance for connector ${name} is over, but the connector does not work yet.` },
        ' See the thread for the cause and the fix.',
      ];
    case 'cancelled':
      return [{ b: `🚫 The maintenance window for connector ${name} was cancelled.` }];
    default:
      return [
        { b: `🛠 Jira maintenance for connector ${name}: ${window}.` },
        ' Please hold edits in Jira Align to work items that sync with this Jira until Align Bot says the connector is active again.',
      ];
  }
}

function reminderReplies(run: Run): ReplyView[] {
  const w = savedWindow(run);
  return remindersOf(run).map((r) => {
    const text: Inline[] =
      r.step === 'deactivate'
        ? [
            { user: run.requestedBy.id },
            ` ⏰ Reminder ${r.n}: Deactivate connector ${run.connector} before ${formatLocal(w.from, w.tz)} ${w.tz} and click Done on the ask above.`,
          ]
        : [
            { user: run.requestedBy.id },
            ` ⏰ Reminder ${r.n}: Jira answers again, and connector ${run.connector} is still deactivated. Activate it and click Done on the ask above.`,
          ];
    return {
      key: `remind:${r.step}:${r.n}`,
      message: { text: plain(text), blocks: [{ type: 'text', text }] },
    };
  });
}

function escalation(run: Run): ReplyView[] {
  if (run.facts.escalatedAt === undefined) return [];
  const admins = (run.facts.escalatedTo as string[] | undefined) ?? [];
  const p: MaintenanceParams = paramsOf(run);
  const mentions: Inline[] = admins.flatMap((id, i) => [...(i > 0 ? [', '] : []), { user: id }]);
  const text: Inline[] = [
    '📣 ',
    ...(mentions.length > 0 ? [...mentions, ': '] : ['Align Bot admins: ']),
    `nobody has activated connector ${run.connector} for ${spanText(p.settings.escalateMs)} since Jira came back. Please Activate it in Jira Align and click Done on the ask above; after ${spanText(p.settings.giveUpMs)} Align Bot stops asking and marks it still deactivated.`,
  ];
  return [{ key: 'escalate', message: { text: plain(text), blocks: [{ type: 'text', text }] } }];
}

/** `maintenance list`: open windows, and those that ended recently, soonest first. */
export function maintenanceListView(records: WindowRecord[], prefix: string): MessageView {
  if (records.length === 0) {
    const text = `No maintenance windows. ${prefix} maintenance <name> --from 2026-12-05T22:00 --until 2026-12-06T02:00 --tz Europe/Berlin schedules one.`;
    return { text, blocks: [{ type: 'text', text: [text] }] };
  }
  const sorted = records
    .map((r) => ({ r, w: effectiveWindow(r) }))
    .sort((a, b) => a.w.from - b.w.from)
    .slice(0, 50);
  const lines: Inline[] = [];
  for (const { r, w } of sorted) {
    const phase = phaseOf(r.run);
    if (lines.length > 0) lines.push('\n');
    lines.push(
      `${PHASE[phase].icon} `,
      { b: r.run.connector },
      ' · ',
      { code: r.run.id },
      ` · ${windowText(w)} · ${PHASE[phase].label} · scheduled by `,
      { user: r.run.requestedBy.id },
    );
  }
  const open = records.filter((r) => !isTerminal(r.run.state)).length;
  const head = `${records.length} maintenance window${records.length === 1 ? '' : 's'} (${open} open)`;
  const blocks: Block[] = [
    { type: 'text', text: [{ b: head }] },
    { type: 'text', text: lines },
    {
      type: 'context',
      text: [`${prefix} maintenance cancel <id> cancels one; ${prefix} status shows them per connector.`],
    },
  ];
  if (records.length > 50) blocks.push({ type: 'context', text: [`…and ${records.length - 50} more.`] });
  return { text: head, blocks };
}
