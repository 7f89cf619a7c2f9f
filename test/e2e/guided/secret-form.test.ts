/**
 * The one-time secret form: single use, single browser, only the requester gets a link, 10-minute life — and the
 * secret never appears unencrypted in Redis (every key this test wrote, BullMQ job data included), in logs, or in
 * anything the Slack simulator stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, APPROVER, acceptToken, type BotHarness, OUTSIDER, startBot } from '../../helpers/bot.js';
import { click, FormClient, formLink, openAsk } from '../../helpers/guided.js';
import { registerSecret } from '../../helpers/leaks.js';
import { dumpPrefix, keysOf, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const SECRET = 'S3cr3t-t0ken|w~h<1p7Fj$z]tR@F&qT7bUeF/0Y[1tN{hmqP2E;T';
const logs: string[] = [];
let bot: BotHarness;
let prefix: string;

beforeAll(async () => {
  prefix = testPrefix('form');
  bot = await startBot({
    prefix,
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net' },
      { name: 'initech', host: 'initech.atlassian.net' },
    ],
    logSink: logs,
  });
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

/** Issue 8, defect 5: a value for an ask that is no longer open is refused, and nothing is stored. */
describe('secret form of a closed ask', () => {
  const LATE = registerSecret('L4te-s3cret-v4lue-never-stored', 'late form value');

  /** Starts a rotation, approves it, and returns its run id and the new-credential ask. */
  async function askForCredential(connector: string, channel: string) {
    const ack = await bot.slack.sendCommand({
      text: `rotate ${connector}`,
      userId: ADMIN,
      channelId: channel,
    });
    const runId = /Run (r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)![1]!;
    await click(bot.slack, await openAsk(bot.slack, channel, runId, 'approval'), 'approve', APPROVER);
    return { runId, ask: await openAsk(bot.slack, channel, runId, 'new-credential') };
  }

  /** A link opened in its own browser, ready to post (its CSRF token taken while the ask was open). */
  async function openedForm(ask: Awaited<ReturnType<typeof askForCredential>>['ask']) {
    const { url } = await formLink(bot.slack, ask, ADMIN);
    const browser = new FormClient();
    const page = await browser.open(url!);
    expect(page.status).toBe(200);
    return { url: url!, browser, csrf: page.csrf! };
  }

  const storedSecrets = async () => (await keysOf(prefix)).filter((k) => k.startsWith(`${prefix}:secret:`));

  async function refusals(runId: string) {
    const entries = await bot.web!.audit.recent({ limit: 200 });
    return entries.filter((e) => e.runId === runId && e.action === 'form submitted new-credential');
  }

  it('refuses a value after the run was cancelled (410), stores nothing, audits it as refused', async () => {
    const { runId, ask } = await askForCredential('globex', 'CFORMCANCEL');
    const form = await openedForm(ask);
    const before = await storedSecrets();
    const cancel = await bot.slack.sendCommand({
      text: `cancel ${runId}`,
      userId: ADMIN,
      channelId: 'CFORMCANCEL',
    });
    expect((cancel.body as { text: string }).text).toContain('Cancelling');

    const sent = await form.browser.post(form.url, { csrf: form.csrf, value: LATE });
    expect(sent.status).toBe(410);
    expect(sent.html).toContain('cancelled');
    expect(sent.html).toContain('Nothing was stored');
    expect(await storedSecrets()).toEqual(before);
    expect(await refusals(runId)).toEqual([
      expect.objectContaining({ outcome: 'denied', detail: expect.stringContaining('cancelled') }),
    ]);
    expect(await bot.web!.decisions.get(runId, 'new-credential', ask.attempt)).toBeUndefined();
    // Nor is the form shown again.
    expect((await form.browser.open(form.url)).status).toBe(410);
  });

  it('refuses a value once the step moved past that ask (409) or the run ended (410)', async () => {
    const { runId, ask } = await askForCredential('initech', 'CFORMMOVED');
    const first = await openedForm(ask);
    const second = await openedForm(ask);
    const before = await storedSecrets();

    // The run moves on without this ask's answer: the step now waits on a later attempt.
    const run = (await bot.web!.runs.get(runId))!;
    const step = run.steps.find((s) => s.id === 'new-credential')!;
    step.attempt = ask.attempt + 1;
    await bot.web!.runs.save(run);
    const moved = await first.browser.post(first.url, { csrf: first.csrf, value: LATE });
    expect(moved.status).toBe(409);
    expect(moved.html).toContain('no longer open');

    // The run ends (as a worker's last failed attempt ends it).
    run.state = 'failed';
    run.endedAt = Date.now();
    await bot.web!.runs.save(run);
    const ended = await second.browser.post(second.url, { csrf: second.csrf, value: LATE });
    expect(ended.status).toBe(410);
    expect(ended.html).toContain('ended');

    expect(await storedSecrets()).toEqual(before);
    expect((await refusals(runId)).map((e) => e.outcome)).toEqual(['denied', 'denied']);
    expect(await bot.web!.decisions.get(runId, 'new-credential', ask.attempt)).toBeUndefined();
  });
});
