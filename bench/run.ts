/**
 * `npm run bench`: runs every benchmark in bench/ (each `bench/*.ts` but this file), one after another, each in its
 * own process so one's leftovers cannot skew the next, then prints one table of every figure (figure, measured,
 * target, ratio, met) and writes it as JSON to test-results/bench.json. Benchmarks print figures; they are never
 * timed tests. `npm run bench -- ack fleet` runs only the benchmarks whose file names start so.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIGURES_FILE_VAR, type ScoredFigure } from './lib/figures.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const outDir = join(root, 'test-results');
mkdirSync(outDir, { recursive: true });
const linesFile = join(outDir, 'bench-figures.jsonl');
rmSync(linesFile, { force: true });

const failedBenches: string[] = [];
for (const file of benches) {
  console.log(`\n=== bench/${file} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${file}`], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, [FIGURES_FILE_VAR]: linesFile },
  });
  if (result.status !== 0) {
    failedBenches.push(file);
    console.error(`bench/${file} exited with ${result.status ?? result.signal}`);
  }
}

let figures: ScoredFigure[] = [];
try {
  figures = readFileSync(linesFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ScoredFigure);
} catch {
  // no benchmark recorded a figure
}

printTable(figures);
const json = { at: new Date().toISOString(), node: process.version, figures, failedBenches };
writeFileSync(join(outDir, 'bench.json'), `${JSON.stringify(json, null, 2)}\n`);
console.log(`\nwritten: test-results/bench.json (${figures.length} figures)`);
process.exit(failedBenches.length > 0 ? 1 : 0);

function printTable(rows: ScoredFigure[]): void {
  const header = ['figure', 'measured', 'target', 'ratio', 'met'];
  const cells = rows.map((f) => [
    f.figure,
    `${f.measured} ${f.unit}`,
    `${f.direction === 'atLeast' ? '≥' : '≤'} ${f.target} ${f.unit}`,
    Number.isFinite(f.ratio) ? f.ratio.toFixed(2) : '∞',
    f.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  console.log(`\n=== all figures (${rows.length}; ratio ≤ 1 means met) ===`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  if (failedBenches.length > 0) console.log(`benchmarks that failed: ${failedBenches.join(', ')}`);
}
