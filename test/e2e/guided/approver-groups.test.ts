/** Approvers and admins may be Slack user groups: members may decide, others may not. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { click, openAsk } from '../../helpers/guided.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('groups'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    env: { ALIGN_BOT_APPROVERS: 'SSECURITY', ALIGN_BOT_ADMINS: `${ADMIN},SPLATFORM` },
    slackGroups: { SSECURITY: ['UCAROL', 'UDAVE'], SPLATFORM: ['UERIN'] },
  });
});

afterAll(async () => {
  await bot.stop();
});

describe('roles from Slack user groups', () => {
  it('a member of the approvers group approves; a non-member is refused', async () => {
    const ack = await bot.slack.sendCommand({ text: 'rotate acme', userId: 'UERIN', channelId: 'CGRP' });
    const text = (ack.body as { text: string }).text;
    expect(text).toContain('queued: rotate acme');
    const runId = /Run (r-[a-z0-9]+)/.exec(text)![1]!;
    const approval = await openAsk(bot.slack, 'CGRP', runId, 'approval');
    const outsider = await click(bot.slack, approval, 'approve', 'UMALLORY');
    expect(outsider.reply?.text).toContain('Only approvers');
    await click(bot.slack, approval, 'approve', 'UCAROL');
    await waitFor(async () => (await bot.web!.runs.get(runId))?.steps[0]?.status === 'pass', {
      what: 'approved by a group member',
    });
  });

  it('a user outside the admin groups cannot rotate', async () => {
    const ack = await bot.slack.sendCommand({ text: 'rotate acme', userId: 'UCAROL', channelId: 'CGRP2' });
    expect((ack.body as { text: string }).text).toContain('Only Align Bot admins');
  });
});
