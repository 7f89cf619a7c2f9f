/**
 * Dependencies point inward (DESIGN.md §2): core/ imports nothing from the adapters and does no I/O; Teams stays
 * behind chat/teams/; files stay small.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

const ADAPTERS = ['atlassian', 'chat', 'queue', 'store', 'web', 'sandbox', 'cli'];
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|http|https|dns|dns\/promises|child_process|tls|dgram)$|^(ioredis|bullmq|undici|@slack\/|botbuilder|express|pino|node-forge|oauth-1\.0a)/;

describe('architecture', () => {
  const core = files('src/core');

  it('core/ imports no adapter folder', () => {
    const offenders = core.flatMap((file) =>
      imports(file)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => relative('src', join(file, '..', spec)))
        .filter((target) => ADAPTERS.some((folder) => target.startsWith(`${folder}/`)))
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('core/ imports no I/O module or adapter library', () => {
    const offenders = core.flatMap((file) =>
      imports(file)
        .filter((spec) => IO_MODULES.test(spec))
        .map((spec) => `${file} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('botbuilder stays behind chat/teams/', () => {
    const offenders = files('src')
      .filter((file) => !file.startsWith('src/chat/teams/'))
      .filter((file) => imports(file).some((spec) => spec.startsWith('botbuilder')));
    expect(offenders).toEqual([]);
  });

  it('no source file passes 500 lines', () => {
    const long = files('src')
      .map((file) => [file, readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 500);
    expect(long).toEqual([]);
  });
});
