/**
 * vitest `setupFiles` part of the leak check (see leaks.ts): in every test file's process, records what goes to
 * stdout, stderr and the console, and after the file's last hook writes an artifact with the secrets registered and
 * everything recorded, including the errors its tests and hooks failed with (assertion errors excepted: they are
 * the test's own words, and the failure already fails the run).
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { format } from 'node:util';
import { afterAll, inject } from 'vitest';
import { recordError, recordOutput, takeArtifact, writeArtifact } from './leaks.js';

declare module 'vitest' {
  export interface ProvidedContext {
    leakDir: string;
  }
}

// Each writer is wrapped once: without isolation (`npm run test:unit`) this file runs again before each test file,
// on the same streams (and the same console, unless vitest made a new one).
const RECORDING = Symbol.for('align-bot.test.leaks.recording');
type Tagged = { [RECORDING]?: true };

for (const stream of ['stdout', 'stderr'] as const) {
  const target = process[stream];
  if ((target.write as Tagged)[RECORDING]) continue;
  const write = target.write.bind(target) as (...args: unknown[]) => boolean;
  const recording = ((chunk: unknown, ...rest: unknown[]) => {
    recordOutput(stream, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return write(chunk, ...rest);
  }) as typeof target.write & Tagged;
  recording[RECORDING] = true;
  target.write = recording;
}

for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  if ((console[method] as Tagged)[RECORDING]) continue;
  const original = console[method].bind(console);
  const recording = ((...args: unknown[]) => {
    recordOutput('console', format(...args));
    original(...args);
  }) as typeof console.log & Tagged;
  recording[RECORDING] = true;
  console[method] = recording;
}

interface TaskLike {
  name: string;
  result?: { errors?: Array<{ name?: string; message?: string; stack?: string }> };
  tasks?: TaskLike[];
}

function recordFailures(task: TaskLike): void {
  for (const error of task.result?.errors ?? []) {
    if (error.name !== 'AssertionError') recordError(`failure of "${task.name}"`, error);
  }
  for (const child of task.tasks ?? []) recordFailures(child);
}

// Registered first, so with the default 'stack' hook order it runs after the test file's own afterAll hooks.
// biome-ignore lint/correctness/noEmptyPattern: vitest wants the (unused) fixture context destructured.
afterAll(({}, suite) => {
  recordFailures(suite as unknown as TaskLike);
  const file = (suite as { filepath?: string }).filepath ?? suite.name;
  const name = `${basename(file)}-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeArtifact(inject('leakDir'), takeArtifact(basename(file)), name);
});
