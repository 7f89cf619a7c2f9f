/**
 * The guided executor's step loop (src/queue/execute-guided.ts) with made-up steps, in-memory stores and a fake
 * job: a step that asks parks the job until its deadline; a decision resumes it; "check again" starts a new
 * attempt with a fresh ask; a deadline that passes ends the run expired; a cancel ends it between steps; a step
 * may end the run early (denied) or fail it.
 */
import { DelayedError } from 'bullmq';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/core/decisions.js';
import type { Prompt } from '../../../src/core/prompt.js';
import type { Run } from '../../../src/core/run.js';
import {
  DEFAULT_PROMPT_TTL_MS,
  DONE_CHOICES,
  type GuidedContext,
  type GuidedStep,
  RETRY_CHOICES,
} from '../../../src/core/runbooks/guided.js';
import { runView } from '../../../src/core/views/run-view.js';
import { executeGuided } from '../../../src/queue/execute-guided.js';
import { RunCancelled } from '../../../src/queue/run-lifecycle.js';
import { renderPlain } from '../helpers/fake-chat.js';
import type { FakeJob } from '../helpers/fake-queues.js';
import { aRun } from '../helpers/runs.js';
import { createWorld, type World } from '../helpers/world.js';

const ASK: Prompt = { blocks: [{ type: 'text', text: ['Create the token.'] }], choices: DONE_CHOICES };
const VERIFY: Prompt = {
  blocks: [{ type: 'text', text: ['Fix it, then check again.'] }],
  choices: RETRY_CHOICES,
};

let w: World;
let runId: string;
let job: FakeJob;
/** How often the verify step has run, and how often it should still fail. */
let verifyRuns: number;
let verifyFailures: number;

/** Asks for "Done"; passes with it. */
const tokenStep: GuidedStep = {
  id: 'token',
  title: 'Create a token',
  async run(_ctx, decision) {
    if (decision?.kind === 'done') return { status: 'pass', detail: 'Token created.' };
    if (decision?.kind === 'deny') return { status: 'fail', detail: 'Denied.', end: 'denied' };
    return { wait: ASK };
  },
};

/** Verifies: while it should fail, asks again with the failure noted; then passes. */
const verifyStep: GuidedStep = {
  id: 'verify',
  title: 'Verify the token',
  async run() {
    verifyRuns += 1;
    if (verifyFailures > 0) {
      verifyFailures -= 1;
      return { wait: VERIFY, failure: { code: 'JIRA_AUTH_REJECTED', detail: 'Jira answered 401.' } };
    }
    return { status: 'pass', detail: 'Jira accepts it.' };
  },
};

function context(run: Run): GuidedContext {
  return {
    runId: run.id,
    requesterId: run.requestedBy.id,
    params: run.params,
    facts: run.facts,
    now: () => w.clock.now(),
    secret: async () => undefined,
    currentSecret: async () => undefined,
    runTest: async () => [],
    inspectKey: () => {
      throw new Error('not used');
    },
    saveConnector: async () => undefined,
    keepSecret: async () => undefined,
    dropSecret: async () => undefined,
  };
}

/** What the worker does on each delivery: load the run and execute it; "parked" when it waits. */
async function deliver(steps: GuidedStep[] = [tokenStep, verifyStep]): Promise<'parked' | 'done'> {
  const run = (await w.runs.get(runId))!;
  job.state = 'active';
  try {
    await executeGuided(run, steps, context(run), { job: job.asJob(), token: 't' }, w.life, w.runDeps);
    return 'done';
  } catch (error) {
    if (error instanceof DelayedError) return 'parked';
    throw error;
  }
}

async function stored(): Promise<Run> {
  return (await w.runs.get(runId))!;
}

function decide(stepId: string, attempt: number, kind: Decision['kind'], by = 'U-REQ') {
  return w.decisions.decide(runId, stepId, attempt, { kind, by, at: w.clock.now() });
}

