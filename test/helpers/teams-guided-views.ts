/**
 * Every ask of the connect and rotate runbooks, drawn from the runbooks' own steps with a fake context: the first
 * ask, the ask after a failed check, the gray Service Light, the rollback; each open, resolved in every way, and
 * ended with its run. Also the private answers a click on them gets, from the real ActionService.
 */
import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { ActionService } from '../../src/app/action-service.js';
import type { ConnectorSpec } from '../../src/core/connector-spec.js';
import type { DiagnosisCode } from '../../src/core/diagnosis.js';
import type { Prompt } from '../../src/core/prompt.js';
import type { PromptRecord, Run, RunKind, RunState, StepRecord } from '../../src/core/run.js';
import type { CheckResult } from '../../src/core/runbooks/checks/run-checks.js';
import { connectSteps } from '../../src/core/runbooks/connect.js';
import { type GuidedContext, type GuidedStep, isWait } from '../../src/core/runbooks/guided.js';
import { rotateSteps } from '../../src/core/runbooks/rotate.js';
import { Secret } from '../../src/core/secret.js';
import { runView } from '../../src/core/views/run-view.js';
import type { MessageView } from '../../src/core/views/view.js';
import { registerSecret } from './leaks.js';
import {
  APPROVER,
  fixtureRun,
  HOSTILE,
  type NamedView,
  NOW,
  namedRunView,
  REQUESTER,
} from './teams-views.js';

const PUBLIC_KEY = generateKeyPairSync('rsa', { modulusLength: 4096 })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const RESOLUTIONS = [
  ...['done', 'retry', 'approve', 'deny', 'rollback', 'skip', 'gray', 'input', 'expired', 'cancelled'],
  ...['ended', 'unknown-kind'],
];

function context(params: Record<string, unknown>, existing?: ConnectorSpec): GuidedContext {
  const token = new Secret('teams-cards-fixture-token-7d1f');
  registerSecret('teams card fixture token', token.reveal());
  return {
    runId: 'r-teams00001',
    requesterId: REQUESTER,
    params,
    facts: { publicKey: PUBLIC_KEY, credentialRef: 'vault-1' },
    now: () => NOW,
    secret: async () => token,
    currentSecret: async () => token,
    runTest: async (_spec, _secrets, only): Promise<CheckResult[]> =>
      (only ?? ['auth']).map((id) => ({
        id,
        title: `Check ${id}`,
        status: 'fail',
        code: 'JIRA_AUTH_REJECTED',
        detail: HOSTILE,
        ms: 3,
      })),
    inspectKey: () => ({ kind: 'private-key', jiraAccepts: false }),
    ...(existing ? { existing } : {}),
    saveConnector: async () => {},
    dropSecret: async () => {},
    keepSecret: async () => {},
  };
}

const DECISIONS = [undefined, 'gray', 'rollback', 'input', 'retry', 'done'] as const;

/** Each distinct ask a step can make (first ask, after a failed check, the gray light, the rollback). */
async function asks(step: GuidedStep, params: Record<string, unknown>, existing?: ConnectorSpec) {
  const found = new Map<string, { prompt: Prompt; failure?: { code: DiagnosisCode; detail?: string } }>();
  for (const kind of DECISIONS) {
    const decision = kind && { kind, by: REQUESTER, at: NOW, ref: 'vault-1', note: '2027-01-01' };
    const outcome = await step.run(context(params, existing), decision).catch(() => undefined);
    if (!outcome || !isWait(outcome)) continue;
    found.set(JSON.stringify(outcome), {
      prompt: outcome.wait,
      ...(outcome.failure ? { failure: outcome.failure } : {}),
    });
  }
  return [...found.values()];
}

function guidedRun(
  kind: RunKind,
  steps: GuidedStep[],
  index: number,
  record: PromptRecord,
  state: RunState,
  failure?: { code: DiagnosisCode; detail?: string },
): Run {
  const records: StepRecord[] = steps.map((s, i) => ({
    id: s.id,
    title: s.title,
    status: i < index ? 'pass' : i > index ? 'pending' : record.resolution ? 'pass' : 'waiting',
    ...(i < index ? { detail: 'Done.' } : {}),
    ...(i === index ? { attempt: record.attempt, deadline: NOW + 4 * 3600_000, prompts: [record] } : {}),
  }));
  const r = fixtureRun(kind, records, state);
  if (failure) {
    const s = steps[index]!;
    r.failures = [{ key: `note:${s.id}:1`, stepId: s.id, attempt: 1, title: s.title, ...failure }];
  }
  return r;
}

