/**
 * Report history (src/store/history.ts): one sample per run and connector. A report run re-delivered after a crash
 * re-tests the connectors whose results it had not saved yet — including one whose sample reached the history just
 * before the crash — and must replace that sample, not add a second one (uptime would count the connector twice).
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectorResult } from '../../../src/core/report.js';
import { HistoryStore } from '../../../src/store/history.js';
import { RedisKeys } from '../../../src/store/redis-keys.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';

const prefix = testPrefix('history');
const redis = new Redis(REDIS_URL);
const history = new HistoryStore(redis, new RedisKeys(prefix));

afterAll(async () => {
  redis.disconnect();
  await deleteKeys(prefix);
});

const result = (at: number, status: 'pass' | 'fail', latencyMs: number): ConnectorResult =>
  ({
    name: 'acme',
    at,
    status,
    latencyMs,
    ...(status === 'fail' ? { code: 'JIRA_AUTH_REJECTED' } : {}),
  }) as ConnectorResult;

describe('history samples', () => {
  it('a run that records a connector again replaces its own sample; other runs add theirs', async () => {
    const t0 = Date.now() - 60_000;
    await history.append('r-first', result(t0, 'pass', 120));
    // The same run, re-delivered: the connector tested again a little later, slower, failing this time.
    await history.append('r-first', result(t0 + 5_000, 'fail', 900));
    await history.append('r-second', result(t0 + 30_000, 'pass', 100));
    const samples = (await history.since(['acme'], t0 - 1)).get('acme') ?? [];
    expect(samples.map((s) => s.status)).toEqual(['fail', 'pass']);
    expect(samples).toHaveLength(2);
    expect((await history.lastFailures(['acme'])).get('acme')).toMatchObject({ code: 'JIRA_AUTH_REJECTED' });
  });
});
