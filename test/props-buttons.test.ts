/**
 * Property tests of button values and clicks (issue 12 item 6). parseButtonValue reads exactly what buttonValue
 * writes and nothing else; ActionService.handle, given any action, any value and any clicker against runs in any
 * state (in-memory fakes, test/helpers/action-fakes.ts), answers with a refusal or nothing and never throws; a
 * decision is recorded only for the value of an open ask, by someone allowed to answer it, once; and every answer
 * renders to inert Block Kit within Slack's limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSlack } from '../src/chat/slack/render.js';
import { isAdmin, type RolePolicy } from '../src/core/authz.js';
import { answerersOf, offeredActions, type Prompt } from '../src/core/prompt.js';
import type { PromptRecord, Run, RunState, StepRecord, StepStatus } from '../src/core/run.js';
import { buttonValue, parseButtonValue } from '../src/core/views/guided-view.js';
import { checkBlockKit } from '../src/sandbox/block-kit-limits.js';
import { actionWorld, FakeDecisions } from './helpers/action-fakes.js';
import { hostileText, slackControlSequences } from './helpers/hostile.js';

const SEED = 0x12_06_02;
/** A failing run, shrinking included, reports within this time (fast-check stops and prints what it has). */
const BOUNDED = { interruptAfterTimeLimit: 10_000 };

const id = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/);

describe('button values', () => {
  it('parseButtonValue reads back what buttonValue writes', () => {
    fc.assert(
      fc.property(id, id, fc.nat({ max: 1_000_000 }), (runId, stepId, attempt) => {
        expect(parseButtonValue(buttonValue(runId, stepId, attempt))).toEqual({ runId, stepId, attempt });
      }),
      { seed: SEED, numRuns: 1000, ...BOUNDED },
    );
  });

  it('any other string is undefined, or exactly a value buttonValue writes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileText({ long: 3000 }),
          fc.string({ unit: 'binary' }),
          fc
            .tuple(id, id, fc.nat(), fc.constantFrom('|x', '|', ' ', '\n', '', '0', '.5', 'e3'), fc.boolean())
            .map(([r, s, a, tail, zero]) => `${r}|${s}|${zero ? '0' : ''}${a}${tail}`),
          fc.constantFrom('r|s|-1', 'r|s|1e3', 'r|s|0x1', 'r|s|Infinity', 'r|s| 1', `r|s|${'9'.repeat(400)}`),
        ),
        (value) => {
          const parsed = parseButtonValue(value);
          if (parsed === undefined) return;
          expect(Number.isSafeInteger(parsed.attempt) && parsed.attempt >= 0).toBe(true);
          expect(buttonValue(parsed.runId, parsed.stepId, parsed.attempt)).toBe(value);
        },
      ),
      { seed: SEED, numRuns: 3000, ...BOUNDED },
    );
  });
});

// ---- Clicks ----

const NOW = Date.now();
const RUN_IDS = ['r-props00001', 'r-props00002', 'r-props00003'];
const UNKNOWN_RUN = 'r-props00009';
const STEP_IDS = ['approval', 'new-credential', 'deactivate'];
const REQUESTER = 'UREQ';
const USERS = [
  { id: REQUESTER },
  { id: 'UADMIN' },
  { id: 'UAPPROVER' },
  { id: 'UOUTSIDER' },
  { id: 'UMEMBER', groups: ['SADMINS'] },
  { id: 'UMEMBER2', groups: ['SAPPROVERS'] },
  { id: REQUESTER, groups: ['SAPPROVERS'] },
  { id: '' },
  { id: '<!channel>' },
];
const ROLES: RolePolicy = { operators: [], admins: ['UADMIN', 'SADMINS'], approvers: [] };
const APPROVERS = ['UAPPROVER', 'SAPPROVERS', 'UADMIN'];
const DECISIONS = ['done', 'retry', 'approve', 'deny', 'rollback', 'skip', 'gray'];
const KINDS = [...DECISIONS, 'notyet', 'secret', 'input', 'expired', 'open-form', 'refresh'];
const STATES: RunState[] = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'expired'];
const STEP_STATUSES: StepStatus[] = ['pending', 'running', 'waiting', 'pass', 'warn', 'fail', 'skip'];

