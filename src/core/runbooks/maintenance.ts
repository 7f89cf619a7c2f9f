/**
 * The maintenance runbook (issue 13), after Atlassian's advice for planned Jira downtime: Deactivate the Jira Align
 * connector before Jira goes down, hold Jira Align edits meanwhile, and Activate it again once Jira is back.
 * Jira Align has no API for Activate/Deactivate, so those two are guided (as in rotate) and verified from the Jira
 * side and through Align's sync errors where possible.
 *
 *   deactivate  sleeps until the prompt time; asks Deactivate (Done / Not yet), reminds until Done or the window
 *   window      sleeps until the window begins, then until it ends (`align-bot maintenance start|end` moves both)
 *   jira-back   probes Jira after the window with backoff until it answers healthily, bounded by giveUpMs
 *   activate    asks Activate, reminds, mentions the admins after escalateMs, gives up after giveUpMs
 *   verify      the full test, Jira Align's connector sync errors included
 *
 * Every time is on the context's clock; reminders and escalations are facts, drawn by the view as thread replies.
 */
import type { ConnectorSpec } from '../connector-spec.js';
import type { Decision } from '../decisions.js';
import {
  type MaintenanceParams,
  type MaintenanceStepId,
  probeBackoffMs,
  reminderTimes,
  type WindowTimes,
} from '../maintenance.js';
import { formatLocal, spanText } from '../maintenance-time.js';
import type { Run } from '../run.js';
import type { Block } from '../views/view.js';
import type { CheckId } from './checks/check-ids.js';
import type { CheckResult } from './checks/run-checks.js';
import { fail, pass } from './checks/run-checks.js';
import { activateBlocks, alignConnectorWindow } from './guide-text.js';
import {
  DONE_CHOICES,
  firstFailure,
  type GuidedContext,
  type GuidedStep,
  passedDetail,
  RETRY_CHOICES,
  type StepOutcome,
} from './guided.js';

export const MAINTENANCE_RUNBOOK_VERSION = 1;

/** What the maintenance steps need besides the guided context. */
export interface MaintenanceContext extends GuidedContext {
  spec: ConnectorSpec;
  /** The window as it stands now (the CLI may have moved it); the executor keeps a copy in facts.window. */
  window(): Promise<WindowTimes>;
  /** The connector's test with its stored credentials: all checks, or those named (with what they need). */
  testConnector(only?: CheckId[]): Promise<CheckResult[]>;
  /** Align Bot's admins, mentioned when nobody activates the connector. */
  admins: string[];
  audit(action: string, detail?: string): Promise<void>;
}

type Step = GuidedStep<MaintenanceContext>;

/** "Is Jira back?": reachable and accepting the connector's credential. */
const JIRA_PROBE: CheckId[] = ['reach', 'auth'];

export interface Reminder {
  step: 'deactivate' | 'activate';
  n: number;
  at: number;
}

export function remindersOf(run: Pick<Run, 'facts'>): Reminder[] {
  return (run.facts.reminders as Reminder[] | undefined) ?? [];
}

function params(ctx: MaintenanceContext): MaintenanceParams {
  return ctx.params as unknown as MaintenanceParams;
}

function at(ctx: MaintenanceContext, epochMs: number): string {
  return formatLocal(epochMs, params(ctx).tz);
}

/**
 * Adds the reminder that is due (one, however many were missed while no worker ran) and says when to wake next.
 */
async function remind(
  ctx: MaintenanceContext,
  step: Reminder['step'],
  times: number[],
): Promise<number | undefined> {
  const now = ctx.now();
  const sent = remindersOf(ctx).filter((r) => r.step === step);
  const due = times.filter((t) => t <= now).length;
  if (due > sent.length) {
    ctx.facts.reminders = [...remindersOf(ctx), { step, n: sent.length + 1, at: now }];
    await ctx.audit(`reminder ${step}`, `reminder ${sent.length + 1}`);
  }
  return times.find((t) => t > now);
}

const deactivate: Step = {
  id: 'deactivate' satisfies MaintenanceStepId,
  title: 'Deactivate the connector before the window',
  async run(ctx, decision) {
    const w = await ctx.window();
    const now = ctx.now();
    if (decision?.kind === 'done') {
      ctx.facts.deactivatedAt ??= now;
      return pass(`Deactivated at ${at(ctx, now)}.`);
    }
    if (now >= w.from) {
      return {
        status: 'warn',
        detail:
          'Nobody confirmed Deactivate before the window began: the connector may log sync errors while Jira is down.',
      };
    }
    if (now < w.promptAt)
      return { sleep: w.promptAt, status: 'pending', detail: `Align Bot asks at ${at(ctx, w.promptAt)}.` };
    if (ctx.facts.promptedAt === undefined) {
      ctx.facts.promptedAt = now;
      await ctx.audit('maintenance deactivate asked', `window from ${new Date(w.from).toISOString()}`);
    }
    const since = ctx.facts.promptedAt as number;
    const next = await remind(ctx, 'deactivate', reminderTimes(since, w.from, params(ctx).settings.remindMs));
    return {
      wait: { blocks: deactivateAsk(ctx, w), choices: DONE_CHOICES },
      until: w.from,
      ...(next !== undefined ? { wakeAt: next } : {}),
    };
  },
};

