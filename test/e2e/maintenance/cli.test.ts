/**
 * Issue 13, item 5: `align-bot maintenance start|end <name>` for upgrade pipelines, as a child process against a
 * running bot's Redis. start waits for the Deactivate confirmation (exit 0); end waits for Jira, Activate and the
 * full test (0 verified, 1 verification failed); a usage or configuration problem, an unknown connector, a
 * connector without a window and a Redis that does not answer exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { click, openAsk } from '../../helpers/guided.js';
import { freePort, killAll, runBot, spawnBot } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { command, localIso, step, until, wholeMinute } from './world.js';

const MIN = 60_000;
let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('maint-cli'),
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net' },
      { name: 'initech', host: 'initech.atlassian.net' },
    ],
  });
});

afterAll(async () => {
  killAll();
  await bot.stop();
});

/** A window that begins in a few minutes: its Deactivate prompt is due at once (lead time 15 min). */
async function schedule(name: string, channel: string): Promise<string> {
  const from = wholeMinute(Date.now() + 5 * MIN);
  const { text, runId } = await command(
    bot,
    `maintenance ${name} --from ${localIso(from, 'UTC')} --until ${localIso(from + 60 * MIN, 'UTC')}`,
    channel,
  );
  expect(text).toContain('scheduled');
  return runId!;
}

async function exited(child: ReturnType<typeof spawnBot>) {
  const { code } = await child.exited;
  return { code, output: child.output() };
}

describe('align-bot maintenance start|end', () => {
  it('start waits for Deactivate (0); end waits for Jira, Activate and the full test (0)', async () => {
    const channel = 'CMCLI1';
    const runId = await schedule('acme', channel);
    const ask = await openAsk(bot.slack, channel, runId, 'deactivate');

    const start = spawnBot(['maintenance', 'start', 'acme', '--wait', '2'], bot.env);
    await waitFor(() => start.output().includes('Waiting up to 2 min'), {
      what: 'start waits',
      timeoutMs: 30_000,
    });
    expect(start.output()).toContain(`Maintenance window ${runId} of acme`);
    await click(bot.slack, ask, 'done', ADMIN);
    const started = await exited(start);
    expect(started.output).toContain('acme is deactivated: go ahead');
    expect(started.code).toBe(0);

    const end = spawnBot(['maintenance', 'end', 'acme', '--wait', '2'], bot.env);
    const activate = await openAsk(bot.slack, channel, runId, 'activate', 30_000);
    const run = await until(bot, runId, 'window ended', (r) => step(r, 'window').status === 'pass');
    expect(step(run, 'window').detail).toContain('ended by align-bot maintenance (CLI)');
    await click(bot.slack, activate, 'done', ADMIN);
    const ended = await exited(end);
    expect(ended.output).toContain('acme is active again and verified');
    expect(ended.code).toBe(0);
    const audit = await bot.web!.audit.recent({ connector: 'acme', limit: 50 });
    expect(audit.filter((e) => e.runId === runId).map((e) => e.action)).toEqual(
      expect.arrayContaining(['maintenance start', 'maintenance end']),
    );
  }, 90_000);

  it('end exits 1 when the final test fails', async () => {
    const channel = 'CMCLI2';
    const runId = await schedule('globex', channel);
    const end = spawnBot(['maintenance', 'end', 'globex', '--wait', '2'], bot.env);
    const activate = await openAsk(bot.slack, channel, runId, 'activate', 30_000);
    bot.jira.sites.get('globex.atlassian.net')!.fault = 'token-rejected';
    await click(bot.slack, activate, 'done', ADMIN);
    const ended = await exited(end);
    expect(ended.output).toContain('Verification failed: JIRA_AUTH_REJECTED');
    expect(ended.code).toBe(1);
  }, 90_000);

  it.each<[string, string[], Record<string, string> | undefined, RegExp]>([
    ['an unknown connector', ['maintenance', 'start', 'nosuch'], undefined, /no connector named “nosuch”/],
    [
      'a connector without a window',
      ['maintenance', 'end', 'initech'],
      undefined,
      /initech has no open maintenance window/,
    ],
    ['no connector name', ['maintenance', 'start'], undefined, /Missing required argument 'name'/],
    ['a bad --wait', ['maintenance', 'end', 'acme', '--wait', 'soon'], undefined, /Use a whole number/],
    [
      'Redis that does not answer',
      ['maintenance', 'start', 'acme'],
      { REDIS_URL: 'closed' },
      /Redis did not answer/,
    ],
  ])('exits 2 for %s', async (_name, args, override, message) => {
    const env =
      override?.REDIS_URL === 'closed'
        ? { ...bot.env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }
        : bot.env;
    const { code, stderr } = await runBot(args, env);
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
  });
});
