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

for (const stream of ['stdout', 'stderr'] as const) {
  const target = process[stream];
  const write = target.write.bind(target) as (...args: unknown[]) => boolean;
  target.write = ((chunk: unknown, ...rest: unknown[]) => {
    recordOutput(stream, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return write(chunk, ...rest);
  }) as typeof target.write;
}

for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    recordOutput('console', format(...args));
    original(...args);
  };
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
