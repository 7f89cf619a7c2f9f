/**
 * Bounded concurrency with a cap per key (a Jira host): at most `concurrency` tasks run at once, and at most
 * `perKey` of them share a key. A free slot takes the first waiting item whose key has room, so one busy host
 * never holds up the others (no head-of-line blocking). Pure: no I/O of its own.
 */

export interface PoolOptions<T> {
  concurrency: number;
  /** Cap per key; unlimited when absent. */
  perKey?: number;
  keyOf?: (item: T) => string;
}

/** Runs `task` for every item; resolves with the results in input order. A task that throws rejects the pool. */
export function runPool<T, R>(items: readonly T[], options: PoolOptions<T>, task: (item: T) => Promise<R>) {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const perKey = Math.max(1, Math.floor(options.perKey ?? Number.POSITIVE_INFINITY));
  const keyOf = options.keyOf ?? (() => '');
  const results = new Array<R>(items.length);
  const waiting = items.map((item, index) => ({ item, index, key: keyOf(item) }));
  const busy = new Map<string, number>();
  let active = 0;
  let failed = false;

  return new Promise<R[]>((resolve, reject) => {
    const pump = () => {
      if (failed) return;
      if (waiting.length === 0 && active === 0) {
        resolve(results);
        return;
      }
      while (active < concurrency) {
        const at = waiting.findIndex((w) => (busy.get(w.key) ?? 0) < perKey);
        if (at < 0) return;
        const [next] = waiting.splice(at, 1);
        start(next!);
      }
    };
    const start = (w: { item: T; index: number; key: string }) => {
      active += 1;
      busy.set(w.key, (busy.get(w.key) ?? 0) + 1);
      task(w.item).then(
        (result) => {
          results[w.index] = result;
          active -= 1;
          busy.set(w.key, (busy.get(w.key) ?? 1) - 1);
          pump();
        },
        (error: unknown) => {
          failed = true;
          reject(error);
        },
      );
    };
    pump();
  });
}
