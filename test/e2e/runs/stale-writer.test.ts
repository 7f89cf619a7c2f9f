/**
 * A worker whose run was handed back while its step still ran (a SIGTERM stop that ran out of time hands jobs back
 * with their lock tokens; a stalled event loop loses its lock the same way) must not overwrite what the next worker
 * writes. Real Redis, real BullMQ workers, the real run processor: worker A takes the run and is held inside its
 * step; the job is moved back to wait with A's token, as ActiveJobs.handBack does; worker B runs it to the end
 * (passed); then A's step finishes — against a Jira that rejects its token — and A tries to save a failed run.
 * The stored record must stay B's, and A must give the run up (RunLockLost). Nor may a guided step of a worker
 * that lost its run change a credential: saving the connector, keeping or dropping a stored secret are refused.
 */
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectorSpec } from '../../../src/core/connector-spec.js';
import { guidedContext } from '../../../src/queue/guided-context.js';
import { RUNS_QUEUE, type RunJob } from '../../../src/queue/names.js';
import type { RunDeps } from '../../../src/queue/run-deps.js';
import { newRun, RUN_KINDS } from '../../../src/queue/run-kinds.js';
import { RunLifecycle } from '../../../src/queue/run-lifecycle.js';
import { runProcessor } from '../../../src/queue/run-worker.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { newRunId, RunStore } from '../../../src/store/runs.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { jiraCloudSite } from '../../unit/helpers/fake-http.js';
import { createWorld, OPERATOR } from '../../unit/helpers/world.js';

const prefix = testPrefix('stale-writer');
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const keys = new RedisKeys(prefix);
const runs = new RunStore(redis, keys);
const queue = new Queue<RunJob>(RUNS_QUEUE, { connection: redis, prefix });
const workers: Worker[] = [];

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close(true)));
  await queue.close();
  redis.disconnect();
  await deleteKeys(prefix);
});

const ACME: ConnectorSpec = {
  name: 'acme',
  jira: { url: 'https://acme.atlassian.net', kind: 'cloud' },
  auth: 'basic',
  email: 'sync@acme.example',
  secrets: { jira: { env: 'ACME_TOKEN' } },
};

/** The run processor of one worker, whose Jira accepts `jiraToken` (the connector's is always "good"). */
function workerDeps(jiraToken: string): RunDeps {
  const w = createWorld({ connectors: [ACME], env: { ACME_TOKEN: 'good' }, liveOutbox: false });
  jiraCloudSite(w.http, {
    host: 'acme.atlassian.net',
    cloudId: 'cloud-acme',
    email: ACME.email!,
    token: jiraToken,
    clock: w.clock,
  });
  return { ...w.runDeps, runs };
}

function startWorker(processor: (job: Job<RunJob>, token?: string) => Promise<void>): Worker {
  const worker = new Worker<RunJob>(RUNS_QUEUE, processor, {
    connection: redis.duplicate(),
    prefix,
    concurrency: 1,
  });
  worker.on('error', () => undefined);
  workers.push(worker);
  return worker;
}

/** A queued run of acme, written to Redis as the ack path writes it. */
async function storedRun(kind: 'test' | 'rotate') {
  const run = newRun({
    id: newRunId(),
    kind,
    connector: 'acme',
    requestedBy: { platform: 'slack', id: OPERATOR },
    conversation: { platform: 'slack', channel: 'C-STALE' },
    params: { name: 'acme' },
    now: Date.now(),
  });
  await runs.create(run);
  return run;
}

describe('a worker that lost its run', () => {
  it('cannot overwrite the record of the worker that holds the run now', async () => {
    const run = await storedRun('test');

    // Worker A: held inside its step until `release`.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: (held: { job: Job<RunJob>; token: string }) => void = () => undefined;
    const inside = new Promise<{ job: Job<RunJob>; token: string }>((resolve) => (entered = resolve));
    const depsA = workerDeps('rotated-elsewhere');
    const lookUp = depsA.connectors.get.bind(depsA.connectors);
    depsA.connectors.get = async (name: string) => {
      await gate;
      return lookUp(name);
    };
    const processA = runProcessor(depsA);
    let outcomeA: Promise<unknown> = Promise.resolve();
    startWorker((job, token) => {
      const running = processA(job, token);
      outcomeA = running.then(
        () => 'returned',
        (error: Error) => error,
      );
      entered({ job, token: token! });
      return running;
    });
    await queue.add('run', { runId: run.id }, { jobId: run.id });
    const held = await inside;
    // Its lock is BullMQ's, under the key the processor fences with.
    expect(await redis.get(`${held.job.queueQualifiedName}:${held.job.id}:lock`)).toBe(held.token);

    // The stop ran out of time: the job goes back to wait with A's token, and worker B runs the run to its end.
    await held.job.moveToWait(held.token);
    startWorker(runProcessor(workerDeps('good')));
    await expect.poll(async () => (await runs.get(run.id))?.state, { timeout: 15_000 }).toBe('succeeded');
    const byB = await runs.get(run.id);

    // A's step ends now; it must not write its failed verdict over B's.
    release();
    const error = await outcomeA;
    expect(error).toMatchObject({ name: 'RunLockLost', code: 'RUN_LOCK_LOST', runId: run.id });
    const stored = await runs.get(run.id);
    expect(stored?.outcome).toEqual(byB?.outcome);
    expect(stored?.outcome?.reason).toBe('passed');
    expect(stored?.updatedAt).toBe(byB?.updatedAt);
  }, 30_000);
});

describe('a guided step of a worker that lost its run', () => {
  it('cannot save the connector, keep or drop a secret, nor pass the next step boundary', async () => {
    const run = await storedRun('rotate');
    const lock = { key: keys.lock(`job-${run.id}`), token: 'token-a' };
    await redis.set(lock.key, lock.token, 'PX', 30_000);
    const mine = (await runs.get(run.id, lock))!;
    const writes: string[] = [];
    const deps = workerDeps('good');
    deps.connectors.saveCredential = async (spec) => {
      writes.push(`save ${spec.name}`);
    };
    deps.vault = {
      get: async () => undefined,
      persist: async (ref) => {
        writes.push(`keep ${ref}`);
      },
      delete: async (ref) => {
        writes.push(`drop ${ref}`);
      },
    };
    const ports = guidedContext(mine, ACME, deps);
    await ports.keepSecret('s-held');
    expect(writes).toEqual(['keep s-held']);

    // Another worker holds the run now.
    await redis.set(lock.key, 'token-b', 'PX', 30_000);
    await expect(ports.saveConnector(ACME)).rejects.toMatchObject({ name: 'RunLockLost' });
    await expect(ports.keepSecret('s-new')).rejects.toMatchObject({ name: 'RunLockLost' });
    await expect(ports.dropSecret('s-old')).rejects.toMatchObject({ name: 'RunLockLost' });
    await expect(new RunLifecycle(deps, RUN_KINDS).checkCancel(mine)).rejects.toMatchObject({
      name: 'RunLockLost',
    });
    expect(writes).toEqual(['keep s-held']);
  });
});
