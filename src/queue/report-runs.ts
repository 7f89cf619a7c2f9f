/**
 * Creating a fleet report Run, the same way for `/align report now` (web) and a schedule firing (worker): the Run
 * is written first, then its job is enqueued with jobId = run id.
 */
import { createHash } from 'node:crypto';
import type { Conversation, Person, Run } from '../core/run.js';
import type { RunStore } from '../store/runs.js';
import type { Queues } from './queues.js';
import { newRun } from './run-kinds.js';

/** The `connector` of a report run: not a valid connector name, so it can never collide with one. */
export const FLEET = '@fleet';

export interface ReportParams {
  trigger: 'now' | 'schedule';
  onlyChanges: boolean;
  /** Time zone of the uptime days (the schedule's, else UTC). */
  tz?: string;
  /** How the schedule reads, for the report's context line. */
  schedule?: string;
  scheduleId?: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A run id derived from a scheduler's job id, so a re-delivered firing cannot start a second run. */
export function runIdFor(jobId: string): string {
  const bytes = createHash('sha256').update(jobId).digest();
  return `r-${Array.from(bytes.subarray(0, 20), (b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

export function reportRun(input: {
  id: string;
  requestedBy: Person;
  conversation: Conversation;
  params: ReportParams;
  now: number;
}): Run {
  return newRun({ ...input, kind: 'report', connector: FLEET, params: { ...input.params } });
}

/** Writes the run (unless it exists) and enqueues it; false when the run already existed. */
export async function startReportRun(
  deps: { runs: RunStore; queues: Queues },
  run: Run,
  timeoutMs?: number,
): Promise<boolean> {
  const created = await deps.runs.create(run);
  await deps.queues.enqueueRun(run.id, timeoutMs);
  return created;
}
