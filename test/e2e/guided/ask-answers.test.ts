/**
 * Issue 8, defect 4: a click counts only if its action is one of the choices its ask showed (plus the secure form
 * when the ask has an input, and "Not yet"), and only from the people that ask allows. A hand-made `align.skip` on
 * connect --auth basic's service-account step, and a `done` from another admin on rotate's credential step, are
 * refused privately, record nothing, and are audited as denied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_PERMISSIONS } from '../../../src/core/runbooks/checks/jira.js';
import { ADMIN, APPROVER, type BotHarness, startBot } from '../../helpers/bot.js';
import { type Ask, click, formLink, openAsk } from '../../helpers/guided.js';
import { registerSecret } from '../../helpers/leaks.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const ADMIN2 = 'UADMIN2';
let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('ask-answers'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    env: { ALIGN_BOT_ADMINS: `${ADMIN},${ADMIN2}` },
  });
});

afterAll(async () => {
  await bot.stop();
});

async function start(text: string, channel: string): Promise<string> {
  const ack = await bot.slack.sendCommand({ text, userId: ADMIN, channelId: channel });
  return /Run (r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)![1]!;
}

async function deniedEntries(runId: string) {
  const entries = await bot.web!.audit.recent({ limit: 200 });
  return entries
    .filter((e) => e.runId === runId && e.outcome === 'denied')
    .map((e) => `${e.actor} ${e.action}`);
}

/** The step still waits on the same ask, and no decision was recorded for it. */
async function stillOpen(runId: string, ask: Ask, stepId: string) {
  const run = await bot.web!.runs.get(runId);
  const step = run!.steps.find((s) => s.id === stepId)!;
  expect(`${step.status}:${step.attempt}`).toBe(`waiting:${ask.attempt}`);
  expect(await bot.web!.decisions.get(runId, stepId, ask.attempt)).toBeUndefined();
}

describe('a click counts only if the ask offered it, from someone it allows', () => {
  it('connect --auth basic: a hand-made Skip on the service-account step is refused', async () => {
    const host = 'skipco.atlassian.net';
    const site = bot.jira.addSite({ host, baseUrl: bot.jira.siteUrl(host) });
    const token = registerSecret('svc-token-skipco', 'Jira token of skipco');
    const account = site.addAccount({ email: `svc@${host}`, token, accountType: 'app', appType: 'service' });
    site.addProject('ALIGN');
    site.grantAll(account, 'ALIGN', PROJECT_PERMISSIONS);
    bot.align.addInstance('skipco.jiraalign.com');
    const channel = 'CASK1';
    const runId = await start(
      `connect skipco --jira ${bot.jira.siteUrl(host)} --align ${bot.align.instanceUrl('skipco.jiraalign.com')} --auth basic --email svc@${host}`,
      channel,
    );
    const ask = await openAsk(bot.slack, channel, runId, 'service-account');
    expect(ask.actions).toEqual(['align.secret', 'align.notyet']);

    const forged = await click(bot.slack, ask, 'skip', ADMIN);
    expect(forged.status).toBe(200);
    expect(forged.reply?.text).toMatch(/not offered/);
    // The secret hand-over is the requester's alone: another admin may neither open the form nor say "Not yet".
    const other = await click(bot.slack, ask, 'notyet', ADMIN2);
    expect(other.reply?.text).toMatch(/Only .* who started this run/);
    expect((await formLink(bot.slack, ask, ADMIN2)).url).toBeUndefined();
    // What the ask offered still works for the requester.
    expect((await click(bot.slack, ask, 'notyet', ADMIN)).reply?.text).toMatch(/waits until/);

    await new Promise((r) => setTimeout(r, 300));
    await stillOpen(runId, ask, 'service-account');
    expect(await bot.web!.connectors.get('skipco')).toBeUndefined();
    expect(await deniedEntries(runId)).toEqual(
      expect.arrayContaining([
        `${ADMIN} skip service-account`,
        `${ADMIN2} notyet service-account`,
        `${ADMIN2} secret service-account`,
      ]),
    );
  });

  it('rotate: a Done from another admin on the credential step is refused', async () => {
    const channel = 'CASK2';
    const runId = await start('rotate acme', channel);
    await click(bot.slack, await openAsk(bot.slack, channel, runId, 'approval'), 'approve', APPROVER);
    const ask = await openAsk(bot.slack, channel, runId, 'new-credential');
    expect(ask.actions).toEqual(['align.secret', 'align.notyet']);

    const byOther = await click(bot.slack, ask, 'done', ADMIN2);
    expect(byOther.reply?.text).toMatch(/not offered/);
    const byRequester = await click(bot.slack, ask, 'done', ADMIN);
    expect(byRequester.reply?.text).toMatch(/not offered/);
    await new Promise((r) => setTimeout(r, 300));
    await stillOpen(runId, ask, 'new-credential');
    expect(await deniedEntries(runId)).toEqual(
      expect.arrayContaining([`${ADMIN2} done new-credential`, `${ADMIN} done new-credential`]),
    );
    const ok = await bot.slack.sendCommand({ text: `cancel ${runId}`, userId: ADMIN, channelId: channel });
    expect((ok.body as { text: string }).text).toContain('Cancelling');
    await waitFor(async () => (await bot.web!.runs.get(runId))?.state === 'cancelled', { what: 'cancelled' });
  });
});
