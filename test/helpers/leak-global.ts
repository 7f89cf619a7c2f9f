/**
 * vitest `globalSetup` part of the leak check (see leaks.ts): one directory per run for the test files' artifacts,
 * and at teardown, after every file has finished, the search of everything produced for every secret registered.
 * vitest only logs an error thrown here ("error during close") and still exits 0, so a leak also sets
 * process.exitCode: the run fails. The directory is removed when nothing leaked and kept for inspection otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { describeLeak, findLeaks, readArtifacts } from './leaks.js';

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'align-bot-leaks-'));
  project.provide('leakDir', dir);
  return () => {
    const artifacts = readArtifacts(dir);
    const started = Date.now();
    const leaks = findLeaks(artifacts);
    const secrets = new Set(artifacts.flatMap((a) => a.secrets.map((s) => s.value))).size;
    const chars = artifacts.reduce(
      (n, a) => n + Object.values(a.outputs).reduce((m, t) => m + t.length, 0),
      0,
    );
    const summary = `${secrets} secrets searched in ${chars} characters of output from ${artifacts.length} test files (${Date.now() - started} ms)`;
    if (leaks.length === 0) {
      rmSync(dir, { recursive: true, force: true });
      if (process.env.ALIGN_BOT_LEAK_SUMMARY) console.log(`Secret-leak check: none found; ${summary}.`);
      return;
    }
    process.exitCode = 1;
    const lines = leaks.slice(0, 20).map((l) => `  - ${describeLeak(l)}`);
    const more = leaks.length > 20 ? `\n  … and ${leaks.length - 20} more` : '';
    throw new Error(
      `Secret-leak check: ${leaks.length} leak(s); ${summary}. Artifacts kept in ${dir}.\n${lines.join('\n')}${more}`,
    );
  };
}
