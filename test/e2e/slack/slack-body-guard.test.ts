/**
 * Issue 8, defect 11: a correctly signed `payload=null` made Bolt read a property of null outside any try (an
 * unhandled rejection, no answer). Bodies Bolt cannot take are now refused before it sees them, with 400 and an
 * error id, while signature checks still apply to them (unsigned or stale: 401, as before).
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSim } from '../../../src/sandbox/slack-sim.js';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';

const logs: string[] = [];
let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('slackguard'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    workers: false,
    logSink: logs,
  });
});

afterAll(async () => {
  await bot?.stop();
});

const payload = (value: unknown) => `payload=${encodeURIComponent(JSON.stringify(value))}`;
const user = { id: ADMIN, team_id: 'T1' };

/** Posts `body` signed (or with the given headers) and times out quickly: a crash shows as no answer. */
async function post(body: string, headers: Record<string, string> = {}, contentType?: string) {
  const res = await request(bot.slack.botUrl!, {
    method: 'POST',
    headers: {
      'content-type': contentType ?? 'application/x-www-form-urlencoded',
      ...bot.slack.sign(body),
      ...headers,
    },
    body,
    headersTimeout: 2500,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

async function expectHealthy() {
  const res = await request(`http://127.0.0.1:${bot.port}/healthz`);
  expect(res.statusCode).toBe(200);
  await res.body.text();
}

describe('bodies Bolt cannot take', () => {
  const refused: Array<[string, string, string?]> = [
    ['payload=null', 'payload=null'],
    ['payload=1', 'payload=1'],
    ['payload=[]', payload([])],
    ['payload that is not JSON', 'payload=%7Bnot-json'],
    ['two payload fields', `${payload({ type: 'block_actions', user })}&payload=null`],
    [
      'a block action without user',
      payload({ type: 'block_actions', actions: [{ action_id: 'align.done' }] }),
    ],
    [
      'a block action with channel null',
      payload({ type: 'block_actions', user, channel: null, actions: [{}] }),
    ],
    ['a block action with actions [null]', payload({ type: 'block_actions', user, actions: [null] })],
    ['a view submission without view', payload({ type: 'view_submission', user })],
    ['an empty form', ''],
    ['a JSON null body', 'null', 'application/json'],
    [
      'a JSON event with event null',
      JSON.stringify({ type: 'event_callback', event: null }),
      'application/json',
    ],
    [
      'a JSON event whose channel is null',
      JSON.stringify({ type: 'event_callback', event: { type: 'x', channel: null } }),
      'application/json',
    ],
  ];

  for (const [what, body, contentType] of refused) {
    it(`answers a signed ${what} with 400 and an error id, and keeps serving`, async () => {
      const answer = await post(body, {}, contentType);
      expect(answer.status).toBe(400);
      const errorId = /Error id: (e-[0-9a-f]{12})/.exec(answer.text)?.[1];
      expect(errorId).toBeDefined();
      expect(logs.some((l) => l.includes(errorId!))).toBe(true);
      await expectHealthy();
    });
  }

  it('still applies the signature check: unsigned, wrongly signed or stale payload=null gets 401', async () => {
    const body = 'payload=null';
    const forged = new SlackSim({ signingSecret: 'not-the-secret' }).sign(body);
    expect((await post(body, forged)).status).toBe(401);
    expect((await post(body, { 'x-slack-signature': '', 'x-slack-request-timestamp': '' })).status).toBe(401);
    const stale = bot.slack.sign(body, Math.floor(Date.now() / 1000) - 600);
    expect((await post(body, stale)).status).toBe(401);
    await expectHealthy();
  });

  it('answers a compressed body 415 when signed, and a body over 1 MiB 413', async () => {
    const body = 'command=%2Falign&text=help';
    expect((await post(body, { 'content-encoding': 'gzip' })).status).toBe(415);
    expect((await post(`command=%2Falign&text=${'a'.repeat(1024 * 1024)}`)).status).toBe(413);
    await expectHealthy();
  });

  it('passes what Slack sends to Bolt unchanged (the control case)', async () => {
    const answer = await bot.slack.sendCommand({ text: 'help', userId: ADMIN, channelId: 'CGUARD' });
    expect(answer.status).toBe(200);
    expect((answer.body as { text: string }).text).toContain('/align test');
    const ssl = await post('ssl_check=1&payload=null', {
      'x-slack-signature': '',
      'x-slack-request-timestamp': '',
    });
    expect(ssl.status).toBe(200); // Slack's SSL check needs no signature; Bolt drops the rest of the body
  });
});
