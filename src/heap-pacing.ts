/**
 * How far V8 lets a server's heap grow between full collections. By default the old generation may grow to about
 * four times what survived the last full collection before the next one runs. A fleet report keeps its live set
 * flat (results go to Redis as they land: ~50 MB at 5,000 connectors), but each connector's in-flight test lives
 * long enough (seconds of Jira round trips) to be promoted, so its garbage piles up in the old generation: at
 * 5,000 connectors the heap reached ~220 MB before a full collection ran. Growing by at most half of what
 * survived keeps the peak near 1.5 × the live set, for a few more full collections (tens of ms each).
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

/** For the long-running modes (start, web, worker, sandbox); read at each collection, so it applies from here on. */
export function paceHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