function deactivateAsk(ctx: MaintenanceContext, w: WindowTimes): Block[] {
  return [
    {
      type: 'text',
      text: [
        'Jira goes into maintenance at ',
        { b: at(ctx, w.from) },
        ` (${w.tz}). Deactivate the connector before then, so Jira Align does not flood errors while Jira is down.`,
      ],
    },
    alignConnectorWindow(ctx.spec),
    {
      type: 'text',
      text: [
        'Click ',
        { b: 'Deactivate' },
        ' (if the button reads “Activate”, it is already deactivated). Until Align Bot says the connector is active again, hold edits in Jira Align to work items that sync with this Jira.',
      ],
    },
  ];
}

const window: Step = {
  id: 'window' satisfies MaintenanceStepId,
  title: 'Jira maintenance window',
  async run(ctx) {
    const w = await ctx.window();
    const now = ctx.now();
    if (now < w.from) return { sleep: w.from, status: 'pending', detail: `Begins at ${at(ctx, w.from)}.` };
    if (now < w.until)
      return { sleep: w.until, status: 'running', detail: `In maintenance until ${at(ctx, w.until)}.` };
    const early = w.endedBy ? ` (ended by ${w.endedBy})` : '';
    return pass(`Over at ${at(ctx, w.until)}${early}.`);
  },
};

const jiraBack: Step = {
  id: 'jira-back' satisfies MaintenanceStepId,
  title: 'Jira answers again',
  async run(ctx) {
    const w = await ctx.window();
    const results = await ctx.testConnector(JIRA_PROBE);
    const now = ctx.now();
    const tries = ((ctx.facts.probes as { n: number } | undefined)?.n ?? 0) + 1;
    const failure = firstFailure(results);
    if (!failure) {
      ctx.facts.jiraBackAt = now;
      return pass(`Jira answered healthily at ${at(ctx, now)} (try ${tries}).`);
    }
    ctx.facts.probes = { n: tries, code: failure.code, at: now };
    const giveUp = w.until + params(ctx).settings.giveUpMs;
    if (now >= giveUp) {
      return fail(
        failure.code,
        `Jira did not answer healthily within ${spanText(params(ctx).settings.giveUpMs)} after the window (${failure.detail}). Leave the connector deactivated until it does; then activate it and run test ${ctx.spec.name}.`,
      );
    }
    const next = Math.min(now + probeBackoffMs(tries), giveUp);
    return {
      sleep: next,
      detail: `Not yet (try ${tries}: ${failure.code}); trying again at ${at(ctx, next)}.`,
    };
  },
};

const activate: Step = {
  id: 'activate' satisfies MaintenanceStepId,
  title: 'Activate the connector (Jira Align)',
  async run(ctx, decision) {
    const now = ctx.now();
    if (decision?.kind === 'done') {
      ctx.facts.activatedAt = now;
      return pass(`Activated at ${at(ctx, now)}.`);
    }
    const { escalateMs, giveUpMs, remindMs } = params(ctx).settings;
    ctx.facts.activatePromptedAt ??= now;
    const since = ctx.facts.activatePromptedAt as number;
    const deadline = since + giveUpMs;
    if (now >= deadline) return stillDeactivated(ctx, giveUpMs);
    const escalateAt = since + escalateMs;
    if (now >= escalateAt && ctx.facts.escalatedAt === undefined) {
      ctx.facts.escalatedAt = now;
      ctx.facts.escalatedTo = ctx.admins;
      await ctx.audit('maintenance escalated', `nobody activated within ${spanText(escalateMs)}`);
    }
    const slow = { from: escalateAt, every: escalateMs };
    const next = await remind(ctx, 'activate', reminderTimes(since, deadline, remindMs, slow));
    const wakeAt = Math.min(next ?? deadline, escalateAt > now ? escalateAt : deadline);
    return {
      wait: { blocks: activateAsk(ctx), choices: DONE_CHOICES },
      until: deadline,
      wakeAt,
    };
  },
};

function activateAsk(ctx: MaintenanceContext): Block[] {
  return [
    {
      type: 'text',
      text: [
        'Jira answers again. Activate the connector now; Align Bot then runs the full test, Jira Align’s sync errors included.',
      ],
    },
    ...activateBlocks(ctx.spec, ctx.spec.auth !== 'oauth'),
  ];
}

function stillDeactivated(ctx: MaintenanceContext, giveUpMs: number): StepOutcome {
  return fail(
    'ALIGN_CONNECTOR_DEACTIVATED',
    `Nobody confirmed Activate within ${spanText(giveUpMs)} after Jira came back: the connector is still deactivated, and Jira Align syncs nothing with this Jira. Activate it, then run test ${ctx.spec.name}: a passing test clears this mark from the reports.`,
  );
}

const verify: Step = {
  id: 'verify' satisfies MaintenanceStepId,
  title: 'Connector works again (full test, Jira Align sync errors included)',
  async run(ctx, _decision: Decision | undefined) {
    const results = await ctx.testConnector();
    const failure = firstFailure(results);
    if (failure) {
      return {
        wait: {
          blocks: [
            {
              type: 'text',
              text: [
                'The connector does not work yet (details above). Fix it and check again; Align Bot keeps it marked until it passes.',
              ],
            },
          ],
          choices: RETRY_CHOICES,
        },
        failure,
      };
    }
    return pass(passedDetail(results));
  },
};

export function maintenanceSteps(): Step[] {
  return [deactivate, window, jiraBack, activate, verify];
}
