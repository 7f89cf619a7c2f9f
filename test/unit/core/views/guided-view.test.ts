/**
 * The asks of guided runs (src/core/views/guided-view.ts): an open ask carries the buttons it offers with a value
 * that names run, step and attempt, and its deadline; an answered ask shows the answer and who gave it instead of
 * buttons; an ask left open when the run ended says how it ended.
 */
import { describe, expect, it } from 'vitest';
import type { Prompt } from '../../../../src/core/prompt.js';
import type { Run, StepRecord } from '../../../../src/core/run.js';
import { buttonValue, parseButtonValue, promptMessage } from '../../../../src/core/views/guided-view.js';
import type { Button } from '../../../../src/core/views/view.js';
import { renderPlain } from '../../helpers/fake-chat.js';
import { aRun, aStep, T0 } from '../../helpers/runs.js';

const INSTRUCTION: Prompt = {
  blocks: [{ type: 'text', text: ['Create the API token, then press Done.'] }],
  choices: [
    { kind: 'done', label: 'Done', style: 'primary' },
    { kind: 'notyet', label: 'Not yet' },
  ],
};

function waitingOn(prompt: Prompt, extra: Partial<StepRecord> = {}): { run: Run; step: StepRecord } {
  const step = aStep('token', 'waiting', {
    attempt: 0,
    deadline: T0 + 3600_000,
    prompts: [{ attempt: 0, prompt }],
    ...extra,
  });
  return { run: aRun({ kind: 'connect', state: 'waiting', steps: [step] }), step };
}

function buttonsOf(message: ReturnType<typeof promptMessage>): Button[] {
  return message.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));
}

describe('guided prompts', () => {
  it('an open ask: its instructions, its buttons carrying run|step|attempt, and until when it waits', () => {
    const { run, step } = waitingOn(INSTRUCTION);
    const message = promptMessage(run, step, step.prompts![0]!);
    expect(message.text).toBe('Step token');
    expect(message.blocks[0]).toEqual({ type: 'text', text: [{ b: '👉 Step token' }] });
    expect(buttonsOf(message)).toEqual([
      { action: 'align.done', label: 'Done', value: `${run.id}|token|0`, style: 'primary' },
      { action: 'align.notyet', label: 'Not yet', value: `${run.id}|token|0` },
    ]);
    expect(renderPlain(message)).toContain('Create the API token, then press Done.');
    expect(renderPlain(message)).toContain('Waits until 2026-01-15 10:00 UTC.');
  });

  it('an input comes first as the secure-form button; an approval is marked as one', () => {
    const { run, step } = waitingOn({
      ...INSTRUCTION,
      input: { kind: 'secret', label: 'The API token' },
      approval: true,
    });
    const message = promptMessage(run, step, step.prompts![0]!);
    expect(buttonsOf(message)[0]).toMatchObject({ action: 'align.secret', label: 'Open the secure form' });
    expect(message.blocks[0]).toEqual({ type: 'text', text: [{ b: '🛂 Step token' }] });
  });

  it('an answered ask shows the answer and who gave it, and no buttons', () => {
    const { run, step } = waitingOn(INSTRUCTION);
    step.status = 'pass';
    step.prompts![0]!.resolution = { kind: 'done', by: 'U-REQ', at: T0 };
    const message = promptMessage(run, step, step.prompts![0]!);
    expect(buttonsOf(message)).toEqual([]);
    expect(message.text).toBe('Step token — ✅ Done');
    expect(renderPlain(message)).toContain('✅ Done by @U-REQ');
  });

  it('an older attempt of a step asked again is closed even without a resolution', () => {
    const { run, step } = waitingOn(INSTRUCTION, { attempt: 1 });
    step.prompts!.push({ attempt: 1, prompt: INSTRUCTION });
    expect(buttonsOf(promptMessage(run, step, step.prompts![0]!))).toEqual([]);
    expect(buttonsOf(promptMessage(run, step, step.prompts![1]!))).toHaveLength(2);
  });

  for (const [state, words] of [
    ['cancelled', '🚫 Cancelled'],
    ['expired', '⌛ Expired'],
    ['failed', '— The run ended'],
  ] as const) {
    it(`an ask left open when the run ended ${state} says so`, () => {
      const { run, step } = waitingOn(INSTRUCTION);
      run.state = state;
      const message = promptMessage(run, step, step.prompts![0]!);
      expect(buttonsOf(message)).toEqual([]);
      expect(message.text).toBe(`Step token — ${words}`);
    });
  }

  it('button values round-trip, and a forged one is refused', () => {
    expect(parseButtonValue(buttonValue('r-abc', 'token', 3))).toEqual({
      runId: 'r-abc',
      stepId: 'token',
      attempt: 3,
    });
    for (const bad of ['', 'r-abc', 'r-abc|token', 'r-abc|token|x', 'r-abc|token|-1', '|token|0'])
      expect(parseButtonValue(bad), bad).toBeUndefined();
  });
});
