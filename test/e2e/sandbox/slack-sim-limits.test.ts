/**
 * The Slack simulator's per-channel posting limit (reference/slack.md §4: about one post per second per channel,
 * short bursts allowed): a bucket of four posts per channel refilled at one a second, 429 with Retry-After when it
 * is empty — so a bot that posts faster than 1/s for long is caught, while one that keeps pace never is. With
 * `tiers`, the per-method tiers too (chat.update: Tier 3, 50 a minute per workspace).
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSim } from '../../../src/sandbox/slack-sim.js';

let slack: SlackSim;

beforeAll(async () => {
  slack = await new SlackSim().start();
});

afterAll(async () => {
  await slack?.stop();
});

async function post(channel: string): Promise<{ status: number; retryAfter?: string }> {
  const res = await request(`${slack.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${slack.botToken}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ channel, text: 'hello' }).toString(),
  });
  await res.body.dump();
  const retryAfter = res.headers['retry-after'];
  return { status: res.statusCode, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Slack simulator: chat.postMessage per channel', () => {
  it('a burst of four passes, the fifth is 429 with Retry-After; other channels are not affected', async () => {
    for (let i = 0; i < 4; i += 1) expect((await post('CLIM1')).status).toBe(200);
    expect(await post('CLIM1')).toEqual({ status: 429, retryAfter: '1' });
    expect((await post('CLIM2')).status).toBe(200);
  });

  it('refills at one post a second: 1/s is sustained, 2/s is not', { timeout: 20_000 }, async () => {
    const paced = [];
    for (let i = 0; i < 6; i += 1) {
      paced.push((await post('CLIM3')).status);
      await sleep(1000);
    }
    expect(paced.every((s) => s === 200)).toBe(true);
    const fast = [];
    for (let i = 0; i < 12; i += 1) {
      fast.push((await post('CLIM4')).status);
      await sleep(500);
    }
    // Four from the bucket plus about one a second for the rest of the ~6 s.
    expect(fast.filter((s) => s === 200).length).toBeLessThanOrEqual(11);
    expect(fast.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
  });
});

describe('Slack simulator: per-method tiers (opt-in)', () => {
  async function update(sim: SlackSim, ts: string): Promise<{ status: number; retryAfter?: string }> {
    const res = await request(`${sim.apiUrl}chat.update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'CTIER', ts, text: 'edited' }),
    });
    await res.body.dump();
    const retryAfter = res.headers['retry-after'];
    return { status: res.statusCode, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
  }

  it('chat.update is Tier 3: 50 a minute pass workspace-wide, the 51st is 429 with Retry-After', async () => {
    const tiered = await new SlackSim({ tiers: true }).start();
    try {
      const statuses = [];
      for (let i = 0; i < 50; i += 1) statuses.push((await update(tiered, '1.000001')).status);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const over = await update(tiered, '1.000001');
      expect(over.status).toBe(429);
      expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
    } finally {
      await tiered.stop();
    }
  });

  it('off by default: the simulator of most tests takes any number of edits', async () => {
    const statuses = [];
    for (let i = 0; i < 60; i += 1) statuses.push((await update(slack, '1.000001')).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