const prompt: fc.Arbitrary<Prompt> = fc.record({
  blocks: fc.constant([]),
  choices: fc.subarray([...DECISIONS, 'notyet'].map((kind) => ({ kind, label: kind })) as Prompt['choices']),
  approval: fc.boolean(),
  input: fc.option(
    fc.record({ kind: fc.constantFrom('secret' as const, 'public-key' as const), label: hostileText() }),
    { nil: undefined },
  ),
});

const step = (stepId: string): fc.Arbitrary<StepRecord> =>
  fc
    .record({
      status: fc.constantFrom(...STEP_STATUSES, 'waiting', 'waiting'),
      attempt: fc.option(fc.nat({ max: 2 }), { nil: undefined }),
      deadline: fc.constantFrom(undefined, NOW - 3_600_000, NOW + 3_600_000),
      prompts: fc.array(fc.tuple(fc.nat({ max: 2 }), prompt), { maxLength: 3 }),
    })
    .map(({ status, attempt, deadline, prompts }) => ({
      id: stepId,
      title: stepId,
      status,
      ...(attempt === undefined ? {} : { attempt }),
      ...(deadline === undefined ? {} : { deadline }),
      prompts: prompts.map(([a, p]): PromptRecord => ({ attempt: a, prompt: p })),
    }));

const run = (runId: string): fc.Arbitrary<Run> =>
  fc
    .record({
      state: fc.constantFrom(...STATES, 'waiting', 'waiting'),
      steps: fc.tuple(...STEP_IDS.map(step)),
    })
    .map(({ state, steps }) => ({
      id: runId,
      kind: 'rotate',
      connector: 'acme',
      requestedBy: { platform: 'slack', id: REQUESTER },
      conversation: { platform: 'slack', channel: 'CPROPS' },
      runbookVersion: 1,
      steps,
      state,
      createdAt: NOW,
      updatedAt: NOW,
      params: {},
      facts: {},
    }));

const runs = fc.subarray(RUN_IDS, { minLength: 1 }).chain((ids) => fc.tuple(...ids.map(run)));

const realValue = fc
  .tuple(fc.constantFrom(...RUN_IDS, UNKNOWN_RUN), fc.constantFrom(...STEP_IDS, 'nope'), fc.nat({ max: 3 }))
  .map(([r, s, a]) => buttonValue(r, s, a));

const forgedValue = fc.oneof(
  realValue.chain((v) =>
    fc
      .constantFrom(
        (x: string) => `${x}|x`,
        (x: string) => `${x}|`,
        (x: string) => `${x} `,
        (x: string) => ` ${x}`,
        (x: string) => `${x}\n`,
        (x: string) => x.replace(/\|(\d+)$/, '|0$1'),
        (x: string) => x.replace(/\|(\d+)$/, '|+$1'),
        (x: string) => x.replace(/\|(\d+)$/, '|$1.0'),
        (x: string) => x.replace(/\|(\d+)$/, '|$1e0'),
        (x: string) => x.toUpperCase(),
        (x: string) => x.replace('|', '||'),
        (x: string) => x.replace(/^r-/, 'R-'),
      )
      .map((mutate) => mutate(v)),
  ),
  hostileText({ long: 2500 }),
);

const action = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KINDS).map((k) => `align.${k}`) },
  { weight: 1, arbitrary: fc.constantFrom(...KINDS) },
  { weight: 1, arbitrary: hostileText() },
  { weight: 1, arbitrary: fc.constantFrom('align.', 'align.align.done', 'ALIGN.done', 'align.done ', '') },
);

const click = fc.record({
  action,
  value: fc.oneof({ weight: 3, arbitrary: realValue }, { weight: 2, arbitrary: forgedValue }),
  user: fc.constantFrom(...USERS),
});

