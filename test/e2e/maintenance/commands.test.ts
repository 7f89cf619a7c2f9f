/**
 * Issue 13, the commands: `/align maintenance <name> --from … --until … [--tz Zone]`, `maintenance list`,
 * `maintenance cancel <id>`, and windows in `status`. A window across the European DST change of March 2027 is
 * scheduled with its real length; overlapping windows of one connector, windows in the past, empty, reversed, too
 * long or too far ahead, and local times the clocks skip are refused with a message that names the problem. The
 * bot runs on a clock set a week before that change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { command, messageWith, runOf, TestClock, until } from './world.js';

const clock = new TestClock(Date.UTC(2027, 2, 20, 12));
const CHANNEL = 'CMAINTCMD';
let bot: BotHarness;
let first: string;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('maint-cmd'),
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net' },
    ],
    clock,
  });
});

afterAll(async () => {
  await bot.stop();
});

const say = async (text: string, userId = ADMIN) => (await command(bot, text, CHANNEL, userId)).text;

describe('/align maintenance', () => {
  it('schedules a window across the DST change with its real length, in local time and UTC', async () => {
    const ack = await command(
      bot,
      'maintenance acme --from 2027-03-27T22:00 --until 2027-03-28T04:00 --tz Europe/Berlin',
      CHANNEL,
    );
    first = ack.runId!;
    expect(ack.text).toContain(`Maintenance window ${first} scheduled for acme`);
    expect(ack.text).toContain('Sat 27 Mar 2027 22:00 (UTC+01:00) → Sun 28 Mar 2027 04:00 (UTC+02:00)');
    expect(ack.text).toContain('(5 h)');
    expect(ack.text).toContain('21:00 UTC → 2027-03-28 02:00 UTC');
    expect(ack.text).toContain('The clocks change in Europe/Berlin during this window: it lasts 5 h.');
    const run = await runOf(bot, first);
    expect(run).toMatchObject({ kind: 'maintenance', connector: 'acme' });
    expect(run.params).toMatchObject({
      from: Date.UTC(2027, 2, 27, 21),
      until: Date.UTC(2027, 2, 28, 2),
      tz: 'Europe/Berlin',
      settings: { leadMs: 15 * 60_000 },
    });
    const root = await waitFor(() => messageWith(bot, CHANNEL, first), { what: 'the root message' });
    expect(root.text).toContain('maintenance acme: scheduled');
  });

  it('refuses an overlapping window of the same connector, naming the existing one', async () => {
    const text = await say(
      'maintenance acme --from 2027-03-28T01:00 --until 2027-03-28T06:00 --tz Europe/Berlin',
    );
    expect(text).toContain(`acme already has a maintenance window that overlaps this one: ${first}`);
    expect(text).toContain(`maintenance cancel ${first}`);
    // Right after it, and the same time for another connector, are fine.
    expect(
      await say('maintenance acme --from 2027-03-28T04:00 --until 2027-03-28T05:00 --tz Europe/Berlin'),
    ).toContain('scheduled for acme');
    expect(
      await say('maintenance globex --from 2027-03-27T22:00 --until 2027-03-28T04:00 --tz Europe/Berlin'),
    ).toContain('scheduled for globex');
  });

  it.each([
    ['in the past', '--from 2027-03-19T10:00 --until 2027-03-19T12:00', /begins in the past/],
    ['empty', '--from 2027-03-22T10:00 --until 2027-03-22T10:00', /window is empty/],
    ['reversed', '--from 2027-03-22T10:00 --until 2027-03-22T08:00', /ends before it begins/],
    ['longer than 72 h', '--from 2027-03-22T10:00 --until 2027-03-25T11:00', /73 h long.*at most 72 h/],
    ['too far ahead', '--from 2027-05-22T10:00 --until 2027-05-22T11:00', /more than 28 d from now/],
    [
      'a time the clocks skip',
      '--from 2027-03-28T02:30 --until 2027-03-28T05:00',
      /does not exist in Europe\/Berlin/,
    ],
    ['not a time', '--from tomorrow --until 2027-03-22T08:00', /is not a time/],
    ['no such day', '--from 2027-02-30T10:00 --until 2027-03-01T08:00', /not a date and time that exists/],
  ])('refuses a window %s', async (_name, args, problem) => {
    const text = await say(`maintenance globex ${args} --tz Europe/Berlin`);
    expect(text).toMatch(problem);
    expect(text).not.toContain('scheduled for');
  });

  it('usage errors and roles', async () => {
    expect(await say('maintenance acme --from 2027-03-22T10:00')).toMatch(/needs --from and --until/);
    expect(
      await say('maintenance acme --from 2027-03-22T10:00 --until 2027-03-22T11:00 --tz Mars/Olympus'),
    ).toMatch(/not a time zone/);
    expect(await say('maintenance nosuch --from 2027-03-22T10:00 --until 2027-03-22T11:00')).toMatch(
      /No connector named “nosuch”/,
    );
    expect(await say('maintenance acme --from 2027-03-22T10:00 --until 2027-03-22T11:00', OPERATOR)).toMatch(
      /Only Align Bot admins may use maintenance/,
    );
    expect(await say('maintenance cancel nope')).toMatch(/not a run id/);
  });

  it('list and status show the windows; cancel ends one before it began', async () => {
    const list = await bot.slack.sendCommand({ text: 'maintenance list', userId: ADMIN, channelId: CHANNEL });
    const listed = JSON.stringify(list.body);
    expect(listed).toContain('3 maintenance windows (3 open)');
    expect(listed).toContain(first);
    const status = await bot.slack.sendCommand({ text: 'status acme', userId: OPERATOR, channelId: CHANNEL });
    expect(JSON.stringify(status.body)).toContain('🗓 Maintenance Sat 27 Mar 2027 22:00 (UTC+01:00)');

    expect(await say(`maintenance cancel ${first}`)).toContain(
      `Cancelling maintenance window ${first} of acme`,
    );
    const run = await until(bot, first, 'cancelled', (r) => r.state === 'cancelled');
    expect(run.outcome).toMatchObject({ reason: 'cancelled', by: ADMIN });
    await waitFor(() => messageWith(bot, CHANNEL, first)?.text.includes('maintenance acme: cancelled'), {
      what: 'the root says cancelled',
    });
    expect(await say(`maintenance cancel ${first}`)).toContain('has already ended (cancelled)');
    // The cancelled window no longer blocks its time.
    expect(
      await say('maintenance acme --from 2027-03-27T23:00 --until 2027-03-28T01:00 --tz Europe/Berlin'),
    ).toContain('scheduled for acme');
    const audit = await bot.web!.audit.recent({ connector: 'acme', limit: 50 });
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['maintenance schedule', 'maintenance cancel']),
    );
  });
});
