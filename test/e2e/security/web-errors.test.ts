/**
 * Issue 8, defects 1 and 2. A malformed cookie on the secret form once threw outside any handler and an unhandled
 * rejection took `start` (web and workers) down; error pages showed stack traces and install paths. Now every
 * failure of a route is a short answer with an error id that the log line shares, an unhandled rejection is logged
 * and survived, and an uncaught exception is logged before the process exits non-zero.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, startBot } from '../../helpers/bot.js';
import { recordOutput } from '../../helpers/leaks.js';
import { freePort, killAll, REPO_ROOT, spawnBot } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const logs: string[] = [];
let bot: BotHarness;
let base: string;

beforeAll(async () => {
  bot = await startBot({ prefix: testPrefix('weberr'), connectors: [], workers: false, logSink: logs });
  base = `http://127.0.0.1:${bot.port}`;
});

afterAll(async () => {
  await killAll();
  await bot?.stop();
});

type Options = NonNullable<Parameters<typeof request>[1]>;

async function send(path: string, options: Options = {}) {
  const res = await request(`${base}${path}`, { headersTimeout: 5000, bodyTimeout: 5000, ...options });
  return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() };
}

/** No stack frame, install path or module name in what a client sees. */
function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/node_modules|\bat \S+ \(|^\s+at |\/work\/|src\/|\.[jt]s:\d+|Error:/m);
  expect(text).not.toContain(REPO_ROOT);
}

const form = (body: string | Buffer, headers: Record<string, string> = {}): Options => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body,
});

describe('defect 1: a malformed cookie is no cookie', () => {
  it('answers GET and POST of the secret form with a bad cookie, and the bot keeps serving', async () => {
    const token = 'x'.repeat(43);
    const got = await send(`/secrets/${token}`, { headers: { cookie: 'ab_form=%E0%A4%A' } });
    expect(got.status).toBe(410); // the unknown link, as without a cookie
    const posted = await send(`/secrets/${token}`, form('value=x&csrf=y', { cookie: 'ab_form=%' }));
    expect(posted.status).toBe(410);
    expect((await send('/healthz')).status).toBe(200);
  });

  it('keeps `align-bot start` (web and workers in one process) alive after such requests', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const child = spawnBot(['start'], {
      ...bot.env,
      PORT: String(port),
      ALIGN_BOT_METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'info',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(() => child.output().includes('web listening'), {
      timeoutMs: 20_000,
      what: 'web listening',
    });
    for (const cookie of ['ab_form=%E0%A4%A', 'ab_form=%']) {
      const res = await request(`${url}/secrets/${'y'.repeat(43)}`, {
        headers: { cookie },
        headersTimeout: 5000,
      });
      expect(res.statusCode).toBe(410);
      await res.body.text();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(child.child.exitCode).toBeNull();
    const health = await request(`${url}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.text()).toBe('ok');
  });
});

describe('process guards', () => {
  /** Runs a script that installs the guards, then rejects a promise and later throws. */
  it('log an unhandled rejection and keep running; log an uncaught exception and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'align-guards-'));
    const script = join(dir, 'guards.ts');
    writeFileSync(
      script,
      `import { installProcessGuards } from ${JSON.stringify(join(REPO_ROOT, 'src/process-guards.ts'))};
import { createLogger } from ${JSON.stringify(join(REPO_ROOT, 'src/logger.ts'))};
installProcessGuards(createLogger('info'));
void Promise.reject(new Error('rejected on purpose'));
setTimeout(() => {
  process.stdout.write('still alive\\n');
  setTimeout(() => { throw new Error('thrown on purpose'); }, 10);
}, 100);
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    recordOutput('process guards script', out);
    const lines = out.split('\n').filter((l) => l.startsWith('{'));
    const rejection = lines
      .map((l) => JSON.parse(l))
      .find((l) => l.msg.includes('unhandled promise rejection'));
    const fatal = lines.map((l) => JSON.parse(l)).find((l) => l.msg.includes('uncaught exception'));
    expect(rejection).toMatchObject({ level: 50, err: { message: 'rejected on purpose' } });
    expect(rejection.errorId).toMatch(/^e-[0-9a-f]{12}$/);
    expect(out.indexOf('still alive')).toBeGreaterThan(out.indexOf('rejected on purpose'));
    expect(fatal).toMatchObject({ level: 60, err: { message: 'thrown on purpose' } });
    expect(code).toBe(1);
  });
});

describe('defect 2: one error handler, short answers with an error id', () => {
  const cases: Array<[string, string, Options, number]> = [
    ['a bad percent-escape in the path', '/secrets/%E0%A4%A', {}, 400],
    ['a body over the limit', '/secrets/abc', form(`value=${'a'.repeat(40_000)}`), 413],
    [
      'an unknown charset',
      '/secrets/abc',
      form('value=a', { 'content-type': 'application/x-www-form-urlencoded; charset=klingon' }),
      415,
    ],
    [
      'Content-Encoding: gzip that is not gzip',
      '/secrets/abc',
      form('value=a', { 'content-encoding': 'gzip' }),
      400,
    ],
    [
      'an unknown Content-Encoding',
      '/secrets/abc',
      form(gzipSync('value=a'), { 'content-encoding': 'x-zip' }),
      415,
    ],
  ];

  for (const [what, path, options, status] of cases) {
    it(`answers ${what} with ${status}, a short page and an error id that the log shares`, async () => {
      const answer = await send(path, options);
      expect(answer.status).toBe(status);
      expect(answer.type).toContain('text/html');
      expectNoInternals(answer.text);
      expect(answer.text.length).toBeLessThan(2000);
      const errorId = /Error id: (e-[0-9a-f]{12})/.exec(answer.text)?.[1];
      expect(errorId).toBeDefined();
      const line = logs.map((l) => JSON.parse(l)).find((l) => l.errorId === errorId);
      expect(line).toMatchObject({ msg: 'http request failed', status, path: '/secrets/<token>' });
    });
  }

  it('answers JSON to a client that asks for it', async () => {
    const answer = await send('/secrets/%E0%A4%A', { headers: { accept: 'application/json' } });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ status: 400, errorId: expect.stringMatching(/^e-/) });
    expectNoInternals(answer.text);
  });

  it('answers an unknown path with a short 404 page, and /slack/events to GET with 405', async () => {
    const missing = await send('/zq-unknown/%E0%A4%A');
    expect(missing.status).toBe(404);
    expectNoInternals(missing.text);
    expect(missing.text).not.toContain('zq-unknown'); // the path is not echoed back
    const get = await send('/slack/events');
    expect(get.status).toBe(405);
    expect((await send('/healthz')).status).toBe(200);
  });
});
