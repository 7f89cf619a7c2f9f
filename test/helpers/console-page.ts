/**
 * Drives the sandbox console in chromium (playwright-core, Debian's /usr/bin/chromium): the sandbox started as
 * `npm start` starts it (a child process, its own Redis prefix, a free port), and helpers that act as a person
 * would — type a command, click a thread's button or a card's action, use the admin panels — with a screenshot per
 * step.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { recordOutput } from './leaks.js';
import { REPO_ROOT } from './process.js';
import { REDIS_URL } from './redis.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SHOTS = join(REPO_ROOT, 'test-results', 'console');

export interface SandboxProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stop(): Promise<void>;
}

/**
 * `align-bot start` without chat credentials, as `npm start` runs it, in a scratch working directory (its own
 * .data/sandbox) with REDIS_URL and a key prefix of its own. Resolves once it printed its one line.
 */
export async function startSandboxProcess(prefix: string, timeoutMs = 40_000): Promise<SandboxProcess> {
  const cwd = mkdtempSync(join(tmpdir(), 'align-console-'));
  const tsx = fileURLToPath(import.meta.resolve('tsx'));
  const child = spawn(process.execPath, ['--import', tsx, join(REPO_ROOT, 'src/main.ts'), 'start'], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REDIS_URL,
      ALIGN_BOT_REDIS_PREFIX: prefix,
      PORT: '0',
      // The internal listener (/metrics) too: its default port, 9464, is one per machine.
      ALIGN_BOT_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no console line within ${timeoutMs} ms:\n${out}\n${err}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /open (http:\/\/localhost:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`align-bot start exited (${code}):\n${out}\n${err}`)));
  });
  return {
    child,
    url,
    stdout: () => out,
    async stop() {
      recordOutput('align-bot start (console test)', `${out}\n${err}`);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export class ConsolePage {
  private shot = 0;
  readonly shotsDir = SHOTS;

  /** Starts a fresh set of screenshots (the previous run's are removed). */
  constructor(readonly page: Page) {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
  }

  get channel(): Locator {
    return this.page.locator('.channel-pane .messages');
  }

  get thread(): Locator {
    return this.page.locator('.thread-pane');
  }

  async screenshot(name: string): Promise<void> {
    this.shot += 1;
    await this.page.screenshot({ path: join(SHOTS, `${String(this.shot).padStart(2, '0')}-${name}.png`) });
  }

  async actAs(name: 'admin' | 'operator' | 'approver'): Promise<void> {
    const value = { admin: 'UADMIN', operator: 'UOPERATOR', approver: 'UAPPROVER' }[name];
    await this.page.selectOption('#acting-as', value);
  }

  /** Types a command into the message box and sends it with Enter. */
  async command(text: string): Promise<void> {
    await this.page.fill('#composer-input', text);
    await this.page.press('#composer-input', 'Enter');
  }

  /** The thread reply that asks `title` and still has its buttons. */
  ask(title: string): Locator {
    return this.thread
      .locator('article', { hasText: title })
      .filter({ has: this.page.locator('.sk-actions button') })
      .last();
  }

  async answer(title: string, button: string): Promise<void> {
    await this.ask(title).getByRole('button', { name: button, exact: true }).click();
  }

  /** The text of a labelled code block (`*Label*\n```value```) in an ask. */
  async codeValue(title: string, label: string): Promise<string> {
    const section = this.ask(title).locator('.sk-text', { hasText: label });
    return ((await section.locator('pre').first().textContent()) ?? '').trim();
  }

  /** Clicks the ask's form button, then the private answer's link; returns the form's tab. */
  async openForm(title: string, button = 'Open the secure form'): Promise<Page> {
    const before = await this.thread.locator('article.ephemeral').count();
    await this.answer(title, button);
    const link = this.thread.locator('article.ephemeral').nth(before).locator('a.sk-button');
    const [tab] = await Promise.all([this.page.context().waitForEvent('page'), link.click()]);
    await tab.waitForLoadState();
    return tab;
  }

  async platformTab(which: 'Slack' | 'Teams'): Promise<void> {
    await this.page.getByRole('tab', { name: which, exact: true }).click();
  }

  /** The Teams tab's conversation (the General channel's posts and replies, or the 1:1 chat). */
  get teams(): Locator {
    return this.page.locator('.teams-log');
  }

  /** Sends a message in the Teams tab (a post that @mentions the bot) with Enter. */
  async teamsCommand(text: string): Promise<void> {
    await this.page.fill('#teams-input', text);
    await this.page.press('#teams-input', 'Enter');
  }

  /** The bot's Teams message whose Adaptive Card (as the adaptivecards renderer drew it) shows `text`. */
  teamsCard(text: string | RegExp): Locator {
    return this.teams.locator('article.teams-bot', {
      has: this.page.locator('.ac-adaptiveCard', { hasText: text }),
    });
  }

  /** One Teams message by id, whatever its card shows now. */
  teamsMessage(id: string): Locator {
    return this.teams.locator(`article[data-id="${id}"]`);
  }

  async adminTab(which: 'Jira admin' | 'Jira Align admin'): Promise<void> {
    await this.page.getByRole('tab', { name: which, exact: true }).click();
  }

  /** Runs an admin panel action and waits for its status line; a refusal fails the step with its message. */
  async act(action: () => Promise<void>): Promise<void> {
    const status = this.page.locator('#status');
    await status.evaluate((el: { textContent: string | null }) => {
      el.textContent = '';
    });
    await action();
    await status.filter({ hasText: /\S/ }).waitFor({ timeout: 15_000 });
    if ((await status.getAttribute('class'))?.includes('status-error'))
      throw new Error(`the admin action was refused: ${await status.textContent()}`);
  }
}
