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
 * holds follows `concurrency`, not the number of items. A task that throws rejects the pool once the tasks in
 * flight have finished (none starts after it): a caller that then hands its work on never overlaps with them.
 */
export function runPool<T>(items: readonly T[], options: PoolOptions<T>, task: (item: T) => Promise<void>) {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const perKey = Math.max(1, Math.floor(options.perKey ?? Number.POSITIVE_INFINITY));
  const keyOf = options.keyOf ?? (() => '');
  const waiting = items.map((item) => ({ item, key: keyOf(item) }));
  const busy = new Map<string, number>();
  let active = 0;
  let failed = false;
  let failure: unknown;

  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (failed) {
        if (active === 0) reject(failure);
        return;
      }
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
      const done = () => {
        active -= 1;
        busy.set(w.key, (busy.get(w.key) ?? 1) - 1);
        pump();
      };
      task(w.item).then(done, (error: unknown) => {
        if (!failed) failure = error;
        failed = true;
        done();
      });
    };
    pump();
  });
}
