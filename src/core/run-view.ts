/**
 * Run → RunView: the root message (title, state, checklist) and one thread reply per failed step with its
 * diagnosis. Runbooks with prompts (connect, rotate) add their own replies through `extraReplies`.
 */
import { diagnosis } from './diagnosis.js';
import { promptMessage } from './guided-view.js';
import { isTerminal, type Run, type RunState, type StepRecord } from './run.js';
import type { Block, ChecklistItem, Inline, MessageView, ReplyView, RunView } from './view.js';

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

export function runView(run: Run, extraReplies: ReplyView[] = []): RunView {
  return { root: rootMessage(run), replies: [...stepReplies(run), ...extraReplies] };
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
    if (step.status === 'fail' && step.code)
      replies.push({ key: `fail:${step.id}`, message: failureMessage(step) });
  }
  return replies;
}

export function runTitle(run: Run): string {
  return `${run.kind} ${run.connector}`;
}

function rootMessage(run: Run): MessageView {
  const summary = summarize(run.steps);
  const headline = `${STATE_ICON[run.state]} ${runTitle(run)}: ${STATE_LABEL[run.state]}`;
  const blocks: Block[] = [
    { type: 'text', text: [{ b: headline }] },
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
  if (isTerminal(run.state) && run.steps.some((s) => s.status === 'fail')) {
    blocks.push({ type: 'context', text: ['Causes and fixes are in the thread.'] });
  }
  return { text: `${headline}${summary ? ` (${summary})` : ''}`, blocks };
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
