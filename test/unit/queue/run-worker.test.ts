/**
 * The run processor (src/queue/run-worker.ts) with in-memory stores: whatever happens, the run ends through the
 * lifecycle — a cancel before any work, a diagnosis at once, any other failure on the job's last attempt as an
 * internal failure with the run id to quote; a run that ended already is left alone.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorSpec } from '../../../src/core/connector-spec.js';
import { RUN_RETRIES } from '../../../src/queue/queues.js';
import { createWorld, OPERATOR, runIdOf } from '../helpers/world.js';

const ACME: ConnectorSpec = {
  name: 'acme',
  jira: { url: 'https://acme.atlassian.net', kind: 'cloud' },
  auth: 'basic',
  email: 'sync@acme.example',
  secrets: { jira: { stored: 's-1' } },
};

async function queuedTest() {
  const w = createWorld({ connectors: [ACME], liveOutbox: false });
  const runId = runIdOf(await w.command('test acme', OPERATOR));
  return { w, runId };
}

describe('run processor', () => {
  it('a credential that cannot be decrypted ends the run failed with its diagnosis, without retries', async () => {
    const { w, runId } = await queuedTest();
    w.runDeps.storedSecret = async () => {
      throw Object.assign(new Error('cannot decrypt'), {
        diagnosis: 'MASTER_KEY_MISSING',
        detail: 'Stored secret s-1 names key id "old".',
      });
    };
    expect(await w.work()).toBe(1);
    const run = (await w.runs.get(runId))!;
    expect(run.outcome).toEqual({
      state: 'failed',
      reason: 'failed',
      code: 'MASTER_KEY_MISSING',
      detail: 'Stored secret s-1 names key id "old".',
    });
    expect(w.queues.job(runId).state).toBe('completed');
    expect(w.audit.of(runId)).toEqual(['test:failed']);
  });

  it('any other failure is retried; the last attempt ends the run as an internal failure', async () => {
    const { w, runId } = await queuedTest();
    let calls = 0;
    w.connectors.get = async () => {
      calls += 1;
      throw new Error('store unavailable');
    };
    expect(await w.work()).toBe(RUN_RETRIES.attempts);
    expect(calls).toBe(RUN_RETRIES.attempts);
    const run = (await w.runs.get(runId))!;
    expect(run.outcome).toMatchObject({ reason: 'internal-failure', code: 'BOT_INTERNAL_FAILURE' });
    expect(run.outcome?.detail).toContain(`Run id to quote: ${runId}.`);
    expect(w.queues.job(runId).state).toBe('failed');
    expect(w.audit.of(runId)).toEqual(['test:failed']);
  });

  it('a cancel recorded before the worker took the job ends the run before any work', async () => {
    const { w, runId } = await queuedTest();
    await w.command(`cancel ${runId}`, OPERATOR);
    await w.work();
    const run = (await w.runs.get(runId))!;
    expect(run.outcome).toEqual({ state: 'cancelled', reason: 'cancelled', by: OPERATOR });
    expect(run.steps).toEqual([]);
    expect(w.http.requests).toEqual([]);
  });

  it('a run that ended already is left as it is; a missing record fails the job for a retry', async () => {
    const { w, runId } = await queuedTest();
    const run = (await w.runs.get(runId))!;
    await w.life.end(run, { state: 'cancelled', reason: 'cancelled', by: 'U-X' });
    const saves = w.runs.saves.length;
    await w.work();
    expect(w.runs.saves.length).toBe(saves);

    await w.queues.enqueueRun('r-missing');
    await expect(w.processor(w.queues.job('r-missing').asJob())).rejects.toThrow(
      'run record r-missing not found',
    );
  });

  it('a connector deleted before the run started ends it connector-gone', async () => {
    const { w, runId } = await queuedTest();
    w.connectors.specs.delete('acme');
    await w.work();
    expect((await w.runs.get(runId))!.outcome?.reason).toBe('connector-gone');
  });

  it('a stopping worker hands the run back after its current step; the next one continues without repeating it', async () => {
    const plain = await queuedTest();
    await plain.w.work();
    const requestsOfOneRun = plain.w.http.requests.length;
    const plainRun = (await plain.w.runs.get(plain.runId))!;

    const { w, runId } = await queuedTest();
    // checkCancel is asked before the first step and after each: the worker starts stopping after the first step.
    let asked = 0;
    w.runDeps.stopping = () => ++asked === 2;
    expect(await w.work()).toBe(2);
    const job = w.queues.job(runId);
    expect(job.handedBack).toBe(1);
    expect(job.attemptsMade).toBe(0);
    expect(job.state).toBe('completed');
    const run = (await w.runs.get(runId))!;
    expect(run.outcome).toEqual(plainRun.outcome);
    expect(run.steps.map((s) => s.status)).toEqual(plainRun.steps.map((s) => s.status));
    expect(requestsOfOneRun).toBeGreaterThan(1);
    expect(w.http.requests).toHaveLength(requestsOfOneRun);
  });
});
