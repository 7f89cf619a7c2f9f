/**
 * Guided runbooks (connect, rotate, maintenance): steps that either finish (a verified outcome), ask a person
 * something and wait, or sleep until a time. Each step is a function of the context and the decision recorded for
 * its current attempt, so a run that wakes up again — after a click, a deadline, a reminder time or a worker
 * crash — simply asks the same step again.
 */

import type { ConnectorSpec } from '../connector-spec.js';
import type { Decision } from '../decisions.js';
import type { DiagnosisCode } from '../diagnosis.js';
import type { Choice, Prompt } from '../prompt.js';
import type { Secret } from '../secret.js';
import type { Block } from '../views/view.js';
import type { CheckId } from './checks/check-ids.js';
import type { KeyInspection } from './checks/oauth-port.js';
import type { CheckOutcome, CheckResult } from './checks/run-checks.js';

/** A finished step; `end` ends the run early (a denial, a rollback) without a diagnosis. */
export type StepResult = CheckOutcome & { end?: 'denied' | 'rolled-back' };

/**
 * A step that asks and waits. `until` fixes the ask's deadline (else the prompt's TTL from the first ask);
 * `wakeAt` runs the step again then if nobody answered (a reminder, an escalation), without a new ask.
 */
export interface WaitOutcome {
  wait: Prompt;
  failure?: { code: DiagnosisCode; detail?: string };
  until?: number;
  wakeAt?: number;
}

/** A step that waits for a time, asking nothing (a window's edge, the next probe); it runs again then. */
export interface SleepOutcome {
  sleep: number;
  /** How the step reads meanwhile: not begun yet (pending), or under way (running, the default). */
  status?: 'pending' | 'running';
  detail?: string;
}

export type StepOutcome = StepResult | WaitOutcome | SleepOutcome;

export function isWait(outcome: StepOutcome): outcome is WaitOutcome {
  return 'wait' in outcome;
}

export function isSleep(outcome: StepOutcome): outcome is SleepOutcome {
  return 'sleep' in outcome;
}

export interface GuidedContext {
  runId: string;
  requesterId: string;
  params: Record<string, unknown>;
  /** Persisted between wake-ups; never holds a secret (only vault ids). */
  facts: Record<string, unknown>;
  now(): number;
  /** A secret from the vault by id (submitted through the secure form). */
  secret(ref: string): Promise<Secret | undefined>;
  /** The existing connector's current Jira credential, when Align Bot has one. */
  currentSecret(): Promise<Secret | undefined>;
  /** Runs test checks (all, or those with the given ids) against a spec with the given credentials. */
  runTest(
    spec: ConnectorSpec,
    secrets: { jira?: Secret; align?: Secret },
    only?: CheckId[],
  ): Promise<CheckResult[]>;
  inspectKey(text: string): KeyInspection;
  /** The connector as stored (rotate), or undefined. */
  existing?: ConnectorSpec;
  saveConnector(spec: ConnectorSpec): Promise<void>;
  /** Makes a vault record permanent (it becomes the connector's credential). */
  keepSecret(ref: string): Promise<void>;
  /** Deletes a vault record nothing uses any more (the credential a rotation replaced). */
  dropSecret(ref: string): Promise<void>;
}

export interface GuidedStep<C extends GuidedContext = GuidedContext> {
  id: string;
  title: string;
  skipIf?: (ctx: C) => string | undefined;
  run(ctx: C, decision: Decision | undefined): Promise<StepOutcome>;
}

export const DEFAULT_PROMPT_TTL_MS = 4 * 3600_000;
export const DEFAULT_APPROVAL_TTL_MS = 30 * 60_000;

/** The usual buttons under an instruction. */
export const DONE_CHOICES: Choice[] = [
  { kind: 'done', label: 'Done', style: 'primary' },
  { kind: 'notyet', label: 'Not yet' },
];

export const RETRY_CHOICES: Choice[] = [
  { kind: 'retry', label: 'Check again', style: 'primary' },
  { kind: 'notyet', label: 'Not yet' },
];

/** Summarises failed checks for a step's detail, and picks the first diagnosis. */
export function firstFailure(results: CheckResult[]): { code: DiagnosisCode; detail: string } | undefined {
  const failed = results.find((r) => r.status === 'fail' && r.code);
  return failed
    ? { code: failed.code!, detail: `${failed.title}: ${failed.detail ?? failed.code}` }
    : undefined;
}

export function passedDetail(results: CheckResult[]): string {
  const warned = results.filter((r) => r.status === 'warn');
  const passed = results.filter((r) => r.status === 'pass').length;
  return `${passed} check${passed === 1 ? '' : 's'} passed${warned.length ? `; warnings: ${warned.map((w) => w.code).join(', ')}` : ''}.`;
}

/** A step that tells the person what to do and waits for "Done". */
export function instructionStep(def: {
  id: string;
  title: string;
  skipIf?: (ctx: GuidedContext) => string | undefined;
  /** The step's detail once done. */
  done: string;
  blocks(ctx: GuidedContext): Block[];
}): GuidedStep {
  return {
    id: def.id,
    title: def.title,
    ...(def.skipIf ? { skipIf: def.skipIf } : {}),
    async run(ctx, decision) {
      if (decision?.kind === 'done') return { status: 'pass', detail: def.done };
      return { wait: { blocks: def.blocks(ctx), choices: DONE_CHOICES } };
    },
  };
}
