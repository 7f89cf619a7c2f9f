/**
 * /align rotate end to end: approval rules (self-approval refused, outsiders refused, first decision wins),
 * denial, expiry, and the whole Deactivate → update → Save → Activate sequence with the new credential handed over
 * through the one-time form and verified against Jira before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  APPROVER,
  APPROVER2,
  acceptToken,
  type BotHarness,
  OUTSIDER,
  startBot,
} from '../../helpers/bot.js';
import { click, FormClient, formLink, openAsk } from '../../helpers/guided.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('rotate'),
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'umbrella', host: 'umbrella.atlassian.net' },
      { name: 'hooli', host: 'hooli.atlassian.net' },
    ],
  });
});

afterAll(async () => {
  await bot.stop();
});

async function startRotate(name: string, channel: string): Promise<string> {
  const ack = await bot.slack.sendCommand({ text: `rotate ${name}`, userId: ADMIN, channelId: channel });
  const text = (ack.body as { text: string }).text;
  expect(text).toMatch(/queued: rotate/);
  return /Run (r-[a-z0-9]+)/.exec(text)![1]!;
}

async function runState(runId: string) {
  return (await bot.web!.runs.get(runId))?.state;
}

function replyText(message: { blocks: unknown[] }): string {
  return JSON.stringify(message.blocks);
}

describe('/align rotate', () => {
  it('refuses self-approval and outsiders, records the first approval only, and completes the rotation', async () => {
    const channel = 'CROT1';
    const runId = await startRotate('acme', channel);
    const approval = await openAsk(bot.slack, channel, runId, 'approval');
    expect(approval.actions).toEqual(['align.approve', 'align.deny']);

    const self = await click(bot.slack, approval, 'approve', ADMIN);
    expect(self.reply?.text).toContain('someone else has to approve');
    const outsider = await click(bot.slack, approval, 'approve', OUTSIDER);
    expect(outsider.reply?.text).toContain('Only approvers');
    expect(await runState(runId)).toBe('waiting');

    const [first, second] = await Promise.all([
      click(bot.slack, approval, 'approve', APPROVER),
      click(bot.slack, approval, 'approve', APPROVER2),
    ]);
    const refused = [first, second].filter((r) => r.reply?.text?.includes('Already answered'));
    expect(refused).toHaveLength(1);

    // The ask is edited: no more buttons, "Approved by".
    await waitFor(
      () => {
        const m = bot.slack.messages.find((x) => x.ts === approval.message.ts)!;
        return !replyText(m).includes('"actions"') && replyText(m).includes('Approved');
      },
      { what: 'approval prompt edited' },
    );

    // New credential through the one-time form; the site accepts it (as Atlassian would after creating it).
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    const newToken = 'rotated-token-ÄÖ-2027';
    acceptToken(site, newToken);
    const input = await openAsk(bot.slack, channel, runId, 'new-credential');
    const { url } = await formLink(bot.slack, input, ADMIN);
    expect(url).toMatch(/\/secrets\/[A-Za-z0-9_-]{40,}$/);
    const browser = new FormClient();
    const sent = await browser.submit(url!, { value: newToken, expiry: '2027-06-30' });
    expect(sent.status).toBe(200);
    expect(sent.html).toContain('Received');
    expect(sent.html).not.toContain(newToken);

    for (const step of ['deactivate', 'update', 'activate']) {
      const ask = await openAsk(bot.slack, channel, runId, step);
      expect((await click(bot.slack, ask, 'done', ADMIN)).status).toBe(200);
    }
    await waitFor(async () => (await runState(runId)) === 'succeeded', {
      what: 'rotation succeeded',
      timeoutMs: 20_000,
    });
    const run = await bot.web!.runs.get(runId);
    expect(run!.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'approval:pass',
      'pre-check:pass',
      'new-credential:pass',
      'deactivate:pass',
      'update:pass',
      'activate:pass',
      'post-check:pass',
    ]);
    const spec = await bot.web!.connectors.get('acme');
    expect(spec!.tokenExpiresAt).toBe('2027-06-30');
    expect(spec!.secrets?.jira).toHaveProperty('stored');
    expect(bot.slack.channel(channel)).toHaveLength(1);
  });

  it('after Deactivate, a failing post-check offers a way back to the old credential', async () => {
    const channel = 'CROT4';
    const runId = await startRotate('acme', channel);
    await click(bot.slack, await openAsk(bot.slack, channel, runId, 'approval'), 'approve', APPROVER);
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    const fresh = 'fresh-token-that-will-break';
    acceptToken(site, fresh);
    const { url } = await formLink(
      bot.slack,
      await openAsk(bot.slack, channel, runId, 'new-credential'),
      ADMIN,
    );
    await new FormClient().submit(url!, { value: fresh });
    for (const step of ['deactivate', 'update'])
      await click(bot.slack, await openAsk(bot.slack, channel, runId, step), 'done', ADMIN);
    // Someone revokes the new token right after it was pasted in: the post-check fails.
    site.accounts = site.accounts.filter((a) => a.token !== fresh);
    await click(bot.slack, await openAsk(bot.slack, channel, runId, 'activate'), 'done', ADMIN);
    const failed = await openAsk(bot.slack, channel, runId, 'post-check');
    expect(failed.actions).toEqual(['align.retry', 'align.rollback']);
    expect(
      bot.slack.thread(channel, failed.message.threadTs!).some((m) => m.text.includes('JIRA_AUTH_REJECTED')),
    ).toBe(true);
    await click(bot.slack, failed, 'rollback', ADMIN);
    const back = await openAsk(bot.slack, channel, runId, 'post-check', 15_000, failed.attempt + 1);
    expect(JSON.stringify(back.message.blocks)).toContain('old');
    await click(bot.slack, back, 'done', ADMIN);
    await waitFor(async () => (await runState(runId)) === 'failed', { what: 'rolled back' });
    const run = await bot.web!.runs.get(runId);
    expect(run!.steps.find((s) => s.id === 'post-check')!.detail).toContain('Rolled back');

    const audit = await bot.slack.sendCommand({ text: 'audit acme', userId: ADMIN, channelId: channel });
    const log = JSON.stringify(audit.body);
    expect(log).toContain('approve approval');
    expect(log).toContain('rollback post-check');
    expect(log).toContain('denied');
  });

  it('ends the run when an approver denies it', async () => {
    const channel = 'CROT2';
    const runId = await startRotate('umbrella', channel);
    const approval = await openAsk(bot.slack, channel, runId, 'approval');
    await click(bot.slack, approval, 'deny', APPROVER);
    await waitFor(async () => (await runState(runId)) === 'cancelled', { what: 'denied run ends' });
    const edited = await waitFor(() => {
      const m = bot.slack.messages.find((x) => x.ts === approval.message.ts)!;
      return replyText(m).includes('Denied') ? m : undefined;
    });
    expect(replyText(edited)).not.toContain('"actions"');
    const late = await click(bot.slack, approval, 'approve', APPROVER2);
    expect(late.reply?.text).toContain('has ended');
  });

  it('a second rotate of the same connector is refused while one runs', async () => {
    const channel = 'CROT3';
    const runId = await startRotate('hooli', channel);
    const again = await bot.slack.sendCommand({ text: 'rotate hooli', userId: ADMIN, channelId: channel });
    expect((again.body as { text: string }).text).toContain(`already running: ${runId}`);
    const cancel = await bot.slack.sendCommand({
      text: `cancel ${runId}`,
      userId: OUTSIDER,
      channelId: channel,
    });
    expect((cancel.body as { text: string }).text).toMatch(/Only|operators/);
    const ok = await bot.slack.sendCommand({ text: `cancel ${runId}`, userId: ADMIN, channelId: channel });
    expect((ok.body as { text: string }).text).toContain('Cancelling');
    await waitFor(async () => (await runState(runId)) === 'cancelled', { what: 'cancelled' });
  });
});
