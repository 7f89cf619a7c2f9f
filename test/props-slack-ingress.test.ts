/**
 * Property tests of the Slack endpoint (/slack/events on the running bot; issue 12 item 6): correctly signed
 * requests with any form body — slash commands with any fields, `payload=` with any JSON shape, any content
 * type — are answered within 4 s, never with a 5xx or a stack trace; an ephemeral answer is Block Kit within
 * Slack's limits whose mrkdwn mentions nobody; and a request whose signature is wrong is refused with 401 before
 * anything runs.
 *
 * Depends on the Slack-ingress fix under way (`payload=null` and other non-object payloads reach Bolt's
 * listeners and give a 500 today): it fails on the base commit, see the report of branch h-props.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBlockKit } from '../src/sandbox/block-kit-limits.js';
import { ADMIN, type BotHarness, OUTSIDER, startBot } from './helpers/bot.js';
import { hostileText } from './helpers/hostile.js';
import { printable } from './helpers/http-arbitraries.js';
import { looksLikeStackTrace, type RawRequest, type RawResponse, rawRequest } from './helpers/raw-http.js';
import { testPrefix } from './helpers/redis.js';

const SEED = 0x12_06_08;
/** Bolt answers an unacknowledged request after 3 s; a hang costs 4 s, so a failing run stays bounded. */
const LIMITS = { interruptAfterTimeLimit: 25_000 };
let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('props-ingress'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    workers: false,
  });
});

afterAll(async () => {
  await bot?.stop();
});

function signed(body: string, contentType = 'application/x-www-form-urlencoded'): RawRequest {
  const headers = Object.entries(bot.slack.sign(body)) as Array<[string, string]>;
  return printable({
    method: 'POST',
    path: '/slack/events',
    headers: [...headers, ['Content-Type', contentType]],
    body,
  });
}

function expectAnswered(response: RawResponse, request: RawRequest) {
  const what = String(request.body ?? '').slice(0, 200);
  expect(response.status, `${what}: no answer (0) or none in time (-1)`).toBeGreaterThanOrEqual(100);
  expect(response.status, `${what}: ${response.body.slice(0, 200)}`).toBeLessThan(500);
  expect(looksLikeStackTrace(response.body), `${what}: a stack trace`).toBe(false);
}

/**
 * Sends requests side by side; each must be answered, below 500, without a stack trace. Side by side because
 * Bolt holds whatever no listener acknowledges for 3 s before its 404.
 */
async function sendAll(requests: RawRequest[]) {
  const responses = await Promise.all(requests.map((req) => rawRequest(bot.port, req, 4000)));
  for (const [i, response] of responses.entries()) expectAnswered(response, requests[i]!);
}

/** An ephemeral ack, when there is one, is valid Block Kit and mentions nobody. */
function expectInertAck(response: RawResponse) {
  if (response.status !== 200 || !response.body.startsWith('{')) return;
  const ack = JSON.parse(response.body) as { text?: string; blocks?: unknown[] };
  if (ack.blocks) expect(checkBlockKit(ack.blocks)).toBeUndefined();
  const json = JSON.stringify(ack);
  expect(json).not.toMatch(/<!(channel|here|everyone|subteam)|<#C/);
}

const text = fc.oneof(
  hostileText({ long: 3000 }),
  fc.constantFrom('test acme', 'status', 'help', 'rotate acme', 'report now', 'cancel r-8f2k1x9q', 'list'),
);
const idLike = fc.oneof(
  fc.constantFrom(ADMIN, OUTSIDER, 'CPROPS', 'T0001', ''),
  hostileText({ maxParts: 2, long: 300 }),
);

const commandBody = fc
  .record(
    {
      command: fc.constantFrom('/align', '/other', '', 'align'),
      text,
      user_id: idLike,
      user_name: idLike,
      channel_id: idLike,
      team_id: idLike,
      response_url: fc.constantFrom('http://127.0.0.1:9/response', 'javascript:1', '', 'not a url'),
      trigger_id: idLike,
      token: fc.constant('legacy-verification-token'),
    },
    { requiredKeys: ['command'] },
  )
  .map((fields) => new URLSearchParams(fields as Record<string, string>).toString());

const json = fc.jsonValue({ maxDepth: 3 });
const user = fc.oneof(fc.record({ id: idLike, name: idLike, username: idLike }, { requiredKeys: [] }), json);
const action = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('button', 'static_select', 'overflow', '', 'x'),
      action_id: fc.oneof(
        fc.constantFrom('align.done', 'align.approve', 'align.secret', 'align.notyet', 'align.', 'other'),
        hostileText({ maxParts: 2, long: 300 }),
      ),
      value: fc.oneof(
        fc.constantFrom('r-props00001|approval|0', 'r-props00001|approval|0|x', ''),
        hostileText({ long: 3000 }),
        json,
      ),
      block_id: idLike,
    },
    { requiredKeys: [] },
  ),
  json,
);
const payload = fc.oneof(
  fc.constantFrom(null, 0, 1, -1, '', 'x', true, false, [], {}, [null], { type: null }),
  json,
  fc.record(
    {
      // Mostly the one type the bot handles; Bolt holds any other unacknowledged for 3 s, then answers 404.
      type: fc.oneof(
        { weight: 6, arbitrary: fc.constant('block_actions') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'view_submission',
            'view_closed',
            'shortcut',
            'message_action',
            'block_suggestion',
            'interactive_message',
            'x',
          ),
        },
      ),
      user,
      team: fc.oneof(fc.record({ id: idLike }), json),
      actions: fc.oneof(fc.array(action, { maxLength: 3 }), json),
      response_url: fc.constantFrom('http://127.0.0.1:9/response', 'javascript:1', ''),
      trigger_id: idLike,
      container: json,
      channel: fc.oneof(fc.record({ id: idLike }), json),
      view: json,
      callback_id: idLike,
      token: fc.constant('legacy-verification-token'),
    },
    { requiredKeys: ['type'] },
  ),
);
const payloadBody = fc.tuple(payload, fc.boolean()).map(([p, extra]) =>
  new URLSearchParams({
    payload: JSON.stringify(p),
    ...(extra ? { command: '/align', text: 'help' } : {}),
  }).toString(),
);

