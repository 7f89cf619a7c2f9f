/**
 * Button clicks on guided runs, shared by Slack and Teams: check that the ask is still open and that this person
 * may answer it — the click must carry one of the actions that ask showed, from a person the ask allows — record
 * the decision (first write wins), audit it, and wake the parked job. Refusals only ever answer the clicker,
 * privately, record nothing, and are audited as denied.
 */
import type { Logger } from 'pino';
import { type ApprovalPolicy, mayApprove } from '../core/approvals.js';
import { isAdmin, type Principal, type RolePolicy } from '../core/authz.js';
import type { DecisionKind } from '../core/decisions.js';
import { type Answerers, answerersOf, offeredActions } from '../core/prompt.js';
import { isTerminal, type Person, type Run, type StepRecord } from '../core/run.js';
import { parseButtonValue, promptMessage } from '../core/views/guided-view.js';
import { say } from '../core/views/say.js';
import { type Inline, type MessageView, plain } from '../core/views/view.js';
import type { Queues } from '../queue/queues.js';
import { wakeRun } from '../queue/run-lifecycle.js';
import type { AuditLog } from '../store/audit.js';
import type { DecisionStore } from '../store/decisions.js';
import type { FormStore } from '../store/forms.js';
import type { RunStore } from '../store/runs.js';

export interface ActionRequest {
  action: string;
  value: string;
  user: Person & { groups?: string[] };
}

export interface ActionDeps {
  runs: RunStore;
  decisions: DecisionStore;
  forms: FormStore;
  queues: Queues;
  audit: AuditLog;
  roles: RolePolicy;
  approvals: ApprovalPolicy;
  /** Base URL of the secret form, e.g. https://align-bot.example.com */
  publicUrl: string;
  logger: Logger;
}

const DECISIONS: readonly string[] = ['done', 'retry', 'approve', 'deny', 'rollback', 'skip', 'gray'];

export class ActionService {
  constructor(private readonly deps: ActionDeps) {}

  /** Returns a private answer for the clicker, or undefined when the thread itself will show the result. */
  async handle(request: ActionRequest): Promise<MessageView | undefined> {
    const kind = request.action.replace(/^align\./, '');
    // Slack reports a click on a link button too: the browser has opened the form, there is nothing to answer.
    if (kind === 'open-form') return undefined;
    const ask = parseButtonValue(request.value);
    if (!ask) return say('That button is not one of Align Bot’s.');
    const run = await this.deps.runs.get(ask.runId);
    const step = run?.steps.find((s) => s.id === ask.stepId);
    if (!run || !step) return say('That run no longer exists.');
    const stale = staleness(run, step, ask.attempt);
    if (stale) return say(stale);
    const who: Principal = {
      id: request.user.id,
      ...(request.user.groups ? { groups: request.user.groups } : {}),
    };
    const prompt = step.prompts?.find((p) => p.attempt === ask.attempt)?.prompt;
    if (!prompt) return say('This question is no longer open.');
    // Only what this ask showed, from the people it asks: anything else is refused, recorded nowhere but the audit.
    const refusal = offeredActions(prompt).includes(kind)
      ? this.refusal(run, who, answerersOf(prompt))
      : ['That button was not offered on this question.'];
    if (refusal) {
      await this.audit(run, request.user.id, `${kind} ${step.id}`, 'denied', plain(refusal));
      return say(['🔒 ', ...refusal]);
    }
    if (kind === 'notyet')
      return say(`OK. The run waits until ${when(step.deadline)}; click Done when you have finished.`);
    if (kind === 'secret') return this.formLink(run, step, ask.attempt, request.user.id);
    if (!DECISIONS.includes(kind)) return say('That button is not one of Align Bot’s.');
    const { won, decision } = await this.deps.decisions.decide(run.id, step.id, ask.attempt, {
      kind: kind as DecisionKind,
      by: request.user.id,
      at: Date.now(),
    });
    if (!won)
      return say([
        `Already answered: ${decision.kind}`,
        ...(decision.by !== 'deadline' ? [' by ', { user: decision.by }] : []),
        '.',
      ]);
    await this.audit(
      run,
      request.user.id,
      `${kind} ${step.id}`,
      kind === 'approve' ? 'approved' : kind === 'deny' ? 'rejected' : 'ok',
    );
    await wakeRun(this.deps.queues, run.id);
    return undefined;
  }

