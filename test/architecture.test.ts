/**
 * Dependencies point inward (DESIGN.md §2): core/ imports nothing from the adapters and does no I/O; each chat
 * platform stays in its own folder (its SDK, its name); no import cycles; files stay small; the architecture
 * document names only paths that exist.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [
    ...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
}

/** Relative imports of a file, resolved to the .ts files they name. */
function localImports(path: string): string[] {
  return imports(path)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => normalize(join(dirname(path), spec)).replace(/\.js$/, '.ts'));
}

const ADAPTERS = ['app', 'atlassian', 'chat', 'queue', 'store', 'web', 'sandbox', 'cli'];
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|http|https|dns|dns\/promises|child_process|tls|dgram)$|^(ioredis|bullmq|undici|@slack\/|botbuilder|express|pino|node-forge|oauth-1\.0a)/;

/** Each platform's SDKs and the words that name it. */
const PLATFORM_SDKS: Record<string, RegExp> = { slack: /^@slack\//, teams: /^botbuilder/ };
/**
 * Where a platform may be named: its own folder and the list of platforms. The simulators and the sandbox
 * console are about the platforms themselves (they play Slack and Teams), not the bot's logic.
 */
const MAY_NAME_PLATFORMS = [/^src\/chat\/platforms\.ts$/, /^src\/sandbox\//, /^src\/web\/console\//];
const PLATFORM_LITERAL = /(['"`])(slack|teams)\1/;

describe('architecture', () => {
  const all = files('src');
  const core = files('src/core');

  it('core/ imports no adapter folder', () => {
    const offenders = core.flatMap((file) =>
      localImports(file)
        .map((target) => relative('src', target))
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

  it('each platform SDK is imported only inside src/chat/<platform>/', () => {
    const offenders = all.flatMap((file) =>
      Object.entries(PLATFORM_SDKS)
        .filter(([platform]) => !file.startsWith(`src/chat/${platform}/`))
        .flatMap(([platform, sdk]) =>
          imports(file)
            .filter((spec) => sdk.test(spec))
            .map((spec) => `${file} → ${spec} (${platform})`),
        ),
    );
    expect(offenders).toEqual([]);
  });

  it('no platform is named outside its folder and the list of platforms', () => {
    const offenders = all
      .filter((file) => !/^src\/chat\/[^/]+\//.test(file) && !MAY_NAME_PLATFORMS.some((p) => p.test(file)))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => [line, i + 1] as const)
          .filter(([line]) => PLATFORM_LITERAL.test(line))
          .map(([line, n]) => `${file}:${n}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the platform-neutral folders import no platform folder', () => {
    const neutral = all.filter(
      (f) => /^src\/(core|app|queue|store|web)\//.test(f) || f === 'src/services.ts',
    );
    const offenders = neutral.flatMap((file) =>
      localImports(file)
        .filter((target) => /^src\/chat\/(?!port\.ts|platform\.ts|platforms\.ts)/.test(target))
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('src/ has no import cycle', () => {
    const graph = new Map(all.map((file) => [file, localImports(file).filter((t) => all.includes(t))]));
    expect(cycles(graph)).toEqual([]);
  });

  it('no source file passes 500 lines', () => {
    const long = all
      .map((file) => [file, readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 500);
    expect(long).toEqual([]);
  });

  it('docs/architecture.md names only paths that exist', () => {
    const doc = readFileSync('docs/architecture.md', 'utf8');
    const named = [...doc.matchAll(/\b((?:src|test|bench|manifests|docs|scripts)\/[A-Za-z0-9_./<>-]+)/g)]
      .map((m) => m[1]!.replace(/[.,)]+$/, ''))
      .filter((p) => !p.includes('<'));
    expect(named.length).toBeGreaterThan(20);
    const missing = named.filter((p) => {
      try {
        statSync(p);
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });
});

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string) => {
    order.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!order.has(v)) visit(v);
  return found;
}
