/**
 * Run records. The worker that holds the run's job is the only writer after creation; the outbox keeps what it
 * delivered apart (store/delivery.ts), so the two never overwrite each other. "Holds" is checked, not assumed: a
 * record read with the job's lock (get(id, lock)) is saved only while that lock still carries the same token, so a
 * worker whose job was handed back or taken over (a stop that ran out of time, a stalled event loop) cannot
 * overwrite what the next worker writes.
 *
 * Every key here is bounded: a run record lives 30 days; a connector's index of recent runs keeps its newest
 * RECENT_PER_CONNECTOR and expires 30 days after its last run (an ad-hoc `test --jira <url>` makes one per URL);
 * the index of open runs loses each run when it ends, and the sweep (queue/run-sweeper.ts) ends the forgotten ones.
 */
import { randomBytes } from 'node:crypto';
import { isTerminal, type Run } from '../core/run.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

export const RUN_TTL_S = 30 * 24 * 3600;
export const RECENT_PER_CONNECTOR = 100;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

// KEYS[1] run, KEYS[2] runs of the connector, KEYS[3] open runs; ARGV: record, ttl, createdAt, id, keep
const CREATE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[5]) - 1)
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
`;

// KEYS[1] the job's lock, KEYS[2] run, KEYS[3] open runs; ARGV: token, record, ttl, ended ('1' or '0'), id
const SAVE_HELD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
if ARGV[4] == '1' then redis.call('ZREM', KEYS[3], ARGV[5]) end
return 1
`;

/** The lock a worker holds on a run's job while it runs it: a key and the token it must carry. */
export interface HeldLock {
  key: string;
  token: string;
}

/** The run's job is no longer this worker's (a save or a step refused): another worker continues the run. */
export class RunLockLost extends Error {
  readonly code = 'RUN_LOCK_LOST';
  constructor(readonly runId: string) {
    super(`run ${runId} is another worker's now: this worker leaves it`);
    this.name = 'RunLockLost';
  }
}

export function newRunId(): string {
  const bytes = randomBytes(10);
  return `r-${Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

export class RunStore {
  /** Records read under a job's lock, and that lock: their saves are checked against it. */
  private readonly held = new WeakMap<Run, HeldLock>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** Writes a new run; false if the id exists. */
  /** One script, not MULTI: this is on the ack path, and an ioredis pipeline is costly to build. */
  async create(run: Run): Promise<boolean> {
    const created = await this.redis.eval(
      CREATE,
      3,
      this.keys.run(run.id),
      this.keys.runsByConnector(run.connector),
      this.keys.openRuns(),
      JSON.stringify(run),
      RUN_TTL_S,
      run.createdAt,
      run.id,
      RECENT_PER_CONNECTOR,
    );
    return created === 1;
  }

  /** Removes a run that was never enqueued (its command was refused after the record was written). */
  async discard(run: Pick<Run, 'id' | 'connector'>): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.run(run.id))
      .zrem(this.keys.runsByConnector(run.connector), run.id)
      .zrem(this.keys.openRuns(), run.id)
      .exec();
  }

  /** The record; with `lock`, every save of the returned object first checks that the lock is still held. */
  async get(id: string, lock?: HeldLock): Promise<Run | undefined> {
    const raw = await this.redis.get(this.keys.run(id));
    if (!raw) return undefined;
    const run = JSON.parse(raw) as Run;
    if (lock) this.held.set(run, lock);
    return run;
  }

  /**
   * Saves the record; a run that has ended leaves the index of open runs in the same transaction. A record read
   * under a lock is saved only while the lock is held; otherwise nothing is written and RunLockLost is thrown.
   */
  async save(run: Run): Promise<void> {
    run.updatedAt = Date.now();
    const record = JSON.stringify(run);
    const lock = this.held.get(run);
    if (lock) return this.saveHeld(run, record, lock);
    if (!isTerminal(run.state)) {
      await this.redis.set(this.keys.run(run.id), record, 'EX', RUN_TTL_S);
      return;
    }
    await this.redis
      .multi()
      .set(this.keys.run(run.id), record, 'EX', RUN_TTL_S)
      .zrem(this.keys.openRuns(), run.id)
      .exec()
      .then(failOnError);
  }

  /**
   * Throws RunLockLost when `run` was read under a lock that no longer carries its token: called before a step's
   * side effects (a credential saved, a secret dropped) and between steps, so a worker that lost the run stops
   * there instead of at its next save.
   */
  async assertHeld(run: Run): Promise<void> {
    const lock = this.held.get(run);
    if (lock && (await this.redis.get(lock.key)) !== lock.token) throw new RunLockLost(run.id);
  }

  private async saveHeld(run: Run, record: string, lock: HeldLock): Promise<void> {
    const saved = await this.redis.eval(
      SAVE_HELD,
      3,
      lock.key,
      this.keys.run(run.id),
      this.keys.openRuns(),
      lock.token,
      record,
      RUN_TTL_S,
      isTerminal(run.state) ? '1' : '0',
      run.id,
    );
    if (saved !== 1) throw new RunLockLost(run.id);
  }

  /** One connect or rotate per connector at a time: returns the run already holding it, or undefined. */
  async claimActive(kind: string, connector: string, runId: string): Promise<string | undefined> {
    const key = this.keys.activeRun(kind, connector);
    const ok = await this.redis.set(key, runId, 'EX', RUN_TTL_S, 'NX');
    if (ok === 'OK') return undefined;
    const holder = await this.redis.get(key);
    const run = holder ? await this.get(holder) : undefined;
    if (run && !isTerminal(run.state)) return holder!;
    await this.redis.set(key, runId, 'EX', RUN_TTL_S);
    return undefined;
  }

  async releaseActive(kind: string, connector: string, runId: string): Promise<void> {
    const key = this.keys.activeRun(kind, connector);
    if ((await this.redis.get(key)) === runId) await this.redis.del(key);
  }

  async activeHolder(kind: string, connector: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.activeRun(kind, connector))) ?? undefined;
  }

  async recentIds(connector: string, limit = 20): Promise<string[]> {
    return this.redis.zrevrange(this.keys.runsByConnector(connector), 0, limit - 1);
  }

  /**
   * A page of open run ids (ZSCAN: bounded work per call, and a full pass visits every run that stayed open).
   * Returns the cursor of the next page; '0' when the pass is complete.
   */
  async scanOpen(cursor: string, count: number): Promise<{ cursor: string; ids: string[] }> {
    const [next, flat] = await this.redis.zscan(this.keys.openRuns(), cursor, 'COUNT', count);
    return { cursor: next, ids: flat.filter((_, i) => i % 2 === 0) };
  }

  /** Drops a run from the open index (its record ended or expired). */
  async forgetOpen(id: string): Promise<void> {
    await this.redis.zrem(this.keys.openRuns(), id);
  }

  /** A lock for work one process should do at a time (the sweep); it expires by itself. */
  async tryLock(name: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.lock(name), String(process.pid), 'PX', ttlMs, 'NX')) === 'OK';
  }
}

function failOnError(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([error]) => error);
  if (failed) throw failed[0];
}
