/**
 * Run → RunView: the root message (title, state, checklist) and one thread reply per failed step with its
 * diagnosis. Runbooks with prompts (connect, rotate) add their own replies through `extraReplies`.
 */
import { diagnosis } from '../diagnosis.js';
import type { MaintenanceNote } from '../maintenance.js';
import { isTerminal, type Run, type RunState, type StepRecord } from '../run.js';
import { promptMessage } from './guided-view.js';
import { MAINTENANCE_TEST_NOTE, testNoteLine } from './maintenance-note.js';
import {
  type Block,
  type ChecklistItem,
  type Inline,
  type MessageView,
  plain,
  type ReplyView,
  type RunView,
} from './view.js';

const STATE_LABEL: Record<RunState, string> = {
  queued: 'queued',
  running: 'running',
  waiting: 'waiting for you',
  succeeded: 'passed',
  failed: 'failed',
  cancelled: 'cancelled',
  expired: 'expired',
};

const STATE_ICON: Record<RunState, string> = {
  queued: '⏳',
  running: '🔄',
  waiting: '✋',
  succeeded: '✅',
  failed: '❌',
  cancelled: '🚫',
  expired: '⌛',
};

export function runView(run: Run, extraReplies: ReplyView[] = [], root = rootMessage(run)): RunView {
  return { root, replies: [...stepReplies(run), ...outcomeReplies(run), ...extraReplies] };
}

/** Why the run ended, in one line; undefined while it runs, and when its steps say it all (passed, failed). */
export function outcomeLine(run: Run): Inline[] | undefined {
  const outcome = run.outcome;
  if (!outcome || !isTerminal(run.state)) return undefined;
  const by: Inline[] = outcome.by ? [' by ', { user: outcome.by }] : [];
  switch (outcome.reason) {
    case 'passed':
      return undefined;
    case 'failed':
      return outcome.code ? [{ code: outcome.code }, ` ${diagnosis(outcome.code).title}.`] : undefined;
    case 'cancelled':
      return ['Cancelled', ...by, '.'];
    case 'expired':
      return ['Nobody answered before the deadline.'];
    case 'denied':
      return ['Denied', ...by, ': nothing was changed.'];
    case 'rolled-back':
      return ['Rolled back to the old credential', ...by, '.'];
    case 'connector-gone':
      return [
        `Connector “${run.connector}” no longer exists: it was deleted while this run was queued or waiting.`,
      ];
    case 'internal-failure':
      return [
        'Align Bot stopped on an internal failure (',
        { code: outcome.code ?? 'BOT_INTERNAL_FAILURE' },
        `). Quote ${run.id} to whoever operates Align Bot.`,
      ];
    case 'in-maintenance':
      return [`The connector is in maintenance: ${MAINTENANCE_TEST_NOTE}`];
  }
}

/** The maintenance a test run found its connector in when it started (execute-test.ts), if any. */
export function maintenanceOf(run: Run): MaintenanceNote | undefined {
  return run.facts.maintenance as MaintenanceNote | undefined;
}

/** Failures during a maintenance window get no fix in the thread: nothing is broken that a person should fix. */
function inMaintenance(run: Run): boolean {
  return maintenanceOf(run)?.kind === 'in-maintenance' || run.outcome?.reason === 'in-maintenance';
}

/** A run that ended on a diagnosis of its own (not a step's) explains it in the thread like a failed check. */
function outcomeReplies(run: Run): ReplyView[] {
  const outcome = run.outcome;
  if (!outcome?.code || !isTerminal(run.state)) return [];
  return [
    {
      key: 'outcome',
      message: failureMessage({
        id: 'outcome',
        title: runTitle(run),
        status: 'fail',
        code: outcome.code,
        ...(outcome.detail ? { detail: outcome.detail } : {}),
      }),
    },
  ];
}