/** Anything else a sender could put in a signed body, with any content type. */
const otherBody = fc.tuple(
  fc.oneof(
    hostileText({ long: 5000 }),
    fc.constantFrom(
      'payload=',
      'payload=%zz',
      'payload={',
      'payload=[',
      'payload="x"',
      'ssl_check=1',
      'ssl_check=1&token=x',
      '{"type":"url_verification","challenge":"abc"}',
      '{"type":"event_callback","event":{"type":"app_mention","text":"<!channel>"}}',
      '{"type":"event_callback","event":null}',
      '{"type":"event_callback"}',
      'null',
      '[]',
      '{',
      'command=%E0%A4%A&text=%zz',
      'payload=null',
    ),
    json.map((v) => JSON.stringify(v)),
  ),
  fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'multipart/form-data; boundary=x',
    '',
  ),
);

describe('signed requests to /slack/events', () => {
  it('slash commands with any fields: answered, below 500, the ack inert', async () => {
    await fc.assert(
      fc.asyncProperty(commandBody, async (body) => {
        const req = signed(body);
        const response = await rawRequest(bot.port, req, 4000);
        expectAnswered(response, req);
        expectInertAck(response);
      }),
      { seed: SEED, numRuns: 150, ...LIMITS },
    );
  }, 60_000);

  it('payload= with any JSON shape: answered, below 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(payloadBody, { minLength: 50, maxLength: 50 }), async (bodies) => {
        await sendAll(bodies.map((body) => signed(body)));
      }),
      { seed: SEED, numRuns: 3, ...LIMITS },
    );
  }, 60_000);

  it('any other body and content type: answered, below 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(otherBody, { minLength: 25, maxLength: 25 }), async (bodies) => {
        await sendAll(bodies.map(([body, type]) => signed(body, type)));
      }),
      { seed: SEED, numRuns: 2, ...LIMITS },
    );
  }, 60_000);
});

describe('badly signed requests', () => {
  it('a wrong or missing signature is refused with 401, and nothing runs', async () => {
    const before = await bot.web!.queues.runs.getJobCounts();
    await fc.assert(
      fc.asyncProperty(
        commandBody,
        fc.constantFrom('wrong', 'missing', 'stale', 'other-body', 'garbage'),
        async (body, fault) => {
          const good = bot.slack.sign(body);
          const stale = bot.slack.sign(body, Math.floor(Date.now() / 1000) - 3600);
          const headers: Record<string, Record<string, string>> = {
            wrong: { ...good, 'x-slack-signature': `v0=${'0'.repeat(64)}` },
            missing: {},
            stale,
            'other-body': bot.slack.sign(`${body}&x=1`),
            garbage: { 'x-slack-signature': 'v0=%zz<>', 'x-slack-request-timestamp': 'NaN' },
          };
          const req = printable({
            method: 'POST',
            path: '/slack/events',
            headers: [
              ...(Object.entries(headers[fault]!) as Array<[string, string]>),
              ['Content-Type', 'application/x-www-form-urlencoded'],
            ],
            body,
          });
          const response = await rawRequest(bot.port, req, 4000);
          expect(response.status, fault).toBe(401);
          expect(looksLikeStackTrace(response.body)).toBe(false);
        },
      ),
      { seed: SEED, numRuns: 100, ...LIMITS },
    );
    expect(await bot.web!.queues.runs.getJobCounts()).toEqual(before);
  }, 60_000);
});
