/**
 * The outbox under Slack's rate limit: the simulator answers 429 with Retry-After to a post (or an edit); the
 * outbox waits at least that long, delivers, and the channel ends up with every message exactly once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('outbox429'),
    connectors: [
      { name: 'initech', host: 'initech.atlassian.net', setup: (s) => (s.fault = 'anonymous-fallback') },
    ],
  });
});

afterAll(async () => {
  await bot?.stop();
});

beforeEach(() => {
  bot.slack.reset();
});

/** Runs `test initech` and waits until the run has ended and every failure has its reply. */
async function failingRun(channel: string) {
  const ack = await bot.slack.sendCommand({ text: 'test initech', userId: OPERATOR, channelId: channel });
  expect(ack.status).toBe(200);
  const runId = /Run (r-[a-z0-9]+) queued/.exec((ack.body as { text: string }).text)?.[1];
  expect(runId).toBeDefined();
  const run = await waitFor(
    async () => {
      const r = await bot.worker!.runs.get(runId!);
      return r && r.state === 'failed' ? r : undefined;
    },
    { what: 'run to fail', timeoutMs: 20_000 },
  );
  const failed = run.steps.filter((s) => s.status === 'fail');
  expect(failed.length).toBeGreaterThanOrEqual(2);
  const root = await waitFor(
    () => bot.slack.channel(channel).find((m) => m.text.includes('test initech: failed')),
    { what: 'final root message', timeoutMs: 20_000 },
  );
  await waitFor(() => bot.slack.thread(channel, root.ts).length >= failed.length, {
    what: 'one reply per failed check',
    timeoutMs: 20_000,
  });
  // Let any duplicate that is still on its way land before counting.
  await new Promise((r) => setTimeout(r, 2500));
  return { runId: runId!, failed, root };
}

function expectEachOnce(channel: string, rootTs: string, failedIds: string[]) {
  expect(bot.slack.channel(channel)).toHaveLength(1);
  const replies = bot.slack.thread(channel, rootTs);
  expect(replies).toHaveLength(failedIds.length);
  expect(new Set(replies.map((r) => r.text)).size).toBe(replies.length);
  const posted = bot.slack.callsOf('chat.postMessage').filter((c) => c.status === 200 && !c.error);
  expect(posted).toHaveLength(1 + failedIds.length);
}

function retryGap(method: string): { limitedAt: number; retriedAt: number } {
  const calls = bot.slack.callsOf(method);
  const limited = calls.findIndex((c) => c.status === 429);
  expect(limited).toBeGreaterThanOrEqual(0);
  const retry = calls[limited + 1];
  expect(retry, `a ${method} after the 429`).toBeDefined();
  expect(retry!.status).toBe(200);
  return { limitedAt: calls[limited]!.at, retriedAt: retry!.at };
}

describe('outbox and 429 Retry-After', () => {
  it('a 429 with Retry-After: 1 on the second post: waits, delivers, each message once', async () => {
    bot.slack.injectFault({ method: 'chat.postMessage', nth: 2, status: 429, retryAfterS: 1 });
    const { root, failed } = await failingRun('C429A');
    expectEachOnce(
      'C429A',
      root.ts,
      failed.map((s) => s.id),
    );
    const { limitedAt, retriedAt } = retryGap('chat.postMessage');
    expect(retriedAt - limitedAt).toBeGreaterThanOrEqual(950);
    // The 429'd post was the first thread reply; the root went out before it.
    const limitedCall = bot.slack.callsOf('chat.postMessage').find((c) => c.status === 429)!;
    expect(limitedCall.args.thread_ts).toBe(root.ts);
  });

  it('a longer Retry-After (3 s) is honoured, not just the 1 s pacing', async () => {
    bot.slack.injectFault({ method: 'chat.postMessage', nth: 2, status: 429, retryAfterS: 3 });
    const { root, failed } = await failingRun('C429B');
    expectEachOnce(
      'C429B',
      root.ts,
      failed.map((s) => s.id),
    );
    const { limitedAt, retriedAt } = retryGap('chat.postMessage');
    expect(retriedAt - limitedAt).toBeGreaterThanOrEqual(2900);
  });

  it('a 429 on the root post itself: still one root message', async () => {
    bot.slack.injectFault({ method: 'chat.postMessage', nth: 1, status: 429, retryAfterS: 1 });
    const { root, failed } = await failingRun('C429C');
    expectEachOnce(
      'C429C',
      root.ts,
      failed.map((s) => s.id),
    );
    const { limitedAt, retriedAt } = retryGap('chat.postMessage');
    expect(retriedAt - limitedAt).toBeGreaterThanOrEqual(950);
  });

  it('a 429 on an edit: the edit is retried after Retry-After and the root ends up final', async () => {
    bot.jira.sites.get('initech.atlassian.net')!.latencyMs = 150;
    try {
      bot.slack.injectFault({ method: 'chat.update', nth: 1, status: 429, retryAfterS: 2 });
      const { root, failed } = await failingRun('C429D');
      expectEachOnce(
        'C429D',
        root.ts,
        failed.map((s) => s.id),
      );
      const { limitedAt, retriedAt } = retryGap('chat.update');
      expect(retriedAt - limitedAt).toBeGreaterThanOrEqual(1900);
      expect(root.text).toContain('failed');
    } finally {
      bot.jira.sites.get('initech.atlassian.net')!.latencyMs = 0;
    }
  });
});
