/**
 * End to end through real Redis and the simulators: a signed /align test → ack → root message → edited in place →
 * thread replies for failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, CHANNEL, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('e2e'),
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
      { name: 'initech', host: 'initech.atlassian.net', setup: (s) => (s.fault = 'anonymous-fallback') },
    ],
  });
});

afterAll(async () => {
  await bot.stop();
});

async function runTest(name: string, channel: string) {
  const ack = await bot.slack.sendCommand({ text: `test ${name}`, userId: ADMIN, channelId: channel });
  expect(ack.status).toBe(200);
  expect(ack.ms).toBeLessThan(3000);
  const body = ack.body as { response_type: string; text: string };
  expect(body.response_type).toBe('ephemeral');
  expect(body.text).toMatch(new RegExp(`^Run r-[a-z0-9]+ queued: test ${name}`));
  const runId = /Run (r-[a-z0-9]+)/.exec(body.text)![1]!;
  const root = await waitFor(
    () =>
      bot.slack
        .channel(channel)
        .find(
          (m) =>
            m.text.includes(`test ${name}:`) && /passed|failed/.test(m.text) && !m.text.includes('running'),
        ),
    {
      what: `final root message for ${name}`,
    },
  );
  return { runId, root };
}

function rootText(blocks: unknown[]): string {
  return JSON.stringify(blocks);
}

describe('/align test end to end', () => {
  it('a healthy site: one root message, every check passes, no thread replies', async () => {
    const { runId, root } = await runTest('acme', `${CHANNEL}1`);
    expect(root.text).toContain('passed');
    expect(rootText(root.blocks)).toContain(runId);
    expect(rootText(root.blocks)).not.toContain('❌');
    expect(bot.slack.channel(`${CHANNEL}1`)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(bot.slack.thread(`${CHANNEL}1`, root.ts)).toHaveLength(0);
  });

  it('a rejected token: JIRA_AUTH_REJECTED in the root and a thread reply with the fix', async () => {
    const { root } = await runTest('globex', `${CHANNEL}2`);
    expect(root.text).toContain('failed');
    expect(rootText(root.blocks)).toContain('JIRA_AUTH_REJECTED');
    const replies = await waitFor(() => {
      const r = bot.slack.thread(`${CHANNEL}2`, root.ts);
      return r.length > 0 ? r : undefined;
    });
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('JIRA_AUTH_REJECTED');
    expect(rootText(replies[0]!.blocks)).toContain('Fix (on Jira)');
    expect(bot.slack.channel(`${CHANNEL}2`)).toHaveLength(1);
  });

  it('the anonymous fallback: JIRA_AUTH_ANONYMOUS_FALLBACK, not a wrong "not admin"', async () => {
    const { root } = await runTest('initech', `${CHANNEL}3`);
    expect(rootText(root.blocks)).toContain('JIRA_AUTH_ANONYMOUS_FALLBACK');
    expect(rootText(root.blocks)).not.toContain('JIRA_NOT_ADMIN');
    const replies = await waitFor(() => {
      const r = bot.slack.thread(`${CHANNEL}3`, root.ts);
      return r.length >= 2 ? r : undefined;
    });
    expect(replies.every((r) => r.text.includes('JIRA_AUTH_ANONYMOUS_FALLBACK'))).toBe(true);
  });

  it('edits the root message in place as checks finish', async () => {
    bot.jira.sites.get('acme.atlassian.net')!.latencyMs = 250;
    try {
      const { root } = await runTest('acme', `${CHANNEL}4`);
      expect(root.edits).toBeGreaterThanOrEqual(1);
      expect(bot.slack.channel(`${CHANNEL}4`)).toHaveLength(1);
      const updates = bot.slack.callsOf('chat.update').filter((c) => c.args.ts === root.ts);
      const times = updates.map((u) => u.at);
      for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900);
    } finally {
      bot.jira.sites.get('acme.atlassian.net')!.latencyMs = 0;
    }
  });
});
