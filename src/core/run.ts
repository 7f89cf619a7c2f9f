/**
 * The Run: persisted before any work starts, advanced step by step by a worker, drawn by the chat renderers.
 */
import type { DiagnosisCode } from './diagnosis.js';
import type { Prompt } from './prompt.js';
import type { StepStatus } from './status.js';

export type { CheckStatus, StepStatus } from './status.js';

export const RUN_KIND_IDS = ['test', 'connect', 'rotate', 'report', 'maintenance'] as const;
export type RunKind = (typeof RUN_KIND_IDS)[number];

export type RunState = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'expired';
export type EndState = 'succeeded' | 'failed' | 'cancelled' | 'expired';
export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'expired'];

/** Why a run ended; each reason has one end state. */
export const END_STATE = {
  passed: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  expired: 'expired',
  /** An approver denied it (rotate): nothing changed. */
  denied: 'cancelled',
  /** The person went back to the old credential (rotate). */
  'rolled-back': 'failed',
  /** The connector was deleted while the run was queued or waiting. */
  'connector-gone': 'failed',
  /** Align Bot itself failed: the job failed on its last attempt, or was lost. */
  'internal-failure': 'failed',
  /** A test failed while its connector was in a maintenance window: no verdict on the connector. */
  'in-maintenance': 'cancelled',
} as const satisfies Record<string, EndState>;
export type EndReason = keyof typeof END_STATE;

/** How a run ended: set once, by the run lifecycle, and drawn by the root message. */
export interface RunOutcome {
  state: EndState;
  reason: EndReason;
  /** A diagnosis for the run as a whole (a credential that cannot be read, an internal failure). */
  code?: DiagnosisCode;
  /** Who ended it (cancelled, denied, rolled back). */
  by?: string;
  /** Plain, non-secret words on what happened. */
  detail?: string;
}

export function runOutcome(reason: EndReason, extra: Omit<RunOutcome, 'state' | 'reason'> = {}): RunOutcome {
  return { state: END_STATE[reason], reason, ...extra };
}

export interface StepRecord {
  id: string;
  title: string;
  status: StepStatus;
  code?: DiagnosisCode;
  detail?: string;
  startedAt?: number;
  endedAt?: number;
  /** Guided steps: which ask is current (a retry asks again), until when it waits, and each ask's outcome. */
  attempt?: number;
  deadline?: number;
  prompts?: PromptRecord[];
}

export interface PromptRecord {
  attempt: number;
  prompt: Prompt;
  resolution?: { kind: string; by?: string; at: number };
}

/** A failed verification that did not end the run (the person fixes it and checks again). */
export interface FailureNote {
  key: string;
  stepId: string;
  attempt: number;
  title: string;
  code: DiagnosisCode;
  detail?: string;
}

/** A person as a chat platform names them; `platform` is the id of a chat platform (src/chat/platforms.ts). */
export interface Person {
  platform: string;
  /** The platform's stable user id: the one the role lists name. */
  id: string;
  /** Display name, for mentions and audit lines. */
  name?: string;
}

export interface Conversation {
  platform: string;
  /** The channel or chat, stable across its threads: schedules, snapshots and pacing are keyed by it. */
  channel: string;
  /** Opaque, encoded by the platform's adapter: what it needs to reach the conversation again (a team, a
   * service URL and tenant). Nothing outside the adapter reads it. */
  address?: string;
  /** Opaque, set by an adapter when the command came from a thread (Teams: the root message id of the post the
   * command was typed under): the run's messages go into that thread. Absent: the channel itself (a new post). */
  thread?: string;
}

/** A delivered message, as the platform's adapter identifies it; opaque outside the adapter. */
export interface MessageRef {
  channel: string;
  id: string;
}

export interface Run {
  id: string;
  kind: RunKind;
  /** Connector name, or the ad-hoc Jira URL for `test --jira`. */
  connector: string;
  requestedBy: Person;
  conversation: Conversation;
  runbookVersion: number;
  steps: StepRecord[];
  state: RunState;
  createdAt: number;
  updatedAt: number;
  endedAt?: number;
  /** Plain, non-secret parameters of the run (the parsed command). */
  params: Record<string, unknown>;
  /** Non-secret facts later steps need (cloud id, account id, …), so a resumed run does not repeat work. */
  facts: Record<string, unknown>;
  failures?: FailureNote[];
  /** Set when the run ends (src/queue/run-lifecycle.ts). */
  outcome?: RunOutcome;
}

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** passed when no step failed; warnings do not fail a run. */
export function stepsOutcome(steps: StepRecord[]): RunOutcome {
  return runOutcome(steps.some((s) => s.status === 'fail') ? 'failed' : 'passed');
}

/** A new Run, persisted before any work starts: queued, no steps yet. */
export function newRunRecord(input: {
  id: string;
  kind: RunKind;
  connector: string;
  requestedBy: Person;
  conversation: Conversation;
  params: Record<string, unknown>;
  runbookVersion: number;
  now: number;
}): Run {
  return {
    id: input.id,
    kind: input.kind,
    connector: input.connector,
    requestedBy: input.requestedBy,
    conversation: input.conversation,
    runbookVersion: input.runbookVersion,
    steps: [],
    state: 'queued',
    createdAt: input.now,
    updatedAt: input.now,
    params: { ...input.params },
    facts: {},
  };
}
