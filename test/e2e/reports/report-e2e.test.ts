/**
 * `/align report now` end to end through Slack's simulator, real Redis and the Jira simulator: the report, its
 * failure replies, credential expiry, history in Redis, a large fleet that pages, and an empty fleet.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorSpec } from '../../../src/core/connector-spec.js';
import { checkBlockKit } from '../../../src/sandbox/block-kit-limits.js';
import type { SimMessage } from '../../../src/sandbox/slack-sim.js';
import { ADMIN, addHealthySite, type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const DAY = 86_400_000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

async function reportNow(bot: BotHarness, channel: string, userId = ADMIN) {
  const ack = await bot.slack.sendCommand({ text: 'report now', userId, channelId: channel });
  expect(ack.status).toBe(200);
  return (ack.body as { text: string }).text;
}

/** The n-th finished report root in the channel (1-based). */
async function finishedRoot(bot: BotHarness, channel: string, n = 1): Promise<SimMessage> {
  return waitFor(
    () => {
      const done = bot.slack
        .channel(channel)
        .filter((m) => /Fleet report:/.test(m.text) && !/testing|starting/.test(m.text));
      return done.length >= n ? done[n - 1] : undefined;
    },
    { what: `finished report #${n} in ${channel}`, timeoutMs: 30_000 },
  );
}

const json = (m: SimMessage) => JSON.stringify(m.blocks);

describe('report now', () => {
  let bot: BotHarness;
  const prefix = testPrefix('report-e2e');

  beforeAll(async () => {
    bot = await startBot({
      prefix,
      connectors: [
        { name: 'acme', host: 'acme.atlassian.net' },
        { name: 'globex', host: 'globex.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
      ],
    });
    const env: Record<string, string> = {};
    const now = Date.now();
    for (const [name, expires] of [
      ['soon', isoDay(now + 5 * DAY)],
      ['old', isoDay(now - 2 * DAY)],
    ] as const) {
      const { entry } = addHealthySite(bot.jira, { name, host: `${name}.atlassian.net` }, env);
      const spec: ConnectorSpec = {
        name,
        jira: { url: entry.jira, kind: 'cloud' },
        auth: 'basic',
        email: entry.email,
        project: entry.project,
        secrets: entry.secrets,
        tokenExpiresAt: expires,
      };
      await bot.web!.connectors.save(spec);
    }
  });

  afterAll(async () => {
    await bot.stop();
  });

  it('is for admins only', async () => {
    expect(await reportNow(bot, 'CDENIED', OPERATOR)).toContain('🔒');
    await new Promise((r) => setTimeout(r, 300));
    expect(bot.slack.channel('CDENIED')).toHaveLength(0);
  });

  it('posts one report: status per connector, failures in the thread, expiring credentials', async () => {
    expect(await reportNow(bot, 'CREP1')).toMatch(/^Fleet report r-[a-z0-9]+ queued/);
    const root = await finishedRoot(bot, 'CREP1');
    // An expired credential fails (TOKEN_EXPIRED) even while Jira still accepts it: it never reads as healthy.
    expect(root.text).toBe('❌ Fleet report: 2 failing · 2 passing (4 connectors)');
    const body = json(root);
    for (const name of ['acme', 'globex', 'soon', 'old']) expect(body).toContain(`*${name}*`);
    expect(body).toContain('`JIRA_AUTH_REJECTED`');
    expect(body).toMatch(/Expired \(1\): old \(\d{4}-\d\d-\d\d\)/);
    expect(body).toMatch(/Within 7 days \(1\): soon/);
    expect(body).toContain('`TOKEN_EXPIRED`');
    expect(body).toMatch(/❌ \*old\* · .* · ⛔ credential expired 2 days ago/);
    expect(body).toContain('First report in this channel');
    expect(checkBlockKit(root.blocks)).toBeUndefined();

    const replies = await waitFor(() => {
      const r = bot.slack.thread('CREP1', root.ts);
      return r.length > 1 ? r : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(bot.slack.thread('CREP1', root.ts)).toHaveLength(2);
    expect(replies.map((r) => r.text).join('\n')).toMatch(/globex[\s\S]*old|old[\s\S]*globex/);
    for (const reply of replies) expect(json(reply)).toContain('Fix (on Jira)');
    expect(bot.slack.channel('CREP1')).toHaveLength(1);
  });

  it('records history and last results in Redis', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.zcard(`${prefix}:history:acme`)).toBe(1);
      expect(await redis.zcard(`${prefix}:history:globex`)).toBe(1);
      expect(await redis.pttl(`${prefix}:history:acme`)).toBeGreaterThan(89 * DAY);
      const lastFail = JSON.parse((await redis.get(`${prefix}:history:globex:lastfail`))!);
      expect(lastFail.code).toBe('JIRA_AUTH_REJECTED');
      expect(await redis.get(`${prefix}:history:acme:lastfail`)).toBeNull();
      const last = JSON.parse((await redis.get(`${prefix}:connector:globex:last`))!);
      expect(last).toMatchObject({ kind: 'report', state: 'failed' });
    } finally {
      redis.disconnect();
    }
  });

  it('the next report compares with the previous one', async () => {
    bot.jira.sites.get('acme.atlassian.net')!.fault = 'captcha';
    try {
      await reportNow(bot, 'CREP1');
      const root = await finishedRoot(bot, 'CREP1', 2);
      const body = json(root);
      expect(body).toContain('New failures (1): acme');
      expect(body).toContain('`JIRA_CAPTCHA_REQUIRED`');
      expect(body).toMatch(/\*soon\* · \d+ ms · 100% \/ 100% \/ 100%/);
    } finally {
      bot.jira.sites.get('acme.atlassian.net')!.fault = undefined;
    }
  });
});

