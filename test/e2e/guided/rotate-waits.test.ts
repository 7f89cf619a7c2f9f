/**
 * Waiting is durable: an unanswered approval expires and ends the run; a worker process killed (SIGKILL) while
 * the run waits for approval loses nothing — the run completes after approval on another worker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { connectInfra, type Stoppable, startWorkers } from '../../../src/services.js';
import { ADMIN, APPROVER, acceptToken, type BotHarness, startBot } from '../../helpers/bot.js';
import { click, FormClient, formLink, openAsk } from '../../helpers/guided.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

async function rotate(bot: BotHarness, name: string, channel: string): Promise<string> {
  const ack = await bot.slack.sendCommand({ text: `rotate ${name}`, userId: ADMIN, channelId: channel });
  return /Run (r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)![1]!;
}

describe('waiting runs', () => {
  it('an approval nobody answers expires and ends the run; its buttons are replaced', async () => {
    const bot = await startBot({
      prefix: testPrefix('expire'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      env: { ALIGN_BOT_APPROVAL_TTL_MS: '1500' },
    });
    cleanup.push(() => bot.stop());
    const runId = await rotate(bot, 'acme', 'CEXP');
    const approval = await openAsk(bot.slack, 'CEXP', runId, 'approval');
    await waitFor(async () => (await bot.web!.runs.get(runId))?.state === 'expired', {
      what: 'expired',
      timeoutMs: 10_000,
    });
    const edited = await waitFor(() => {
      const m = bot.slack.messages.find((x) => x.ts === approval.message.ts)!;
      const text = JSON.stringify(m.blocks);
      return text.includes('Expired') && !text.includes('"actions"') ? m : undefined;
    });
    expect(edited).toBeTruthy();
    const root = bot.slack.channel('CEXP')[0]!;
    await waitFor(() => bot.slack.channel('CEXP')[0]!.text.includes('expired'), {
      what: 'root says expired',
    });
    expect(root.ts).toBe(bot.slack.channel('CEXP')[0]!.ts);
    const late = await click(bot.slack, approval, 'approve', APPROVER);
    expect(late.reply?.text).toContain('has ended');
  });

  it('survives a worker killed while waiting for approval', async () => {
    const bot = await startBot({
      prefix: testPrefix('killwait'),
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
    });
    cleanup.push(() => bot.stop());
    const child = spawnWorker(bot);
    cleanup.push(async () => void child.kill('SIGKILL'));

    const runId = await rotate(bot, 'acme', 'CKILL');
    const approval = await openAsk(bot.slack, 'CKILL', runId, 'approval', 30_000);
    child.kill('SIGKILL');
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));

    await click(bot.slack, approval, 'approve', APPROVER);
    const run = await bot.web!.runs.get(runId);
    expect(run?.state).toBe('waiting');

    const infra = await connectInfra(bot.config, createLogger('silent'), 'worker');
    const workers: Stoppable = await startWorkers(infra);
    cleanup.push(async () => {
      await workers.close();
      await infra.close();
    });

    const site = bot.jira.sites.get('acme.atlassian.net')!;
    const token = 'after-the-crash-token';
    acceptToken(site, token);
    const input = await openAsk(bot.slack, 'CKILL', runId, 'new-credential', 20_000);
    const { url } = await formLink(bot.slack, input, ADMIN);
    expect((await new FormClient().submit(url!, { value: token })).status).toBe(200);
    for (const step of ['deactivate', 'update', 'activate']) {
      await click(bot.slack, await openAsk(bot.slack, 'CKILL', runId, step), 'done', ADMIN);
    }
    await waitFor(async () => (await bot.web!.runs.get(runId))?.state === 'succeeded', {
      what: 'rotation succeeded',
      timeoutMs: 20_000,
    });
    expect(bot.slack.channel('CKILL')).toHaveLength(1);
  });
});

function spawnWorker(bot: BotHarness): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
    cwd: process.cwd(),
    env: { ...process.env, ...bot.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', () => undefined);
  return child;
}
