/**
 * `npx tsx scripts/playground-check.ts`: Align Bot in Microsoft's Agents Playground, for real. Starts the sandbox
 * with Teams authentication off (as the README says), starts the Playground (`@microsoft/m365agentsplayground`
 * from the npx cache: it is not a dependency) against the bot's /api/messages, and drives the Playground's web page
 * in Debian's chromium as a person would: `test acme` in the 1:1 chat and as a mention in the channel (the root
 * card appears and is updated to its verdict), an Approve click by a non-approver (the private answer replaces the
 * card for the clicker), and `connect` of the rehearsal sites up to its second step (a click answered with the
 * secure-form link, the token sent through the form, the run's card and next question updated in the chat).
 * Screenshots go to test-results/playground/.
 *
 * Optional, not part of CI. Exit codes: 0 all verified, or skipped because the Playground is not in the npx cache
 * (it says how to fetch it); 1 a check failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SHOTS = resolve(ROOT, 'test-results', 'playground');
const PLAYGROUND = '@microsoft/m365agentsplayground';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The Playground's default user (its built-in configuration) and the bot's name there. */
const PLAYGROUND_USER = 'Alex Wilber';
const BOT_NAME = 'Test Bot';

interface Child {
  name: string;
  process: ChildProcess;
  output(): string;
}

const children: Child[] = [];
/** What the Playground's server pushed to its page (its WebSocket frames): invoke answers pass there. */
const frames: string[] = [];
const verified: string[] = [];

