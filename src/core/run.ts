/**
 * The Run: persisted before any work starts, advanced step by step by a worker, drawn by the chat renderers.
 */
import type { DiagnosisCode } from './diagnosis.js';
import type { Prompt } from './runbooks/guided.js';

export const RUN_KINDS = ['test', 'connect', 'rotate', 'report'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export type RunState = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'expired';
export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'expired'];

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
export type StepStatus = 'pending' | 'running' | 'waiting' | CheckStatus;

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

export interface Person {
  platform: 'slack' | 'teams' | 'cli';
  id: string;
  name?: string;
}

export interface Conversation {
  platform: 'slack' | 'teams' | 'cli';
  /** Slack channel id, or Teams conversation id. */
  channel: string;
  /** Slack team id, or Teams service URL + tenant, as the adapter needs to address the conversation. */
  workspace?: string;
}

export interface MessageRef {
  channel: string;
  /** Slack ts, or Teams activity id. */
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
}

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** succeeded when nothing failed; warnings do not fail a run. */
export function outcomeState(steps: StepRecord[]): RunState {
  return steps.some((s) => s.status === 'fail') ? 'failed' : 'succeeded';
}
