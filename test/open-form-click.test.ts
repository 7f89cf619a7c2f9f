/**
 * Slack sends a block_actions payload for link buttons too (reference/slack.md: a URL button still sends an
 * interaction that must be acknowledged). Clicking "Open the secure form" must not answer the person with
 * "That button is not one of Align Bot’s." — the browser has opened the form; there is nothing to say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, APPROVER, type BotHarness, startBot } from './helpers/bot.js';
import { click, formLink, openAsk } from './helpers/guided.js';
import { testPrefix } from './helpers/redis.js';

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('open-form'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
  });
});

afterAll(async () => {
  await bot?.stop();
});

describe('the secure form’s link button', () => {
  it('is acknowledged without a reply', async () => {
    const channel = 'COPENFORM';
    const ack = await bot.slack.sendCommand({ text: 'rotate acme', userId: ADMIN, channelId: channel });
    const runId = /Run (r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)![1]!;
    await click(bot.slack, await openAsk(bot.slack, channel, runId, 'approval'), 'approve', APPROVER);
    const ask = await openAsk(bot.slack, channel, runId, 'new-credential');
    const { url } = await formLink(bot.slack, ask, ADMIN);
    expect(url).toContain('/secrets/');
    const linkClick = await click(bot.slack, { ...ask, value: runId }, 'open-form', ADMIN);
    expect(linkClick.status).toBe(200);
    expect(linkClick.reply).toBeUndefined();
  });
});