beforeEach(async () => {
  w = createWorld({ liveOutbox: false });
  verifyRuns = 0;
  verifyFailures = 0;
  const run = aRun({ kind: 'connect', state: 'queued', params: {} });
  runId = run.id;
  await w.runs.create(run);
  await w.runs.claimActive('connect', run.connector, run.id);
  await w.queues.enqueueRun(run.id);
  job = w.queues.job(run.id);
});

describe('guided executor: the step loop', () => {
  it('a step that asks parks the job until its deadline; the run waits with the ask recorded', async () => {
    expect(await deliver()).toBe('parked');
    const run = await stored();
    const deadline = w.clock.now() + DEFAULT_PROMPT_TTL_MS;
    expect(run.state).toBe('waiting');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['token', 'waiting'],
      ['verify', 'pending'],
    ]);
    expect(run.steps[0]).toMatchObject({ attempt: 0, deadline, prompts: [{ attempt: 0, prompt: ASK }] });
    expect(job.state).toBe('delayed');
    expect(job.delayedUntil).toBe(deadline);
    expect(w.audit.of(runId)).toEqual(['connect started:ok']);
    expect(w.queues.takeSyncs()).toEqual([runId]);
    expect(runView(run).replies.map((r) => r.key)).toEqual(['step:token:0']);
  });

  it('a decision resumes it: the ask is resolved, the step passes, the next one runs', async () => {
    await deliver();
    await decide('token', 0, 'done');
    await w.queues.wake(runId);
    expect(job.state).toBe('waiting');
    expect(await deliver()).toBe('done');
    const run = await stored();
    expect(run.state).toBe('succeeded');
    expect(run.steps[0]).toMatchObject({ status: 'pass', detail: 'Token created.' });
    expect(run.steps[0]!.prompts![0]!.resolution).toMatchObject({ kind: 'done', by: 'U-REQ' });
    expect(run.steps[0]!.deadline).toBeUndefined();
    expect(run.steps[1]!.status).toBe('pass');
    expect(w.audit.of(runId)).toEqual(['connect started:ok', 'connect:ok']);
    expect(await w.runs.activeHolder('connect', run.connector)).toBeUndefined();
    expect(renderPlain(runView(run).replies[0]!.message)).toContain('✅ Done by @U-REQ');
  });

  it('"check again" starts a new attempt with a fresh ask; the failed attempt keeps its note', async () => {
    verifyFailures = 1;
    await deliver();
    await decide('token', 0, 'done');
    expect(await deliver()).toBe('parked');
    let run = await stored();
    expect(run.steps[1]).toMatchObject({ status: 'waiting', attempt: 0 });
    expect(run.failures).toEqual([
      {
        key: 'fail:verify:0',
        stepId: 'verify',
        attempt: 0,
        title: 'Verify the token',
        code: 'JIRA_AUTH_REJECTED',
        detail: 'Jira answered 401.',
      },
    ]);

    await decide('verify', 0, 'retry');
    expect(await deliver()).toBe('done');
    run = await stored();
    expect(run.state).toBe('succeeded');
    expect(run.steps[1]).toMatchObject({ status: 'pass', attempt: 1 });
    expect(run.steps[1]!.prompts![0]!.resolution).toMatchObject({ kind: 'retry' });
    expect(verifyRuns).toBe(2);
    expect(runView(run).replies.map((r) => r.key)).toEqual([
      'step:token:0',
      'fail:verify:0',
      'step:verify:0',
    ]);
  });

  it('a retry that fails again asks again under the next attempt, each failure noted once', async () => {
    verifyFailures = 2;
    await deliver();
    await decide('token', 0, 'done');
    await deliver();
    await decide('verify', 0, 'retry');
    expect(await deliver()).toBe('parked');
    // A re-delivery of the same attempt (a worker crash) adds nothing.
    verifyFailures = 1;
    job.state = 'waiting';
    expect(await deliver()).toBe('parked');
    const run = await stored();
    expect(run.steps[1]).toMatchObject({ status: 'waiting', attempt: 1 });
    expect(run.steps[1]!.prompts!.map((p) => p.attempt)).toEqual([0, 1]);
    expect(run.failures!.map((f) => f.key)).toEqual(['fail:verify:0', 'fail:verify:1']);
  });

  it('the deadline passes: the run ends expired and the waiting step fails', async () => {
    await deliver();
    w.clock.advance(DEFAULT_PROMPT_TTL_MS);
    w.queues.releaseDue(w.clock.now());
    expect(job.state).toBe('waiting');
    expect(await deliver()).toBe('done');
    const run = await stored();
    expect(run.state).toBe('expired');
    expect(run.outcome).toEqual({ state: 'expired', reason: 'expired' });
    expect(run.steps[0]).toMatchObject({ status: 'fail', detail: 'Nobody answered before the deadline.' });
    expect(run.steps[1]!.status).toBe('skip');
    expect((await w.decisions.get(runId, 'token', 0))?.kind).toBe('expired');
    expect(w.audit.of(runId)).toEqual(['connect started:ok', 'connect:expired']);
  });

  it('a click that lands after the deadline loses to the expiry recorded first', async () => {
    await deliver();
    w.clock.advance(DEFAULT_PROMPT_TTL_MS + 1);
    await deliver();
    const late = await decide('token', 0, 'done');
    expect(late.won).toBe(false);
    expect((await stored()).state).toBe('expired');
  });

  it('a cancel ends the run between steps and unwinds the executor', async () => {
    await deliver();
    await w.decisions.requestCancel(runId, 'U-BOSS');
    await w.queues.wake(runId);
    await expect(deliver()).rejects.toBeInstanceOf(RunCancelled);
    const ended = await stored();
    expect(ended.state).toBe('cancelled');
    expect(ended.outcome).toEqual({ state: 'cancelled', reason: 'cancelled', by: 'U-BOSS' });
    expect(ended.steps.map((s) => [s.status, s.detail])).toEqual([
      ['skip', 'Cancelled.'],
      ['skip', 'Cancelled.'],
    ]);
    expect(ended.steps[0]!.deadline).toBeUndefined();
    expect(await w.runs.activeHolder('connect', ended.connector)).toBeUndefined();
  });

  it('a decision recorded while the job was being parked promotes it at once', async () => {
    const racing: GuidedStep = {
      id: 'token',
      title: 'Create a token',
      async run(_ctx, decision) {
        if (decision) return { status: 'pass' };
        // The click lands between the step's read of decisions and the park.
        await decide('token', 0, 'done');
        return { wait: ASK };
      },
    };
    expect(await deliver([racing])).toBe('parked');
    expect(job.promotions).toBe(1);
    expect(job.state).toBe('waiting');
    expect(await deliver([racing])).toBe('done');
    expect((await stored()).state).toBe('succeeded');
  });

  it('a step may end the run early: denied by the person who decided', async () => {
    await deliver();
    await decide('token', 0, 'deny', 'U-APPROVER');
    expect(await deliver()).toBe('done');
    const run = await stored();
    expect(run.outcome).toEqual({ state: 'cancelled', reason: 'denied', by: 'U-APPROVER' });
    expect(run.steps.map((s) => s.status)).toEqual(['fail', 'skip']);
    expect(w.audit.of(runId).at(-1)).toBe('connect:rejected');
  });

  it('a step that fails fails the run; a skipped step is skipped with its reason', async () => {
    const skipped: GuidedStep = { ...tokenStep, skipIf: () => 'Not needed here.' };
    const failing: GuidedStep = {
      id: 'verify',
      title: 'Verify',
      run: async () => ({ status: 'fail', code: 'JIRA_AUTH_REJECTED' }),
    };
    expect(await deliver([skipped, failing])).toBe('done');
    const run = await stored();
    expect(run.steps.map((s) => [s.status, s.detail ?? s.code])).toEqual([
      ['skip', 'Not needed here.'],
      ['fail', 'JIRA_AUTH_REJECTED'],
    ]);
    expect(run.outcome).toEqual({ state: 'failed', reason: 'failed' });
  });
});