  /**
   * The message of the ask a button names, as it stands now (open with its buttons, or resolved), for platforms
   * that redraw a clicked card privately (Teams) or refresh it per viewer.
   */
  async askView(value: string): Promise<{ view: MessageView; open: boolean } | undefined> {
    const ask = parseButtonValue(value);
    if (!ask) return undefined;
    const run = await this.deps.runs.get(ask.runId);
    const step = run?.steps.find((s) => s.id === ask.stepId);
    const record = step?.prompts?.find((p) => p.attempt === ask.attempt);
    if (!run || !step || !record) return undefined;
    return {
      view: promptMessage(run, step, record),
      open: !record.resolution && staleness(run, step, ask.attempt) === undefined,
    };
  }

  private refusal(run: Run, who: Principal, answerers: Answerers): Inline[] | undefined {
    const requester: Inline = { user: run.requestedBy.id };
    switch (answerers) {
      case 'approvers': {
        const verdict = mayApprove(this.deps.approvals, who, run.requestedBy.id);
        return verdict.ok ? undefined : [verdict.reason];
      }
      case 'requester':
        return who.id === run.requestedBy.id
          ? undefined
          : ['Only ', requester, ', who started this run, can answer this: it hands over a secret.'];
      case 'requester-or-admin':
        return who.id === run.requestedBy.id || isAdmin(this.deps.roles, who)
          ? undefined
          : ['Only ', requester, ' (who started this run) or an Align Bot admin can answer this.'];
    }
  }

  private async formLink(run: Run, step: StepRecord, attempt: number, userId: string): Promise<MessageView> {
    const input = step.prompts?.find((p) => p.attempt === attempt)?.prompt.input;
    if (!input) return say('This step does not ask for a secret.');
    const { token, ticket } = await this.deps.forms.issue({
      runId: run.id,
      stepId: step.id,
      attempt,
      userId,
      kind: input.kind,
      label: input.label,
      askExpiry: input.askExpiry === true,
    });
    await this.audit(run, userId, `form issued ${step.id}`, 'ok');
    const url = `${this.deps.publicUrl}/secrets/${token}`;
    const text = `Your one-time form for: ${input.label}. It works once, for 10 minutes (until ${when(ticket.expiresAt)}), in the first browser that opens it. Never paste secrets into chat.`;
    return {
      text,
      blocks: [
        { type: 'text', text: [text] },
        {
          type: 'actions',
          id: 'secret-form',
          buttons: [
            {
              action: 'align.open-form',
              label: 'Open the secure form',
              value: run.id,
              url,
              style: 'primary',
            },
          ],
        },
      ],
    };
  }

  private async audit(
    run: Run,
    actor: string,
    action: string,
    outcome: 'ok' | 'denied' | 'approved' | 'rejected',
    detail?: string,
  ) {
    await this.deps.audit
      .append({
        actor,
        action,
        outcome,
        connector: run.connector,
        runId: run.id,
        ...(detail ? { detail } : {}),
      })
      .catch((error: Error) =>
        this.deps.logger.warn({ err: { message: error.message } }, 'audit append failed'),
      );
  }
}

function staleness(run: Run, step: StepRecord, attempt: number): string | undefined {
  if (isTerminal(run.state)) return `This run has ended (${run.state}).`;
  if (step.status !== 'waiting' || (step.attempt ?? 0) !== attempt) return 'This question is no longer open.';
  if (step.deadline && Date.now() > step.deadline) return 'This question has expired.';
  return undefined;
}

function when(ms: number | undefined): string {
  return ms ? `${new Date(ms).toISOString().slice(11, 16)} UTC` : 'its deadline';
}
