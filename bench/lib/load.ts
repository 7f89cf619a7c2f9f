/** An open-loop load generator (requests leave on schedule, whatever came back) and latency statistics. */

export interface Sample {
  /** From the moment the request left. */
  ms: number;
  /** From the moment it was scheduled to leave (includes the generator's own lateness). */
  fromScheduleMs: number;
  ok: boolean;
}

export async function openLoop(options: {
  rate: number;
  durationMs: number;
  fire: (i: number) => Promise<boolean>;
}): Promise<Sample[]> {
  const interval = 1000 / options.rate;
  const count = Math.round((options.durationMs / 1000) * options.rate);
  const t0 = performance.now() + 50;
  const pending: Promise<Sample>[] = [];
  for (let i = 0; i < count; i += 1) {
    const scheduled = t0 + i * interval;
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    pending.push(
      options.fire(i).then(
        (ok) => {
          const end = performance.now();
          return { ms: end - sent, fromScheduleMs: end - scheduled, ok };
        },
        () => ({ ms: performance.now() - sent, fromScheduleMs: performance.now() - scheduled, ok: false }),
      ),
    );
  }
  return Promise.all(pending);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summary(samples: Sample[]) {
  const ms = samples.map((s) => s.ms);
  const late = samples.map((s) => s.fromScheduleMs);
  return {
    n: samples.length,
    errors: samples.filter((s) => !s.ok).length,
    p50: percentile(ms, 50),
    p90: percentile(ms, 90),
    p99: percentile(ms, 99),
    max: Math.max(...ms),
    p99FromSchedule: percentile(late, 99),
  };
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
