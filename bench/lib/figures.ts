/**
 * One figure of a benchmark: what was measured, the target it is held to and whether it met it. Each benchmark calls
 * `recordFigures`; `npm run bench` (bench/run.ts) gathers every figure into one table and one JSON file.
 */
import { appendFileSync } from 'node:fs';

export interface Figure {
  /** Short, stable name, e.g. "Slack ack p99 ratio bot / bare Bolt". */
  figure: string;
  measured: number;
  unit: string;
  /** The target the figure is held to; `atMost` (default) or `atLeast`. */
  target: number;
  direction?: 'atMost' | 'atLeast';
  /** Where the figure comes from, e.g. "bench/ack.ts". */
  bench: string;
}

export interface ScoredFigure extends Figure {
  /** measured / target for `atMost`, target / measured for `atLeast`: ≤ 1 means met. */
  ratio: number;
  met: boolean;
}

export function score(f: Figure): ScoredFigure {
  const atLeast = f.direction === 'atLeast';
  const met = atLeast ? f.measured >= f.target : f.measured <= f.target;
  const ratio = atLeast
    ? f.measured === 0
      ? Number.POSITIVE_INFINITY
      : f.target / f.measured
    : f.target === 0
      ? f.measured === 0
        ? 0
        : Number.POSITIVE_INFINITY
      : f.measured / f.target;
  return { ...f, ratio: Math.round(ratio * 1000) / 1000, met };
}

/** Environment variable bench/run.ts sets: a file each benchmark appends its figures to, one JSON line each. */
export const FIGURES_FILE_VAR = 'ALIGN_BOT_BENCH_FIGURES';

export function recordFigures(figures: Figure[]): void {
  const file = process.env[FIGURES_FILE_VAR];
  for (const f of figures) {
    const s = score(f);
    console.log(
      `  figure: ${s.figure} = ${s.measured} ${s.unit} (target ${s.direction === 'atLeast' ? '≥' : '≤'} ${s.target}) → ${s.met ? 'met' : 'NOT met'}`,
    );
    if (file) appendFileSync(file, `${JSON.stringify(s)}\n`);
  }
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
