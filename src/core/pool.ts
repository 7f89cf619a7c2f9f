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

/**
 * Runs `task` for every item. Keeps no results: a task hands its own on (to a store, a callback), so what the pool
 * holds follows `concurrency`, not the number of items. A task that throws rejects the pool.
 */
export function runPool<T>(items: readonly T[], options: PoolOptions<T>, task: (item: T) => Promise<void>) {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const perKey = Math.max(1, Math.floor(options.perKey ?? Number.POSITIVE_INFINITY));
  const keyOf = options.keyOf ?? (() => '');
  const waiting = items.map((item) => ({ item, key: keyOf(item) }));
  const busy = new Map<string, number>();
  let active = 0;
  let failed = false;

  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (failed) return;
      if (waiting.length === 0 && active === 0) {
        resolve();
        return;
      }
      while (active < concurrency) {
        const at = waiting.findIndex((w) => (busy.get(w.key) ?? 0) < perKey);
        if (at < 0) return;
        const [next] = waiting.splice(at, 1);
        start(next!);
      }
    };
    const start = (w: { item: T; key: string }) => {
      active += 1;
      busy.set(w.key, (busy.get(w.key) ?? 0) + 1);
      task(w.item).then(
        () => {
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
