/**
 * Property tests of the secret form's HTTP routes (src/web/secret-form.ts, mounted by the running bot; issue 12
 * item 6): any method, path, cookie, content type and body — to unknown links and to live ones, opened or not,
 * with the right or a wrong browser cookie and CSRF token — gets an answer within 5 s, never a 5xx and never a
 * stack trace. Raw requests over a socket (test/helpers/raw-http.ts), so nothing is cleaned up on the way.
 *
 * Depends on the secret-form fixes under way (malformed cookie, bad percent escapes, body-parser errors shown by
 * express's default handler with their stack): it fails on the base commit, see the report of branch h-props.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, startBot } from './helpers/bot.js';
import { body, contentType, cookie, field, formRequest, printable } from './helpers/http-arbitraries.js';
import { looksLikeStackTrace, type RawRequest, type RawResponse, rawRequest } from './helpers/raw-http.js';
import { testPrefix } from './helpers/redis.js';

const SEED = 0x12_06_07;
/** A hanging request costs its 5 s timeout; this keeps a failing run (and its shrinking) bounded. */
const LIMITS = { interruptAfterTimeLimit: 25_000 };
let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({ prefix: testPrefix('props-form'), connectors: [], workers: false });
});

afterAll(async () => {
  await bot?.stop();
});

function expectAnswered(response: RawResponse, request: RawRequest) {
  const what = `${request.method} ${request.path.slice(0, 120)}`;
  expect(response.status, `${what}: no answer in time (-1) or none at all (0)`).toBeGreaterThanOrEqual(100);
  expect(response.status, `${what}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  expect(looksLikeStackTrace(response.body), `${what}: a stack trace: ${response.body.slice(0, 300)}`).toBe(
    false,
  );
}

const header = (name: string, value: string | undefined): Array<[string, string]> =>
  value === undefined ? [] : [[name, value]];

describe('the secret form routes on any request', () => {
  it('unknown links and other paths: an answer, never a 5xx, never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(formRequest, async (req) => {
        expectAnswered(await rawRequest(bot.port, req), req);
      }),
      { seed: SEED, numRuns: 300, ...LIMITS },
    );
  }, 60_000);

  it('live links: opened or not, right or wrong browser and CSRF, any body', async () => {
    const forms = bot.web!.forms;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          open: fc.boolean(),
          useCsrf: fc.boolean(),
          kind: fc.constantFrom('secret' as const, 'public-key' as const),
          badCookie: cookie,
          type: contentType,
          payload: body,
          value: field,
          expiry: field,
          method: fc.constantFrom('GET', 'POST', 'POST'),
        }),
        async (c) => {
          const { token } = await forms.issue({
            runId: 'r-propsform01',
            stepId: 'new-credential',
            attempt: 0,
            userId: 'UPROPS',
            kind: c.kind,
            label: 'Props test credential',
            askExpiry: true,
          });
          const path = `/secrets/${token}`;
          let goodCookie: string | undefined;
          let payload = c.payload;
          if (c.open) {
            const page = await rawRequest(bot.port, { method: 'GET', path });
            expectAnswered(page, { method: 'GET', path });
            goodCookie = /set-cookie: (ab_form=[^;]+)/i.exec(page.head)?.[1];
            const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
            if (c.useCsrf && csrf)
              payload = new URLSearchParams({ csrf, value: c.value, expiry: c.expiry }).toString();
          }
          const req = printable({
            method: c.method,
            path,
            headers: [...header('Cookie', c.badCookie ?? goodCookie), ...header('Content-Type', c.type)],
            ...(payload !== undefined ? { body: payload } : {}),
          });
          expectAnswered(await rawRequest(bot.port, req), req);
        },
      ),
      { seed: SEED, numRuns: 200, ...LIMITS },
    );
  }, 60_000);
});
