/**
 * `align-bot report [--json]` in-process: the same data as the channel's report, with the bot's history when Redis
 * answers (read only) and without it, saying so, when it does not.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../../src/cli/report-command.js';
import { loadConfig } from '../../../src/config.js';
import type { ReportData } from '../../../src/core/report.js';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { recordOutput } from '../../helpers/leaks.js';
import { REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;
let prefix: string;

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await reportCommand(argv, loadConfig(env as NodeJS.ProcessEnv), {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: env as NodeJS.ProcessEnv,
  });
  recordOutput('align-bot report', [...out, ...err].join('\n'));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function tokens(): string[] {
  return Object.entries(bot.env)
    .filter(([k]) => k.endsWith('_TOKEN') && k.startsWith('T_'))
    .map(([, v]) => v);
}

beforeAll(async () => {
  prefix = testPrefix('report-cli');
  bot = await startBot({
    prefix,
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'globex', host: 'globex.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
    ],
  });
  // One report through the bot, so there is history to read.
  await bot.slack.sendCommand({ text: 'report now', userId: ADMIN, channelId: 'CCLI' });
  await waitFor(() => bot.slack.channel('CCLI').find((m) => m.text.startsWith('❌ Fleet report')), {
    what: 'the bot’s report',
  });
});

afterAll(async () => {
  await bot.stop();
});

describe('align-bot report', () => {
  it('--json with Redis: every connector, uptime from the history, changes since the last result; read only', async () => {
    const redis = new Redis(REDIS_URL);
    const before = await redis.zcard(`${prefix}:history:acme`);
    const { code, out } = await cli(['--json'], bot.env);
    expect(code).toBe(1);
    const parsed = JSON.parse(out) as {
      ok: boolean;
      history: { source: string; detail: string };
      report: ReportData;
    };
    expect(parsed.ok).toBe(false);
    expect(parsed.history.source).toBe('redis');
    expect(parsed.history.detail).toContain('read only');
    expect(parsed.report.rows.map((r) => [r.name, r.status, r.code])).toEqual([
      ['globex', 'fail', 'JIRA_AUTH_REJECTED'],
      ['acme', 'ok', undefined],
    ]);
    expect(parsed.report.rows[1]!.uptime).toEqual([1, 1, 1]);
    expect(parsed.report.rows[0]!.uptime[0]).toBe(0);
    expect(parsed.report.firstReport).toBe(false);
    expect(parsed.report.changed).toBe(false);
    expect(await redis.zcard(`${prefix}:history:acme`)).toBe(before);
    redis.disconnect();
    for (const token of tokens()) expect(out).not.toContain(token);
  });

  it('text: a line per connector and the first fix for each failure', async () => {
    const { code, out } = await cli([], bot.env);
    expect(code).toBe(1);
    expect(out).toContain('Fleet report: 1 failing · 0 with warnings · 1 passing (2 connectors)');
    expect(out).toMatch(/History: Redis at 127\.0\.0\.1:6379 \(prefix t-report-cli-\w+\), read only/);
    expect(out).toMatch(/❌ globex · \d+ ms · 0% \/ 0% \/ 0% · JIRA_AUTH_REJECTED$/m);
    expect(out).toMatch(/ {4}→ .+/);
    expect(out).toMatch(/✅ acme · \d+ ms · 100% \/ 100% \/ 100%/);
  });

  it('without Redis: the same connectors, no history, and it says so', async () => {
    const { code, out } = await cli(['--json', '--concurrency', '2'], {
      ...bot.env,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(code).toBe(1);
    const parsed = JSON.parse(out) as { history: { source: string; detail: string }; report: ReportData };
    expect(parsed.history).toEqual({
      source: 'none',
      detail: 'Redis at 127.0.0.1:1 did not answer: no uptime, last failures or changes',
    });
    expect(parsed.report.history).toBe('none');
    expect(parsed.report.rows.every((r) => r.uptime.every((u) => u === null))).toBe(true);
    expect(parsed.report.rows).toHaveLength(2);
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['--tz', 'Nowhere/Atlantis'], bot.env)).code).toBe(2);
    expect((await cli(['--concurrency', '0'], bot.env)).code).toBe(2);
    expect((await cli(['extra'], bot.env)).code).toBe(2);
  });
});