/** The one open ask a value names, if it names one exactly as the bot wrote it. */
function openAsk(world: Run[], value: string): { run: Run; step: StepRecord } | undefined {
  for (const r of world) {
    for (const s of r.steps) {
      if (value !== buttonValue(r.id, s.id, s.attempt ?? 0)) continue;
      const terminal = ['succeeded', 'failed', 'cancelled', 'expired'].includes(r.state);
      const expired = s.deadline !== undefined && s.deadline < NOW;
      return !terminal && s.status === 'waiting' && !expired ? { run: r, step: s } : undefined;
    }
  }
  return undefined;
}

/** The answer rules (src/core/prompt.ts): only what the ask offered, from the people it asks. */
function allowed(
  kind: string,
  user: { id: string; groups?: string[] },
  run: Run,
  step: StepRecord,
  selfApproval: boolean,
) {
  const record = step.prompts?.find((p) => p.attempt === (step.attempt ?? 0));
  if (!record || !offeredActions(record.prompt).includes(kind)) return false;
  switch (answerersOf(record.prompt)) {
    case 'approvers': {
      const listed = APPROVERS.includes(user.id) || (user.groups ?? []).some((g) => APPROVERS.includes(g));
      return listed && (user.id !== run.requestedBy.id || selfApproval);
    }
    case 'requester':
      return user.id === run.requestedBy.id;
    case 'requester-or-admin':
      return user.id === run.requestedBy.id || isAdmin(ROLES, user);
  }
}

function expectInertReply(reply: ReturnType<typeof renderSlack>) {
  expect(checkBlockKit(reply.blocks)).toBeUndefined();
  const mrkdwn = JSON.stringify(reply);
  for (const sequence of slackControlSequences(mrkdwn)) {
    expect(sequence, 'only user mentions and our own form link').toMatch(
      /^<@U[A-Z0-9]+>$|^<https:\/\/align-bot\.example\.com\/secrets\/form-token-\d+>$/,
    );
  }
}

describe('clicks (ActionService.handle with in-memory stores)', () => {
  it('never throws; records a decision only for an open ask, by someone allowed, once', async () => {
    await fc.assert(
      fc.asyncProperty(
        runs,
        fc.boolean(),
        fc.array(click, { minLength: 1, maxLength: 8 }),
        async (initial, selfApproval, clicks) => {
          const world = actionWorld(initial, {
            roles: ROLES,
            approvals: { approvers: APPROVERS, allowSelfApproval: selfApproval },
          });
          for (const c of clicks) {
            const kind = c.action.replace(/^align\./, '');
            const ask = openAsk(initial, c.value);
            const ok = ask !== undefined && allowed(kind, c.user, ask.run, ask.step, selfApproval);
            const key = ask ? FakeDecisions.key(ask.run.id, ask.step.id, ask.step.attempt ?? 0) : '';
            const recordable = ok && DECISIONS.includes(kind) && !world.decisions.stored.has(key);
            const before = {
              decisions: world.decisions.stored.size,
              woken: world.queues.woken.length,
              forms: world.forms.issued.length,
            };

            const reply = await world.service.handle({
              action: c.action,
              value: c.value,
              user: { platform: 'slack', ...c.user },
            });

            // A click on the secure form's link button only opens the browser: no answer, nothing recorded.
            const silent = recordable || kind === 'open-form';
            expect(reply === undefined, `answered ${kind} for ${JSON.stringify(c.value)}`).toBe(silent);
            expect(world.decisions.stored.size - before.decisions).toBe(recordable ? 1 : 0);
            if (recordable) {
              expect(world.decisions.stored.get(key)).toMatchObject({ kind, by: c.user.id });
              expect(world.queues.woken.slice(before.woken)).toEqual([ask!.run.id]);
            } else {
              expect(world.queues.woken.length).toBe(before.woken);
            }
            for (const call of world.decisions.calls) {
              expect(openAsk(initial, buttonValue(call.runId, call.stepId, call.attempt))).toBeDefined();
            }
            const formIssued = world.forms.issued.length - before.forms;
            const input = ask?.step.prompts?.find((p) => p.attempt === (ask.step.attempt ?? 0))?.prompt.input;
            expect(formIssued).toBe(ok && kind === 'secret' && input ? 1 : 0);
            if (reply) expectInertReply(renderSlack(reply));
          }
        },
      ),
      { seed: SEED, numRuns: 1500, ...BOUNDED },
    );
  });
});