/** Per step, in order: its failure notes and asks by attempt (guided runs), or its failure (test runs). */
function stepReplies(run: Run): ReplyView[] {
  const replies: ReplyView[] = [];
  for (const step of run.steps) {
    const notes = (run.failures ?? []).filter((f) => f.stepId === step.id);
    const attempts = new Set([...notes.map((n) => n.attempt), ...(step.prompts ?? []).map((p) => p.attempt)]);
    for (const attempt of [...attempts].sort((a, b) => a - b)) {
      for (const note of notes.filter((n) => n.attempt === attempt)) {
        replies.push({
          key: note.key,
          message: failureMessage({
            id: note.stepId,
            title: note.title,
            status: 'fail',
            code: note.code,
            ...(note.detail ? { detail: note.detail } : {}),
          }),
        });
      }
      const prompt = step.prompts?.find((p) => p.attempt === attempt);
      if (prompt)
        replies.push({ key: `step:${step.id}:${attempt}`, message: promptMessage(run, step, prompt) });
    }
    if (step.status === 'fail' && step.code && !inMaintenance(run))
      replies.push({ key: `fail:${step.id}`, message: failureMessage(step) });
  }
  return replies;
}

export function runTitle(run: Run): string {
  return `${run.kind} ${run.connector}`;
}

/**
 * The root message: headline, why it ended, who asked, the checklist. A kind may give its own headline and blocks
 * under it (maintenance shows its window there).
 */
export function rootMessage(run: Run, custom: { headline?: string; blocks?: Block[] } = {}): MessageView {
  const summary = summarize(run.steps);
  const headline = custom.headline ?? defaultHeadline(run);
  const reason = outcomeLine(run);
  const note = maintenanceOf(run);
  const blocks: Block[] = [
    { type: 'text', text: [{ b: headline }] },
    ...(custom.blocks ?? []),
    ...(reason ? [{ type: 'text' as const, text: reason }] : []),
    ...(note ? [{ type: 'context' as const, text: testNoteLine(note, run.state === 'succeeded') }] : []),
    {
      type: 'context',
      text: [
        `${run.id} · requested by `,
        { user: run.requestedBy.id },
        ...(summary ? [` · ${summary}`] : []),
      ],
    },
  ];
  if (run.steps.length > 0) blocks.push({ type: 'checklist', items: run.steps.map(checklistItem) });
  if (
    isTerminal(run.state) &&
    !inMaintenance(run) &&
    (run.steps.some((s) => s.status === 'fail') || run.outcome?.code)
  ) {
    blocks.push({ type: 'context', text: ['Causes and fixes are in the thread.'] });
  }
  const text = `${headline}${summary ? ` (${summary})` : ''}${reason ? ` — ${plain(reason)}` : ''}`;
  return { text, blocks };
}

function defaultHeadline(run: Run): string {
  if (run.outcome?.reason === 'in-maintenance') return `🛠 ${runTitle(run)}: in maintenance`;
  return `${STATE_ICON[run.state]} ${runTitle(run)}: ${STATE_LABEL[run.state]}`;
}

function checklistItem(step: StepRecord): ChecklistItem {
  const note: Inline[] = [];
  if (step.code) note.push({ code: step.code });
  if (step.detail && step.status !== 'pending') note.push(note.length > 0 ? ` ${step.detail}` : step.detail);
  return { status: step.status, title: step.title, ...(note.length > 0 ? { note } : {}) };
}

export function summarize(steps: StepRecord[]): string {
  const count = (status: StepRecord['status']) => steps.filter((s) => s.status === status).length;
  const parts = [
    [count('pass'), 'passed'],
    [count('warn'), count('warn') === 1 ? 'warning' : 'warnings'],
    [count('fail'), 'failed'],
    [count('skip'), 'skipped'],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, label]) => `${n} ${label}`)
    .join(', ');
}

export function failureMessage(step: StepRecord): MessageView {
  const d = diagnosis(step.code!);
  const side = { 'jira-align': 'Jira Align', jira: 'Jira', network: 'the network', bot: 'Align Bot' }[d.side];
  const blocks: Block[] = [
    { type: 'text', text: [{ b: `❌ ${step.title}` }, ' — ', { code: d.code }] },
    { type: 'text', text: [{ b: d.title }, step.detail ? `: ${step.detail}` : '.'] },
    { type: 'text', text: [{ b: 'Why:' }, ` ${d.cause}`] },
    { type: 'text', text: [{ b: `Fix (on ${side}):` }, ...d.fix.map((f, i) => `\n${i + 1}. ${f}`)] },
    { type: 'context', text: ['Source: ', d.source.startsWith('http') ? { link: d.source } : d.source] },
  ];
  return { text: `${step.title}: ${d.code} — ${d.title}`, blocks };
}
