/**
 * Thread replies of guided runs: each ask of a step (instructions, copyable values, buttons) and, once answered,
 * the same message with its outcome instead of buttons — "Approved by …", "Done", "Expired".
 */
import { isTerminal, type PromptRecord, type Run, type StepRecord } from '../run.js';
import type { Button, Inline, MessageView } from './view.js';

const RESOLUTION: Record<string, string> = {
  done: '✅ Done',
  retry: '🔁 Checked again',
  approve: '✅ Approved',
  deny: '⛔ Denied',
  rollback: '↩️ Rolling back',
  skip: '⏭️ Skipped',
  gray: '⚪ Service Light gray — waiting for Jira Align Support',
  input: '🔐 Received',
  expired: '⌛ Expired',
  cancelled: '🚫 Cancelled',
  ended: '— The run ended',
};

/** Encodes which ask a button answers; no secret, just ids. */
export function buttonValue(runId: string, stepId: string, attempt: number): string {
  return `${runId}|${stepId}|${attempt}`;
}

/** Reads exactly what buttonValue writes: any other string (extra parts, "01", "1e0") is not a button of ours. */
export function parseButtonValue(
  value: string,
): { runId: string; stepId: string; attempt: number } | undefined {
  const match = /^([^|]+)\|([^|]+)\|(0|[1-9]\d{0,14})$/.exec(value);
  if (!match) return undefined;
  return { runId: match[1]!, stepId: match[2]!, attempt: Number(match[3]) };
}

export function promptMessage(run: Run, step: StepRecord, record: PromptRecord): MessageView {
  const current =
    step.status === 'waiting' && (step.attempt ?? 0) === record.attempt && !isTerminal(run.state);
  const resolution = record.resolution ?? (current ? undefined : { kind: endedKind(run), at: run.updatedAt });
  const title = `${record.prompt.approval ? '🛂' : '👉'} ${step.title}`;
  const blocks: MessageView['blocks'] = [{ type: 'text', text: [{ b: title }] }, ...record.prompt.blocks];
  if (resolution) {
    const by: Inline[] = resolution.by ? [' by ', { user: resolution.by }] : [];
    blocks.push({ type: 'context', text: [RESOLUTION[resolution.kind] ?? resolution.kind, ...by] });
  } else {
    blocks.push({
      type: 'actions',
      id: `ask-${step.id}-${record.attempt}`,
      buttons: buttons(run, step, record),
    });
    if (step.deadline)
      blocks.push({
        type: 'context',
        text: [`Waits until ${new Date(step.deadline).toISOString().slice(0, 16).replace('T', ' ')} UTC.`],
      });
  }
  return {
    text: `${step.title}${resolution ? ` — ${RESOLUTION[resolution.kind] ?? resolution.kind}` : ''}`,
    blocks,
  };
}

function buttons(run: Run, step: StepRecord, record: PromptRecord): Button[] {
  const value = buttonValue(run.id, step.id, record.attempt);
  const list: Button[] = [];
  if (record.prompt.input) {
    list.push({
      action: 'align.secret',
      label: record.prompt.input.kind === 'secret' ? 'Open the secure form' : 'Paste it in a form',
      value,
      style: 'primary',
    });
  }
  for (const choice of record.prompt.choices) {
    list.push({
      action: `align.${choice.kind}`,
      label: choice.label,
      value,
      ...(choice.style ? { style: choice.style } : {}),
      ...(choice.confirm ? { confirm: choice.confirm } : {}),
    });
  }
  return list;
}

function endedKind(run: Run): string {
  if (run.state === 'expired') return 'expired';
  if (run.state === 'cancelled') return 'cancelled';
  return 'ended';
}
