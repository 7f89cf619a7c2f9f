/**
 * Whether the ask a form link was issued for is still open: the run has not ended, nobody asked to cancel it, and
 * its step still waits on that very attempt, before its deadline. Checked when the form is shown and again, from the
 * run record, when a value arrives, before anything is stored.
 */
import { isTerminal } from '../core/run.js';
import type { DecisionStore } from '../store/decisions.js';
import type { FormTicket } from '../store/forms.js';
import type { RunStore } from '../store/runs.js';

export type ClosedAsk = 'ended' | 'cancelled' | 'moved-on' | 'expired';

export async function closedAsk(
  ticket: Pick<FormTicket, 'runId' | 'stepId' | 'attempt'>,
  deps: { runs: RunStore; decisions: DecisionStore },
  now = Date.now(),
): Promise<ClosedAsk | undefined> {
  const run = await deps.runs.get(ticket.runId);
  if (!run) return 'ended';
  if (run.state === 'cancelled') return 'cancelled';
  if (isTerminal(run.state)) return 'ended';
  if (await deps.decisions.cancelledBy(run.id)) return 'cancelled';
  const step = run.steps.find((s) => s.id === ticket.stepId);
  if (step?.status !== 'waiting' || (step.attempt ?? 0) !== ticket.attempt) return 'moved-on';
  if (step.deadline !== undefined && now > step.deadline) return 'expired';
  return undefined;
}