async function runbookViews(
  label: string,
  kind: RunKind,
  steps: GuidedStep[],
  params: Record<string, unknown>,
  existing?: ConnectorSpec,
): Promise<NamedView[]> {
  const views: NamedView[] = [];
  for (const [index, step] of steps.entries()) {
    for (const [n, ask] of (await asks(step, params, existing)).entries()) {
      const name = `${label} ${step.id} ask ${n + 1}`;
      const approval = ask.prompt.approval === true;
      const open: PromptRecord = { attempt: 1, prompt: ask.prompt };
      views.push(
        ...namedRunView(name, runView(guidedRun(kind, steps, index, open, 'waiting', ask.failure)), approval),
      );
      for (const resolution of RESOLUTIONS) {
        const record = { ...open, resolution: { kind: resolution, by: APPROVER, at: NOW } };
        const view = runView(guidedRun(kind, steps, index, record, 'running'));
        const reply = view.replies.find((r) => r.key === `step:${step.id}:1`)!;
        views.push({ name: `${name} resolved ${resolution}`, view: reply.message, approval });
      }
      for (const state of ['expired', 'cancelled', 'failed'] as const) {
        const view = runView(guidedRun(kind, steps, index, open, state));
        const reply = view.replies.find((r) => r.key === `step:${step.id}:1`)!;
        views.push({ name: `${name} run ${state}`, view: reply.message, approval });
      }
    }
  }
  return views;
}

const CONNECT_PARAMS = {
  name: 'acme',
  jira: 'https://acme.atlassian.net',
  align: 'https://acme.jiraalign.com',
  project: 'ACME',
};

const EXISTING: ConnectorSpec = {
  name: 'acme',
  jira: { url: 'https://acme.atlassian.net', kind: 'cloud' },
  align: { url: 'https://acme.jiraalign.com', connectorId: 12 },
  auth: 'basic',
  email: 'svc-align@acme.example',
};

/** connect (OAuth, Basic, PAT; Cloud and Data Center) and rotate (Basic, PAT, OAuth): every ask. */
export async function guidedViews(): Promise<NamedView[]> {
  const views: NamedView[] = [];
  for (const auth of ['oauth', 'basic', 'pat'] as const) {
    for (const dc of [false, true]) {
      const params = {
        ...CONNECT_PARAMS,
        auth,
        dc,
        ...(auth === 'basic' ? { email: 'svc@acme.example' } : {}),
      };
      views.push(
        ...(await runbookViews(`connect ${auth}${dc ? ' dc' : ''}`, 'connect', connectSteps(), params)),
      );
    }
  }
  for (const auth of [undefined, 'pat', 'oauth'] as const) {
    const params = { name: 'acme', ...(auth ? { auth } : {}) };
    views.push(
      ...(await runbookViews(`rotate ${auth ?? 'basic'}`, 'rotate', rotateSteps(), params, EXISTING)),
    );
  }
  return views;
}

/**
 * What a click answers privately (refusals, "not yet", the secure-form link, stale asks), and the approval ask
 * they are drawn over.
 */
export async function privateAnswerViews(): Promise<{ answers: NamedView[]; original: MessageView }> {
  const original = (await guidedViews()).find((v) => v.approval && v.name.includes('approval ask 1 reply'))!;
  const steps: StepRecord[] = [
    {
      id: 'service-account',
      title: 'Service account',
      status: 'waiting',
      attempt: 1,
      deadline: Date.now() + 3600_000,
      prompts: [
        { attempt: 1, prompt: { blocks: [], choices: [], input: { kind: 'secret', label: HOSTILE } } },
      ],
    },
    {
      id: 'approval',
      title: 'Approval',
      status: 'waiting',
      attempt: 1,
      deadline: Date.now() + 3600_000,
      prompts: [{ attempt: 1, prompt: { blocks: [], choices: [], approval: true } }],
    },
  ];
  const waiting = { ...fixtureRun('connect', steps, 'waiting') };
  const service = new ActionService({
    runs: {
      get: async (id: string) =>
        id === 'r-teams00001' ? waiting : id === 'r-ended' ? { ...waiting, state: 'failed' } : undefined,
    },
    decisions: { decide: async () => ({ won: false, decision: { kind: 'approve', by: APPROVER, at: NOW } }) },
    forms: { issue: async () => ({ token: 'form-token-abc', ticket: { expiresAt: NOW + 600_000 } }) },
    queues: { wake: async () => {} },
    audit: { append: async () => {} },
    roles: { operators: [], admins: [], approvers: [APPROVER] },
    approvals: { approvers: [APPROVER], allowSelfApproval: false },
    publicUrl: 'https://align-bot.example.com',
    logger: pino({ level: 'silent' }),
  } as never);
  const requester = { platform: 'teams' as const, id: REQUESTER };
  const stranger = { platform: 'teams' as const, id: 'someone-else' };
  const approver = { platform: 'teams' as const, id: APPROVER };
  const clicks = [
    ['align.secret', 'r-teams00001|service-account|1', requester],
    ['align.secret', 'r-teams00001|service-account|1', stranger],
    ['align.done', 'r-teams00001|service-account|1', stranger],
    ['align.notyet', 'r-teams00001|service-account|1', requester],
    ['align.approve', 'r-teams00001|approval|1', requester],
    ['align.approve', 'r-teams00001|approval|1', stranger],
    ['align.approve', 'r-teams00001|approval|1', approver],
    ['align.done', 'r-teams00001|service-account|0', requester],
    ['align.done', 'r-ended|service-account|1', requester],
    ['align.done', 'r-gone|service-account|1', requester],
    ['align.bogus', 'not-a-value', requester],
  ] as const;
  const views: NamedView[] = [];
  for (const [action, value, user] of clicks) {
    const view = await service.handle({ action, value, user });
    if (view) views.push({ name: `click ${action} ${value} by ${user.id}`, view });
  }
  return { answers: views, original: original.view };
}