describe('a fleet of 210 connectors', () => {
  let bot: BotHarness;

  beforeAll(async () => {
    bot = await startBot({
      prefix: testPrefix('report-big'),
      connectors: Array.from({ length: 210 }, (_, i) => ({
        name: `site-${String(i).padStart(3, '0')}`,
        host: `site-${String(i).padStart(3, '0')}.atlassian.net`,
        ...(i % 50 === 7 ? { setup: (s: { fault?: string }) => (s.fault = 'token-rejected') } : {}),
      })) as never,
    });
  });

  afterAll(async () => {
    await bot.stop();
  });

  it('pages across the root and thread replies, every message accepted by the simulator’s limit checks', async () => {
    await reportNow(bot, 'CBIG');
    const root = await finishedRoot(bot, 'CBIG');
    expect(root.text).toBe('❌ Fleet report: 5 failing · 205 passing (210 connectors)');
    const pages = Number(/Page 1 of (\d+)/.exec(json(root))?.[1]);
    expect(pages).toBeGreaterThan(1);
    const thread = await waitFor(
      () => {
        const r = bot.slack.thread('CBIG', root.ts);
        return r.length >= pages - 1 + 5 ? r : undefined;
      },
      { what: 'all pages and failure replies', timeoutMs: 40_000 },
    );
    const messages = [root, ...thread];
    for (const m of messages) expect(checkBlockKit(m.blocks)).toBeUndefined();
    const all = messages.map(json).join('\n');
    for (let i = 0; i < 210; i += 1) expect(all).toContain(`*site-${String(i).padStart(3, '0')}*`);
    expect(all).not.toContain('more in the thread or with /align status');
    const rejected = bot.slack.calls.filter((c) => c.error && c.error !== 'ratelimited');
    expect(rejected).toEqual([]);
    expect(bot.slack.channel('CBIG')).toHaveLength(1);
  }, 90_000);
});

describe('an empty fleet', () => {
  let bot: BotHarness;

  beforeAll(async () => {
    bot = await startBot({ prefix: testPrefix('report-empty'), connectors: [] });
  });

  afterAll(async () => {
    await bot.stop();
  });

  it('says there is nothing to test instead of posting an empty table', async () => {
    await reportNow(bot, 'CEMPTY');
    const root = await waitFor(() =>
      bot.slack.channel('CEMPTY').find((m) => m.text.includes('no connectors')),
    );
    expect(root.text).toBe('📋 Fleet report: no connectors yet');
    expect(json(root)).toContain('There are no connectors to test');
    expect(json(root)).not.toContain('Jira round trip');
  });
});
