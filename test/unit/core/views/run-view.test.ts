/**
 * The root message and thread replies of a run (src/core/views/run-view.ts), platform-neutral: each run state's
 * headline, each outcome reason's line, the checklist, and which replies exist under which keys (the outbox posts
 * each key once, so a key that changes would post a duplicate).
 */
import { describe, expect, it } from 'vitest';
import { diagnosis } from '../../../../src/core/diagnosis.js';
import {
  END_STATE,
  type EndReason,
  type RunOutcome,
  type RunState,
  runOutcome,
} from '../../../../src/core/run.js';
import { outcomeLine, runView, summarize } from '../../../../src/core/views/run-view.js';
import { renderPlain } from '../../helpers/fake-chat.js';
import { aRun, aStep, T0 } from '../../helpers/runs.js';

const HEADLINE: Record<RunState, string> = {
  queued: '⏳ test acme: queued',
  running: '🔄 test acme: running',
  waiting: '✋ test acme: waiting for you',
  succeeded: '✅ test acme: passed',
  failed: '❌ test acme: failed',
  cancelled: '🚫 test acme: cancelled',
  expired: '⌛ test acme: expired',
};

/** What each reason's root says; `@` marks a mention in the plain rendering. */
const DRAWN: Record<EndReason, RegExp | undefined> = {
  passed: undefined,
  failed: undefined,
  cancelled: /^Cancelled by @U-BOSS\.$/,
  expired: /^Nobody answered before the deadline\.$/,
  denied: /^Denied by @U-BOSS: nothing was changed\.$/,
  'rolled-back': /^Rolled back to the old credential by @U-BOSS\.$/,
  'connector-gone':
    /^Connector “acme” no longer exists: it was deleted while this run was queued or waiting\.$/,
  'internal-failure':
    /^Align Bot stopped on an internal failure \(BOT_INTERNAL_FAILURE\)\. Quote r-unit\d+ to/,
  'in-maintenance': /^The connector is in maintenance: /,
};

function outcomeFor(reason: EndReason): RunOutcome {
  if (reason === 'internal-failure') return runOutcome(reason, { code: 'BOT_INTERNAL_FAILURE' });
  if (reason === 'cancelled' || reason === 'denied' || reason === 'rolled-back')
    return runOutcome(reason, { by: 'U-BOSS' });
  return runOutcome(reason);
}

describe('run view: the root message', () => {
  for (const [state, headline] of Object.entries(HEADLINE) as Array<[RunState, string]>) {
    it(`draws the ${state} state`, () => {
      const view = runView(aRun({ state, steps: [aStep('a', 'pass')] }));
      expect(view.root.text.startsWith(headline)).toBe(true);
      expect(view.root.blocks[0]).toEqual({ type: 'text', text: [{ b: headline }] });
    });
  }

  for (const reason of Object.keys(END_STATE) as EndReason[]) {
    it(`draws why it ended: ${reason}`, () => {
      const run = aRun({ state: END_STATE[reason], outcome: outcomeFor(reason), endedAt: T0 + 1000 });
      const line = outcomeLine(run);
      const drawn = DRAWN[reason];
      if (!drawn) {
        expect(line).toBeUndefined();
        return;
      }
      const text = renderPlain({ text: '', blocks: [{ type: 'text', text: line! }] });
      expect(text).toMatch(drawn);
      const root = runView(run).root;
      expect(root.blocks[1]).toEqual({ type: 'text', text: line });
      expect(root.text).toContain(' — ');
    });
  }

  it('a failed run with a run-level diagnosis names the code and its title', () => {
    const run = aRun({ state: 'failed', outcome: runOutcome('failed', { code: 'MASTER_KEY_MISSING' }) });
    expect(outcomeLine(run)).toEqual([
      { code: 'MASTER_KEY_MISSING' },
      ` ${diagnosis('MASTER_KEY_MISSING').title}.`,
    ]);
  });

  it('a running run draws no reason even if an outcome is present', () => {
    const run = aRun({ state: 'running', outcome: runOutcome('cancelled', { by: 'U-BOSS' }) });
    expect(outcomeLine(run)).toBeUndefined();
  });

  it('the checklist mirrors the steps, with codes and details (a pending step shows no detail)', () => {
    const run = aRun({
      state: 'running',
      steps: [
        aStep('a', 'pass', { detail: 'Fine.' }),
        aStep('b', 'warn', { code: 'CLOCK_SKEW', detail: 'Off by 90 s.' }),
        aStep('c', 'pending', { detail: 'Not yet.' }),
      ],
    });
    const checklist = runView(run).root.blocks.find((b) => b.type === 'checklist');
    expect(checklist).toEqual({
      type: 'checklist',
      items: [
        { status: 'pass', title: 'Step a', note: ['Fine.'] },
        { status: 'warn', title: 'Step b', note: [{ code: 'CLOCK_SKEW' }, ' Off by 90 s.'] },
        { status: 'pending', title: 'Step c' },
      ],
    });
    expect(runView(run).root.text).toBe('🔄 test acme: running (1 passed, 1 warning)');
  });

  it('points to the thread only once it has ended with a failure', () => {
    const steps = [aStep('a', 'fail', { code: 'JIRA_AUTH_REJECTED' })];
    const pointer = 'Causes and fixes are in the thread.';
    expect(renderPlain(runView(aRun({ state: 'running', steps })).root)).not.toContain(pointer);
    expect(renderPlain(runView(aRun({ state: 'failed', steps })).root)).toContain(pointer);
    expect(
      renderPlain(runView(aRun({ state: 'succeeded', steps: [aStep('a', 'pass')] })).root),
    ).not.toContain(pointer);
  });

  it('names the run and who asked', () => {
    const run = aRun({ state: 'queued' });
    expect(renderPlain(runView(run).root)).toContain(`${run.id} · requested by @U-REQ`);
  });

  it('summarizes counts with singular and plural', () => {
    expect(summarize([aStep('a', 'pass'), aStep('b', 'pass'), aStep('c', 'warn'), aStep('d', 'skip')])).toBe(
      '2 passed, 1 warning, 1 skipped',
    );
    expect(summarize([aStep('a', 'pending')])).toBe('');
  });
});

