/**
 * The static import graph of a TypeScript file: every local file it reaches through relative imports (type-only
 * ones too, to be strict) and every package it names. Used to prove what a unit test does not load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = normalize(fileURLToPath(new URL('../../..', import.meta.url)));

const IMPORT = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

export function specifiers(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC)].map((m) => (m[1] ?? m[2])!);
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = normalize(join(dirname(from), spec));
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  }
  return undefined;
}

export interface ModuleGraph {
  /** Local files reached, relative to the repository root. */
  files: Set<string>;
  /** Package names imported anywhere in the graph (node: builtins included). */
  packages: Set<string>;
  /** Who first imported each file: for a readable failure. */
  importedBy: Map<string, string>;
}

/** Walks from `entry` (absolute, or relative to the repository root). */
export function moduleGraph(entry: string): ModuleGraph {
  const start = normalize(entry.startsWith('/') ? entry : join(REPO_ROOT, entry));
  const graph: ModuleGraph = { files: new Set(), packages: new Set(), importedBy: new Map() };
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length > 0) {
    const file = queue.shift()!;
    graph.files.add(relative(REPO_ROOT, file));
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) {
        graph.packages.add(spec);
        continue;
      }
      const target = resolveLocal(file, spec);
      if (!target || seen.has(target)) continue;
      seen.add(target);
      graph.importedBy.set(relative(REPO_ROOT, target), relative(REPO_ROOT, file));
      queue.push(target);
    }
  }
  return graph;
}

/** "a ← b ← c": how the graph reached `file`. */
export function pathTo(graph: ModuleGraph, file: string): string {
  const chain = [file];
  for (let at = graph.importedBy.get(file); at; at = graph.importedBy.get(at)) chain.push(at);
  return chain.join(' ← ');
}
