/**
 * The one-time secret form: single use, single browser, only the requester gets a link, 10-minute life — and the
 * secret never appears unencrypted in Redis (every key this test wrote, BullMQ job data included), in logs, or in
 * anything the Slack simulator stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, APPROVER, acceptToken, type BotHarness, OUTSIDER, startBot } from './helpers/bot.js';
import { click, FormClient, formLink, openAsk } from './helpers/guided.js';
import { dumpPrefix, testPrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait.js';

const SECRET = 'S3cr3t-t0ken|w~h<1p7Fj$z]tR@F&qT7bUeF/0Y[1tN{hmqP2E;T';
const logs: string[] = [];
let bot: BotHarness;
let prefix: string;

beforeAll(async () => {
  prefix = testPrefix('form');
  bot = await startBot({ prefix, connectors: [{ name: 'acme', host: 'acme.atlassian.net' }], logSink: logs });
});

afterAll(async () => {
  await bot.stop();
});

async function dumpRedis(): Promise<string> {
  const dump = await dumpPrefix(prefix);
  expect(dump.keys).toBeGreaterThan(10);
  return dump.text;
}

describe('secret form', () => {
  it('gives links only to the requester, works once, in one browser, and never leaks the secret', async () => {
    const channel = 'CFORM';
    const ack = await bot.slack.sendCommand({ text: 'rotate acme', userId: ADMIN, channelId: channel });
    const runId = /Run (r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)![1]!;
    await click(bot.slack, await openAsk(bot.slack, channel, runId, 'approval'), 'approve', APPROVER);
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    acceptToken(site, SECRET);
    const ask = await openAsk(bot.slack, channel, runId, 'new-credential');

    const other = await formLink(bot.slack, ask, OUTSIDER);
    expect(other.url).toBeUndefined();
    expect(other.text).toContain('who started this run');

    const { url } = await formLink(bot.slack, ask, ADMIN);
    const browser = new FormClient();
    const page = await browser.open(url!);
    expect(page.status).toBe(200);
    expect(page.html).toContain('type="password"');

    const stranger = new FormClient();
    const strangerPage = await stranger.open(url!);
    expect(strangerPage.status).toBe(403);
    expect(strangerPage.html).toContain('another browser');

    const forged = await browser.post(url!, { csrf: 'forged', value: SECRET });
    expect(forged.status).toBe(403);

    const sent = await browser.submit(url!, { value: SECRET });
    expect(sent.status).toBe(200);
    const again = await browser.submit(url!, { value: 'another' });
    expect(again.status).toBe(410);

    await waitFor(
      async () =>
        (await bot.web!.runs.get(runId))?.steps.find((s) => s.id === 'new-credential')?.status === 'pass',
      {
        what: 'the new credential verified',
      },
    );

    const everything = [
      await dumpRedis(),
      logs.join('\n'),
      JSON.stringify(bot.slack.messages),
      JSON.stringify(bot.slack.ephemerals),
      JSON.stringify(bot.slack.responses),
      JSON.stringify(bot.slack.calls),
    ].join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(encodeURIComponent(SECRET));
    expect(everything).not.toContain(Buffer.from(SECRET).toString('base64'));
  });

  it('refuses an unknown link', async () => {
    const page = await new FormClient().open(`http://127.0.0.1:${bot.port}/secrets/${'x'.repeat(43)}`);
    expect(page.status).toBe(410);
  });
});
