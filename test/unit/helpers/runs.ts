/** Run records for unit tests: a plausible run of any kind, changed by the test where it matters. */
import type { Run, RunKind, StepRecord } from '../../../src/core/run.js';
import { FAKE_PLATFORM } from './fake-chat.js';

export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
let counter = 0;

export function aRun(overrides: Partial<Run> & { kind?: RunKind } = {}): Run {
  counter += 1;
  return {
    id: `r-unit${String(counter).padStart(6, '0')}`,
    kind: 'test',
    connector: 'acme',
    requestedBy: { platform: FAKE_PLATFORM, id: 'U-REQ' },
    conversation: { platform: FAKE_PLATFORM, channel: 'C-UNIT' },
    runbookVersion: 1,
    steps: [],
    state: 'running',
    createdAt: T0,
    updatedAt: T0,
    params: { name: overrides.connector ?? 'acme' },
    facts: {},
    ...overrides,
  };
}

export function aStep(id: string, status: StepRecord['status'], extra: Partial<StepRecord> = {}): StepRecord {
  return { id, title: `Step ${id}`, status, ...extra };
}
