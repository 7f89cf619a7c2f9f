/**
 * What a waiting step asks a person: the instructions, the buttons it offers, an optional secure form, and who
 * may answer. The action handler accepts only what an ask offered, from the people it allows.
 */
import type { DecisionKind } from './decisions.js';
import type { Block } from './views/view.js';

export interface Choice {
  kind: DecisionKind | 'notyet';
  label: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; yes: string; no: string };
}

export interface InputRequest {
  kind: 'secret' | 'public-key';
  /** What is asked for, shown in chat and on the form page. */
  label: string;
  askExpiry?: boolean;
}

/** Who may answer an ask: only the person who started the run, that person or an admin, or an approver. */
export type Answerers = 'requester' | 'requester-or-admin' | 'approvers';

export interface Prompt {
  blocks: Block[];
  choices: Choice[];
  /** A secure form opened from a button (secrets never go into chat). */
  input?: InputRequest;
  /** Choices are decided by approvers, not by the requester. */
  approval?: boolean;
  /** Who may click; see answerersOf for the default. */
  answeredBy?: Answerers;
  ttlMs?: number;
}

/** Approvers for an approval, the requester alone for a hand-over through the form, else the requester or an admin. */
export function answerersOf(prompt: Prompt): Answerers {
  return (
    prompt.answeredBy ?? (prompt.approval ? 'approvers' : prompt.input ? 'requester' : 'requester-or-admin')
  );
}

/** The actions a click on this ask may carry: its choices, the secure form when it has an input, and "Not yet". */
export function offeredActions(prompt: Prompt): string[] {
  return [...new Set([...prompt.choices.map((c) => c.kind), ...(prompt.input ? ['secret'] : []), 'notyet'])];
}
