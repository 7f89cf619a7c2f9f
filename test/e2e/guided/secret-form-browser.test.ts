/**
 * A real browser (playwright-core driving Debian's chromium — never a downloaded one) opens the secret form,
 * types a token into the password field, submits it, and the run waiting for it resumes.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, APPROVER, acceptToken, type BotHarness, startBot } from '../../helpers/bot.js';
import { click, formLink, openAsk } from '../../helpers/guided.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.ALIGN_BOT_REQUIRE_PEERS === '1';

if (!available && !required) {
  console.warn(
    `Browser test skipped: ${CHROMIUM} is missing. Install it with: sudo apt-get install chromium`,
  );
}

let bot: BotHarness;

beforeAll(async () => {
  if (!available && !required) return;
  bot = await startBot({
    prefix: testPrefix('browser'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
  });
});

afterAll(async () => {
  await bot?.stop();
});

describe.runIf(available || required)('secret form in a browser', () => {
  it('chromium submits a token and the run resumes', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is required in CI (apt-get install chromium)`).toBe(true);
    const channel = 'CBROWSER';
    const ack = await bot.slack.sendCommand({ text: 'rotate acme', userId: ADMIN, channelId: channel });
    const runId = /Run (r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)![1]!;
    await click(bot.slack, await openAsk(bot.slack, channel, runId, 'approval'), 'approve', APPROVER);
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    const token = 'typed-in-a-real-browser';
    acceptToken(site, token);
    const { url } = await formLink(
      bot.slack,
      await openAsk(bot.slack, channel, runId, 'new-credential'),
      ADMIN,
    );

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(url!);
      expect(await page.getAttribute('input[name=value]', 'type')).toBe('password');
      await page.fill('input[name=value]', token);
      await page.fill('input[name=expiry]', '2027-01-31');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(await page.textContent('h1')).toBe('Received');
      expect(await page.content()).not.toContain(token);
    } finally {
      await browser.close();
    }
    await waitFor(
      async () =>
        (await bot.web!.runs.get(runId))?.steps.find((s) => s.id === 'new-credential')?.status === 'pass',
      {
        what: 'the run resumed and verified the token',
      },
    );
    await openAsk(bot.slack, channel, runId, 'deactivate');
  });
});