function start(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Child {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const handle = { name, process: child, output: () => out };
  children.push(handle);
  return handle;
}

async function waitForOutput(
  child: Child,
  pattern: RegExp,
  what: string,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(child.output());
    if (match) return match;
    if (child.process.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${what} did not start:\n${child.output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** The Playground from the npx cache only: this script never downloads it. */
function playgroundArgs(extra: string[]): string[] {
  return ['exec', '--offline', '--yes', '--package', PLAYGROUND, '--', 'agentsplayground', ...extra];
}

async function playgroundCached(cwd: string): Promise<boolean> {
  const probe = start('probe', 'npm', playgroundArgs(['--version']), { cwd, env: process.env });
  const code = await new Promise<number | null>((r) => probe.process.once('exit', r));
  return code === 0;
}

function check(condition: boolean, what: string, detail = ''): void {
  if (!condition) throw new Error(`NOT verified: ${what}${detail ? `\n${detail}` : ''}`);
  verified.push(what);
  process.stdout.write(`  ✔ ${what}\n`);
}

async function shot(page: Page, name: string): Promise<string> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  process.stdout.write(`    screenshot: ${path}\n`);
  return path;
}

/** The chat pane's text (the log panel and the side bar left out). */
async function chatText(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, with the line breaks a person sees
  const text = await page.locator('body').innerText();
  return text.split('Log Panel')[0] ?? '';
}

async function waitForText(page: Page, pattern: RegExp, what: string, timeoutMs = 45_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await chatText(page);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) {
      await shot(page, `failed-${what.replace(/\W+/g, '-').slice(0, 40)}`);
      throw new Error(`NOT verified: ${what} (waited for ${pattern})\n${text.slice(-3000)}`);
    }
    await page.waitForTimeout(300);
  }
}

async function openChat(page: Page, name: 'Personal Chat' | 'General'): Promise<void> {
  await page.getByText(name, { exact: true }).first().click();
  await page.waitForTimeout(500);
}

/** The 1:1 chat's compose box: type and Enter. */
async function say(page: Page, text: string): Promise<void> {
  const box = page.locator('[data-lexical-editor]').last();
  await box.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** A new channel post that @mentions the bot, picked from the Playground's mention list. */
async function mention(page: Page, text: string): Promise<void> {
  const box = page.locator('[data-lexical-editor]').first();
  await box.click();
  await page.keyboard.type('@');
  await page.getByText(BOT_NAME, { exact: true }).last().click();
  await page.keyboard.type(` ${text}`);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
}

function button(page: Page, title: string): Locator {
  return page.locator('button', { hasText: title }).last();
}

async function consoleApi<T>(base: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function personalTest(page: Page): Promise<void> {
  process.stdout.write('1:1 chat: test acme\n');
  await openChat(page, 'Personal Chat');
  await say(page, 'test acme');
  const text = await waitForText(page, /test acme: passed/, 'the root card of test acme reaches its verdict');
  check(true, '1:1 chat: `test acme` answered with the run’s root card, updated in place to “passed”');
  check(
    text.includes(`requested by @${PLAYGROUND_USER}`),
    `1:1 chat: the card names the requester (“requested by @${PLAYGROUND_USER}”)`,
    text.slice(0, 800),
  );
  await shot(page, '1-personal-test-acme');
}

async function channelTest(page: Page): Promise<void> {
  process.stdout.write('channel General: @Test Bot test acme\n');
  await openChat(page, 'General');
  await mention(page, 'test acme');
  await waitForText(page, /test acme: passed/, 'the channel’s root card reaches its verdict');
  check(
    true,
    'channel: a mention `@Test Bot test acme` is answered in the post’s thread and updated to “passed”',
  );
  await shot(page, '2-channel-test-acme');
}

async function approvalRefused(page: Page): Promise<void> {
  process.stdout.write(
    '1:1 chat: rotate wonka, Approve clicked by its requester (an admin, not an approver)\n',
  );
  await openChat(page, 'Personal Chat');
  await say(page, 'rotate wonka');
  await waitForText(page, /asks to change the credential of connector wonka/, 'the approval card is posted');
  await button(page, 'Approve').click();
  await waitForText(
    page,
    /Only approvers listed in ALIGN_BOT_APPROVERS[\s\S]*Only you can see this/,
    'the private refusal',
  );
  check(
    true,
    'Action.Execute click (Approve): the invoke answer, a private card, replaces the card for the clicker',
  );
  await shot(page, '3-approve-refused');
  await say(page, 'status wonka');
}

async function guidedConnect(page: Page, base: string): Promise<void> {
  const info = await consoleApi<{ rehearsal: { commands: string[]; email: string } }>(
    base,
    '/console/api/info',
  );
  const command = info.rehearsal.commands.find((c) => c.includes('--auth basic'));
  if (!command) throw new Error('the console lists no Basic Auth rehearsal');
  const text = command.replace(/^\/align /, '');
  process.stdout.write(`1:1 chat: ${text}\n`);
  await openChat(page, 'Personal Chat');
  await say(page, text);
  await waitForText(
    page,
    /Give Align Bot the Atlassian API token[\s\S]*Not yet/,
    'the guided run asks for the token',
  );
  await button(page, 'Open the secure form').click();
  await waitForText(page, /Your one-time form for[\s\S]*Only you can see this/, 'the private form link');
  check(true, 'Action.Execute click (Open the secure form): a private card with the one-time form link');
  await shot(page, '4-connect-form-link');

  // The private card's Action.OpenUrl opens the form in a new window.
  const privateCard = page.locator('.ac-adaptiveCard', { hasText: 'Your one-time form for' }).last();
  const popup = page.context().waitForEvent('page', { timeout: 15_000 });
  await privateCard.locator('button', { hasText: 'Open the secure form' }).first().click();
  const form = await popup;
  await form.waitForLoadState();
  check(
    /\/secrets\/[\w-]+$/.test(form.url()),
    'the private card’s link opens the bot’s one-time secure form',
    form.url(),
  );
  const host = new URL(command.match(/--jira (\S+)/)?.[1] ?? '').hostname;
  const created = await consoleApi<{ token: { value: string } }>(
    base,
    `/console/api/jira/${host}/token.create`,
    {
      email: info.rehearsal.email,
      label: 'playground-check',
    },
  );
  await form.locator('#value').fill(created.token.value);
  await form.getByRole('button', { name: 'Send to Align Bot' }).click();
  await form.waitForLoadState();
  await form.screenshot({ path: join(SHOTS, '5-secure-form-sent.png') });
  await form.close();
  await waitForText(
    page,
    /Received[\s\S]*Confirm what Align Bot cannot see[\s\S]*Not yet/,
    'the next step’s question',
  );
  check(
    true,
    'the run proceeds: the token is received, and the next step (prerequisites) asks with its buttons',
  );
  await shot(page, '6-connect-prerequisites');

  const ask = page.locator('.ac-adaptiveCard', { hasText: 'Confirm what Align Bot cannot see' }).last();
  const seen = frames.length;
  await ask.locator('button', { hasText: 'Done' }).first().click();
  // The answer is a short message the Playground shows under the card until the card is next edited, which
  // the worker does within a second or so: read it from what reached the page, not only from the screen.
  const deadline = Date.now() + 20_000;
  const toast = /Recorded\. The thread shows the result\./;
  while (!frames.slice(seen).some((f) => toast.test(f)) && !toast.test(await chatText(page))) {
    if (Date.now() > deadline)
      throw new Error('NOT verified: the Done click’s answer reached the Playground page');
    await page.waitForTimeout(100);
  }
  await shot(page, '7-connect-done-answer');
  check(
    true,
    'Action.Execute click (Done): the invoke answer (“Recorded. The thread shows the result.”) reaches the clicker',
  );
  await waitForText(
    page,
    /Steps 1–4: the connector in Jira Align[\s\S]*Done[\s\S]*Not yet/,
    'the step after it',
  );
  check(true, 'the run proceeds: the prerequisites step is done and “Steps 1–4” asks next');
  await shot(page, '8-connect-steps-1-4');
}

/** The Playground's log panel: every activity it sent the bot, and every call the bot made to it, answered 2xx. */
async function logPanelClean(page: Page): Promise<void> {
  // biome-ignore lint/performance/useDomNodeTextContent: the panel's lines as shown
  const panel = (await page.locator('body').innerText()).split('Log Panel')[1] ?? '';
  const calls = [...panel.matchAll(/(?:User Application|Agents Playground)\s+([A-Za-z]+) (\d{3})\b/g)];
  const failed = calls.filter((c) => !c[2]?.startsWith('2')).map((c) => c[0].replace(/\s+/g, ' '));
  check(
    calls.length > 10 && failed.length === 0,
    `the Playground's log: ${calls.length} activities and connector calls, all answered 2xx`,
    failed.join('\n') || panel.slice(-2000),
  );
}

async function main(): Promise<number> {
  mkdirSync(SHOTS, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'align-playground-'));
  if (!(await playgroundCached(work))) {
    process.stdout.write(
      `skipped: ${PLAYGROUND} is not in the npx cache. Fetch it once (needs the npm registry), then run this again:\n` +
        `  npx --yes ${PLAYGROUND} --version\n`,
    );
    return 0;
  }
  const prefix = `playground-check-${randomBytes(4).toString('hex')}`;
  let browser: Browser | undefined;
  try {
    const tsx = fileURLToPath(import.meta.resolve('tsx'));
    const bot = start('bot', process.execPath, ['--import', tsx, join(ROOT, 'src/main.ts'), 'start'], {
      cwd: work,
      env: {
        ...process.env,
        REDIS_URL,
        ALIGN_BOT_REDIS_PREFIX: prefix,
        ALIGN_BOT_SANDBOX_TEAMS_AUTH: 'off',
        PORT: '0',
        ALIGN_BOT_METRICS_PORT: '0',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      },
    });
    const port = Number(
      (await waitForOutput(bot, /open http:\/\/localhost:(\d+)\//, 'the sandbox', 60_000))[1],
    );
    const base = `http://127.0.0.1:${port}`;
    process.stdout.write(`sandbox (Teams auth off) on port ${port}\n`);
    const playgroundPort = await freePort();
    const playground = start(
      'playground',
      'npm',
      playgroundArgs([
        '-e',
        `http://localhost:${port}/api/messages`,
        '-c',
        'msteams',
        '--disable-telemetry',
        '-p',
        String(playgroundPort),
      ]),
      { cwd: work, env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' } },
    );
    const listening = Number(
      (await waitForOutput(playground, /Listening on (\d+)/, 'the Playground', 60_000))[1],
    );
    process.stdout.write(`Agents Playground on port ${listening}\n`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    page.on('websocket', (socket) =>
      socket.on('framereceived', (frame) => {
        frames.push(typeof frame.payload === 'string' ? frame.payload : frame.payload.toString());
      }),
    );
    await page.goto(`http://localhost:${listening}/`);
    await page.locator('[data-lexical-editor]').first().waitFor({ timeout: 30_000 });
    await waitForText(page, /Personal Chat/, 'the Playground page loads');
    await personalTest(page);
    await channelTest(page);
    await approvalRefused(page);
    await guidedConnect(page, base);
    await logPanelClean(page);
    process.stdout.write(
      `\nverified ${verified.length} things in the Agents Playground; screenshots in ${SHOTS}\n`,
    );
    return 0;
  } catch (error) {
    process.stdout.write(`\n${(error as Error).message}\n`);
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    for (const child of children) {
      if (child.name !== 'probe') writeFileSync(join(SHOTS, `${child.name}.log`), child.output());
      if (child.process.exitCode === null && child.process.pid) {
        try {
          process.kill(-child.process.pid, 'SIGTERM');
        } catch {}
      }
    }
    await deleteKeys(prefix).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<
      string[]
    >) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

process.exitCode = await main();
