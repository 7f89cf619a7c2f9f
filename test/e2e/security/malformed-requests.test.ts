/**
 * Issue 8, suite-level check: no HTTP route of the bot (public port and internal listener) answers any of a list of
 * malformed requests with a 5xx, a stack frame, an install path or a module name, and /healthz answers after each.
 * Requests to /slack/events go both unsigned and correctly signed, so that they reach past the signature check.
 */
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { REPO_ROOT } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('malformed'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
  });
});

/** A fresh live link (of a run that does not exist), so the form's own code runs past "unknown link". */
async function issuedLink(): Promise<string> {
  const { token } = await bot.web!.forms.issue({
    runId: 'r-doesnotexist',
    stepId: 'new-credential',
    attempt: 0,
    userId: ADMIN,
    kind: 'secret',
    label: 'API token',
    askExpiry: true,
  });
  return `/secrets/${token}`;
}

afterAll(async () => {
  await bot?.stop();
});

interface Req {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

interface Route {
  name: string;
  port: () => number;
  method: Req['method'];
  path: () => string | Promise<string>;
  slack?: boolean;
}

const FORM = 'application/x-www-form-urlencoded';
const ESCAPE = '%E0%A4%A';

const ROUTES: Route[] = [
  {
    name: 'POST /slack/events',
    port: () => bot.port,
    method: 'POST',
    path: () => '/slack/events',
    slack: true,
  },
  { name: 'GET /slack/events', port: () => bot.port, method: 'GET', path: () => '/slack/events' },
  {
    name: 'GET /secrets/<unknown>',
    port: () => bot.port,
    method: 'GET',
    path: () => `/secrets/${'z'.repeat(43)}`,
  },
  {
    name: 'POST /secrets/<unknown>',
    port: () => bot.port,
    method: 'POST',
    path: () => `/secrets/${'z'.repeat(43)}`,
  },
  { name: 'GET /secrets/<issued>', port: () => bot.port, method: 'GET', path: issuedLink },
  { name: 'POST /secrets/<issued>', port: () => bot.port, method: 'POST', path: issuedLink },
  { name: 'GET /healthz', port: () => bot.port, method: 'GET', path: () => '/healthz' },
  { name: 'GET /readyz', port: () => bot.port, method: 'GET', path: () => '/readyz' },
  { name: 'GET /metrics (public port)', port: () => bot.port, method: 'GET', path: () => '/metrics' },
  { name: 'DELETE /unknown', port: () => bot.port, method: 'DELETE', path: () => '/unknown/path' },
  { name: 'GET /metrics (internal)', port: () => bot.metricsPort, method: 'GET', path: () => '/metrics' },
  { name: 'POST /metrics (internal)', port: () => bot.metricsPort, method: 'POST', path: () => '/metrics' },
  { name: 'GET /unknown (internal)', port: () => bot.metricsPort, method: 'GET', path: () => '/admin/x' },
];

const body =
  (contentType: string, content: string | Buffer, extra: Record<string, string> = {}) =>
  (r: Req): Req => ({
    ...r,
    headers: { ...r.headers, 'content-type': contentType, ...extra },
    body: content,
  });

/** Each turns a well-formed request of a route into a malformed one. */
const MALFORMED: Array<[string, (r: Req) => Req]> = [
  ['bad percent-escape in the path', (r) => ({ ...r, path: `${r.path}${ESCAPE}` })],
  ['bad percent-escape as a path segment', (r) => ({ ...r, path: `${r.path}/${ESCAPE}` })],
  ['bad percent-escape in the query', (r) => ({ ...r, path: `${r.path}?x=${ESCAPE}&y=%` })],
  [
    'malformed cookie (bad escape)',
    (r) => ({ ...r, headers: { ...r.headers, cookie: `ab_form=${ESCAPE}` } }),
  ],
  ['malformed cookie (lone %)', (r) => ({ ...r, headers: { ...r.headers, cookie: 'ab_form=%; x=%zz' } })],
  ['malformed Accept header', (r) => ({ ...r, headers: { ...r.headers, accept: 'text/html;q=x, */*;;' } })],
  ['text/plain body', body('text/plain', 'value=x&csrf=y')],
  ['unknown content type', body('application/x-klingon', '\u0000\u0001')],
  ['unknown charset', body(`${FORM}; charset=klingon`, 'value=x')],
  ['JSON where a form is expected', body('application/json', '{"value":"x","csrf":"y","payload":null}')],
  ['invalid JSON', body('application/json', '{"value":')],
  ['JSON null', body('application/json', 'null')],
  ['oversized form body', body(FORM, `value=${'a'.repeat(2 * 1024 * 1024)}`)],
  ['too many form fields', body(FORM, Array.from({ length: 2000 }, (_, i) => `f${i}=1`).join('&'))],
  ['gzip-compressed body', body(FORM, gzipSync('value=x&csrf=y'), { 'content-encoding': 'gzip' })],
  ['Content-Encoding gzip over plain text', body(FORM, 'value=x', { 'content-encoding': 'gzip' })],
  ['unknown Content-Encoding', body(FORM, 'value=x', { 'content-encoding': 'br, x-klingon' })],
  ['payload=null', body(FORM, 'payload=null')],
  ['payload=[]', body(FORM, 'payload=%5B%5D')],
  ['payload of a string', body(FORM, 'payload=%22x%22')],
  [
    'payload without user',
    body(FORM, `payload=${encodeURIComponent('{"type":"block_actions","actions":[{}]}')}`),
  ],
  ['repeated fields', body(FORM, 'command=%2Falign&command=%2Fother&text=help')],
  ['empty form', body(FORM, '')],
];

const INTERNALS =
  /node_modules|\bat \S+ \(|^\s+at |\/(?:work|home|usr|app)\/|\.[cm]?[jt]s:\d+|[A-Za-z]*Error:/m;

async function send(route: Route, req: Req, sign: boolean) {
  const text = typeof req.body === 'string' ? req.body : (req.body?.toString() ?? '');
  const headers = sign ? { ...req.headers, ...bot.slack.sign(text) } : req.headers;
  const res = await request(`http://127.0.0.1:${route.port()}${req.path}`, {
    method: req.method,
    headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

async function healthy(): Promise<boolean> {
  const res = await request(`http://127.0.0.1:${bot.port}/healthz`, { headersTimeout: 2000 });
  return res.statusCode === 200 && (await res.body.text()) === 'ok';
}

describe('malformed requests to every route', () => {
  for (const route of ROUTES) {
    it(`${route.name}: no 5xx, no internals, and /healthz answers after each`, async () => {
      const problems: string[] = [];
      for (const [what, malform] of MALFORMED) {
        const req = malform({ method: route.method, path: await route.path(), headers: {} });
        for (const sign of route.slack ? [false, true] : [false]) {
          const label = `${what}${sign ? ' (signed)' : ''}`;
          const answer = await send(route, req, sign).catch((error: Error) => ({
            status: 0,
            text: `no answer: ${error.name}`,
          }));
          if (answer.status === 0 || answer.status >= 500) problems.push(`${label}: ${answer.status}`);
          if (INTERNALS.test(answer.text) || answer.text.includes(REPO_ROOT))
            problems.push(`${label}: internals in ${answer.text.slice(0, 200)}`);
          if (!(await healthy())) problems.push(`${label}: /healthz failed after it`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
