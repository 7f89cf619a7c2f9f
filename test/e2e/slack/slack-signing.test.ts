/**
 * Slack request signing (reference/slack.md §2): the published example verifies with Bolt and our simulator signs
 * it identically; the real bot refuses a wrong signature, a stale timestamp and one from the future (our own check
 * in src/web/server.ts, since Bolt's window is one-sided), and Bolt's exact content-type comparison holds.
 */
import { verifySlackRequest } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SlackSim } from '../../../src/sandbox/slack-sim.js';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { keysOf, testPrefix } from '../../helpers/redis.js';

const VECTOR = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

describe("Slack's published signing example", () => {
  it('verifies with Bolt near its timestamp', () => {
    expect(() =>
      verifySlackRequest({
        signingSecret: VECTOR.secret,
        body: VECTOR.body,
        headers: { 'x-slack-signature': VECTOR.signature, 'x-slack-request-timestamp': VECTOR.timestamp },
        nowMilliseconds: (VECTOR.timestamp + 10) * 1000,
      }),
    ).not.toThrow();
  });

  it('is refused by Bolt with one character of the body changed, or ten minutes later', () => {
    const tampered = VECTOR.body.replace('roadrunner', 'roadrunnes');
    const verify = (body: string, nowS: number) =>
      verifySlackRequest({
        signingSecret: VECTOR.secret,
        body,
        headers: { 'x-slack-signature': VECTOR.signature, 'x-slack-request-timestamp': VECTOR.timestamp },
        nowMilliseconds: nowS * 1000,
      });
    expect(() => verify(tampered, VECTOR.timestamp)).toThrow(/signature mismatch/);
    expect(() => verify(VECTOR.body, VECTOR.timestamp + 600)).toThrow(/stale/);
  });

  it('is reproduced by the simulator’s signer', () => {
    const sim = new SlackSim({ signingSecret: VECTOR.secret });
    expect(sim.sign(VECTOR.body, VECTOR.timestamp)).toEqual({
      'x-slack-signature': VECTOR.signature,
      'x-slack-request-timestamp': String(VECTOR.timestamp),
    });
  });
});

describe('the bot’s Slack endpoint', () => {
  let bot: BotHarness;
  let prefix: string;

  beforeAll(async () => {
    prefix = testPrefix('signing');
    bot = await startBot({
      prefix,
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
    });
  });

  afterAll(async () => {
    await bot?.stop();
  });

  const body = (text: string) =>
    new URLSearchParams({
      team_id: bot.slack.teamId,
      channel_id: 'CSIGN',
      user_id: ADMIN,
      user_name: 'admin',
      command: '/align',
      text,
      response_url: `${bot.slack.url}/response/x`,
      trigger_id: '1.2.3',
    }).toString();
  const now = () => Math.floor(Date.now() / 1000);

  const runKeys = async () => (await keysOf(prefix)).filter((k) => k.startsWith(`${prefix}:run:`));

  // A request that got through by mistake must not fail the next test too.
  afterEach(async () => {
    const jobs = await bot.web!.queues.runs.getJobs(['waiting', 'active', 'delayed']);
    await Promise.all(jobs.map((j) => j.remove()));
    for (const key of await runKeys()) await bot.web!.redis.del(key);
  });

  /** Refused requests leave no run and no job behind. */
  async function expectNothingQueued() {
    expect(await bot.web!.queues.runs.getJobCounts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
    expect(await runKeys()).toEqual([]);
  }

  it('answers a correctly signed command (the control case)', async () => {
    const answer = await bot.slack.deliver(body('help'));
    expect(answer.status).toBe(200);
    expect((answer.body as { text: string }).text).toContain('/align test');
  });

  it('accepts a timestamp a minute ahead (inside the window)', async () => {
    const answer = await bot.slack.deliver(body('help'), now() + 60);
    expect(answer.status).toBe(200);
  });

  it('refuses a wrong signature with 401', async () => {
    const forged = new SlackSim({ signingSecret: 'not-the-secret' });
    const raw = body('test acme');
    const answer = await bot.slack.deliver(raw, undefined, forged.sign(raw));
    expect(answer.status).toBe(401);
    await expectNothingQueued();
  });

  it('refuses a signature over a different body with 401', async () => {
    const answer = await bot.slack.deliver(body('test acme'), undefined, bot.slack.sign(body('help')));
    expect(answer.status).toBe(401);
    await expectNothingQueued();
  });

  it('refuses a timestamp more than five minutes old with 401', async () => {
    const answer = await bot.slack.deliver(body('test acme'), now() - 301 - 5);
    expect(answer.status).toBe(401);
    await expectNothingQueued();
  });

  it('refuses a timestamp more than five minutes ahead with 401 (Bolt alone would accept it)', async () => {
    const answer = await bot.slack.deliver(body('test acme'), now() + 300 + 10);
    expect(answer.status).toBe(401);
    await expectNothingQueued();
  });

  it('refuses a request without signature headers with 401', async () => {
    const answer = await bot.slack.deliver(body('test acme'), undefined, {
      'x-slack-signature': '',
      'x-slack-request-timestamp': '',
    });
    expect(answer.status).toBe(401);
    await expectNothingQueued();
  });

  it('answers 400 when the content type carries "; charset=utf-8" (Bolt compares it exactly)', async () => {
    const answer = await bot.slack.deliver(body('test acme'), undefined, {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
    expect(answer.status).toBe(400);
    await expectNothingQueued();
  });
});