describe('run view: thread replies', () => {
  it('one reply per failed step with a code, keyed by the step, with the cause and the fix', () => {
    const run = aRun({
      state: 'failed',
      steps: [
        aStep('auth', 'fail', { code: 'JIRA_AUTH_REJECTED', detail: 'Jira answered 401.' }),
        aStep('reach', 'fail'),
        aStep('admin', 'skip'),
      ],
    });
    const { replies } = runView(run);
    expect(replies.map((r) => r.key)).toEqual(['fail:auth']);
    const text = renderPlain(replies[0]!.message);
    expect(text).toContain('Step auth: JIRA_AUTH_REJECTED');
    expect(text).toContain('Jira answered 401.');
    expect(text).toContain('Why:');
    expect(text).toContain('Fix (on Jira):');
  });

  it('guided runs: failure notes and asks in attempt order, each under its own key', () => {
    const prompt = { blocks: [], choices: [{ kind: 'retry' as const, label: 'Check again' }] };
    const run = aRun({
      kind: 'connect',
      state: 'waiting',
      steps: [
        aStep('verify', 'waiting', {
          attempt: 1,
          deadline: T0 + 3600_000,
          prompts: [
            { attempt: 0, prompt, resolution: { kind: 'retry', by: 'U-REQ', at: T0 } },
            { attempt: 1, prompt },
          ],
        }),
      ],
      failures: [
        {
          key: 'fail:verify:0',
          stepId: 'verify',
          attempt: 0,
          title: 'Step verify',
          code: 'JIRA_AUTH_REJECTED',
        },
      ],
    });
    expect(runView(run).replies.map((r) => r.key)).toEqual([
      'fail:verify:0',
      'step:verify:0',
      'step:verify:1',
    ]);
  });

  it('a run-level diagnosis gets an "outcome" reply once the run has ended', () => {
    const outcome = runOutcome('failed', { code: 'MASTER_KEY_MISSING', detail: 'Key id "old" is gone.' });
    const ended = runView(aRun({ state: 'failed', outcome }));
    expect(ended.replies.map((r) => r.key)).toEqual(['outcome']);
    expect(renderPlain(ended.replies[0]!.message)).toContain('Key id "old" is gone.');
    expect(runView(aRun({ state: 'running', outcome })).replies).toEqual([]);
  });

  it('extra replies of a runbook come last', () => {
    const extra = { key: 'x', message: { text: 'x', blocks: [] } };
    const run = aRun({ state: 'failed', steps: [aStep('a', 'fail', { code: 'JIRA_AUTH_REJECTED' })] });
    expect(runView(run, [extra]).replies.map((r) => r.key)).toEqual(['fail:a', 'x']);
  });
});
