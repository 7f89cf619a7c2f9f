/**
 * The command grammar (src/core/commands.ts) and what the real bot does with bad input: a usage message in the
 * ephemeral ack and nothing enqueued. Then authorization: operators may test, others are refused and audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrapSlackLinks } from '../../../src/chat/slack/text.js';
import { parseCommand, UsageError } from '../../../src/core/commands.js';
import { ADMIN, type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { keysOf, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

function usage(text: string): UsageError {
  try {
    parseCommand(text);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`"${text.slice(0, 60)}" parsed without a usage error`);
}

/** Bad input, what the parser must say, and the verb whose usage line follows (if any). */
const BAD: Array<{ name: string; text: string; message: RegExp; verb?: string }> = [
  { name: 'unknown verb', text: 'frobnicate acme', message: /Unknown command "frobnicate"/ },
  { name: 'missing connector name', text: 'test', message: /test needs a connector name/, verb: 'test' },
  { name: 'option without its value', text: 'test --jira', message: /--jira needs a value/, verb: 'test' },
  {
    name: 'a URL that is not http(s)',
    text: 'test --jira ftp://acme.atlassian.net',
    message: /must be an http\(s\) URL/,
    verb: 'test',
  },
  {
    name: 'a javascript: URL',
    text: 'test --jira javascript:alert(1)',
    message: /must be an http\(s\) URL/,
    verb: 'test',
  },
  { name: 'not a URL at all', text: 'test --jira acme', message: /is not a URL/, verb: 'test' },
  { name: 'a 5,000-character argument', text: `test ${'a'.repeat(5000)}`, message: /too long/ },
  {
    name: 'a 5,000-character URL',
    text: `test --jira https://x.atlassian.net/${'a'.repeat(5000)}`,
    message: /too long/,
  },
  { name: 'a 1,000-character argument', text: `test ${'b'.repeat(1000)}`, message: /argument is too long/ },
  { name: 'an unclosed quote', text: 'test "acme', message: /quote is not closed/ },
  { name: 'an unclosed smart quote', text: 'test \u201Cacme', message: /quote is not closed/ },
  { name: 'an unknown option', text: 'test acme --force', message: /Unknown option --force/, verb: 'test' },
  { name: 'two names', text: 'test acme globex', message: /one connector name/, verb: 'test' },
];

describe('parseCommand', () => {
  for (const bad of BAD) {
    it(`refuses ${bad.name}`, () => {
      const error = usage(bad.text);
      expect(error.message).toMatch(bad.message);
      expect(error.verb).toBe(bad.verb);
      expect(error.message.length).toBeLessThan(300);
    });
  }

  it('reads Slack’s <https://x|x> and <https://x> link forms as the URL', () => {
    expect(
      parseCommand(unwrapSlackLinks('test --jira <https://acme.atlassian.net|acme.atlassian.net>')),
    ).toEqual({
      verb: 'test',
      adhoc: { jira: 'https://acme.atlassian.net' },
    });
    expect(parseCommand(unwrapSlackLinks('test --jira <https://acme.atlassian.net/>'))).toEqual({
      verb: 'test',
      adhoc: { jira: 'https://acme.atlassian.net' },
    });
    // Found by test/props-commands.test.ts: the scheme may be upper case, and an email arrives as a mailto link.
    expect(parseCommand(unwrapSlackLinks('test --jira <HTTPS://a.aa|a.aa>'))).toEqual({
      verb: 'test',
      adhoc: { jira: 'https://a.aa' },
    });
    expect(
      parseCommand(
        unwrapSlackLinks(
          'connect acme --jira https://a.aa --align https://b.aa --email <mailto:a@a.aa|a@a.aa>',
        ),
      ),
    ).toMatchObject({ verb: 'connect', email: 'a@a.aa' });
  });

  it('reads typographic quotes as quotes', () => {
    expect(parseCommand('report schedule \u201C0 9 * * 1-5\u201D --tz Europe/Berlin')).toEqual({
      verb: 'report',
      action: 'schedule',
      cron: '0 9 * * 1-5',
      tz: 'Europe/Berlin',
      onlyChanges: false,
    });
    expect(parseCommand('test \u2018acme\u2019')).toEqual({ verb: 'test', name: 'acme' });
  });

  it('parses the good forms', () => {
    expect(parseCommand('  TEST Acme ')).toEqual({ verb: 'test', name: 'acme' });
    expect(parseCommand('')).toEqual({ verb: 'help' });
    expect(
      parseCommand('test --jira https://acme.atlassian.net/ --align https://acme.jiraalign.com'),
    ).toEqual({
      verb: 'test',
      adhoc: { jira: 'https://acme.atlassian.net', align: 'https://acme.jiraalign.com' },
    });
  });
});

describe('through the real bot', () => {
  let bot: BotHarness;
  let prefix: string;

  beforeAll(async () => {
    prefix = testPrefix('commands');
    // No workers: whatever is enqueued stays visible in the runs queue.
    bot = await startBot({
      prefix,
      connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
      workers: false,
    });
  });

  afterAll(async () => {
    await bot?.stop();
  });

  async function runKeys(): Promise<string[]> {
    return (await keysOf(prefix)).filter((k) => k.startsWith(`${prefix}:run:`));
  }

  async function queued(): Promise<number> {
    const counts = await bot.web!.queues.runs.getJobCounts();
    return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
  }

  async function send(text: string, userId = ADMIN) {
    const ack = await bot.slack.sendCommand({ text, userId, channelId: 'CCMD' });
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3000);
    const body = ack.body as { response_type: string; text: string; blocks: unknown[] };
    expect(body.response_type).toBe('ephemeral');
    return body;
  }

  for (const bad of BAD) {
    it(`${bad.name}: a usage message in the ephemeral ack, nothing enqueued`, async () => {
      const body = await send(bad.text);
      expect(body.text).toMatch(/^❓ /);
      expect(body.text).toMatch(bad.message);
      expect(body.text).toMatch(bad.verb ? /Usage: \/align test/ : /\/align help|Usage: \/align/);
      expect(body.text).not.toMatch(/queued/);
      expect(await queued()).toBe(0);
      expect(await runKeys()).toEqual([]);
    });
  }

  it('echoed input cannot mention the channel', async () => {
    const body = await send('<!channel> hello');
    expect(JSON.stringify(body)).not.toContain('<!channel>');
    expect(body.text).toContain('&lt;!channel&gt;');
    expect(await queued()).toBe(0);
  });

  it('an operator may test: one run written and enqueued', async () => {
    const body = await send('test acme', OPERATOR);
    expect(body.text).toMatch(/^Run r-[a-z0-9]+ queued: test acme/);
    const runId = /Run (r-[a-z0-9]+)/.exec(body.text)![1]!;
    expect(await queued()).toBe(1);
    expect(await runKeys()).toEqual([`${prefix}:run:${runId}`]);
    const job = await bot.web!.queues.runs.getJob(runId);
    expect(job?.data).toEqual({ runId });
    const run = await bot.web!.runs.get(runId);
    expect(run).toMatchObject({
      kind: 'test',
      connector: 'acme',
      state: 'queued',
      requestedBy: { id: OPERATOR },
    });
    await job!.remove();
  });

  it('the Slack link form reaches the run as a plain URL', async () => {
    const body = await send('test --jira <https://acme.atlassian.net|acme.atlassian.net>', OPERATOR);
    const runId = /Run (r-[a-z0-9]+)/.exec(body.text)?.[1];
    expect(runId).toBeDefined();
    const run = await bot.web!.runs.get(runId!);
    expect(run?.params).toEqual({ adhoc: { jira: 'https://acme.atlassian.net' } });
    await (await bot.web!.queues.runs.getJob(runId!))?.remove();
  });

  it('a user on neither list is refused, nothing is enqueued, and the denial is audited', async () => {
    const before = (await runKeys()).length;
    const body = await send('test acme', 'UNOBODY');
    expect(body.text).toMatch(/Only Align Bot operators may use test/);
    expect(await queued()).toBe(0);
    expect((await runKeys()).length).toBe(before);
    const denial = await waitFor(
      async () => (await bot.web!.audit.recent({ limit: 50 })).find((e) => e.actor === 'UNOBODY'),
      { what: 'audited denial' },
    );
    expect(denial).toMatchObject({ actor: 'UNOBODY', action: 'test', outcome: 'denied', connector: 'acme' });
  });

  it('an operator is refused an admin verb, audited as well', async () => {
    const body = await send('rotate acme', OPERATOR);
    expect(body.text).toMatch(/Only Align Bot admins may use rotate/);
    const denial = await waitFor(
      async () =>
        (await bot.web!.audit.recent({ limit: 50 })).find(
          (e) => e.actor === OPERATOR && e.action === 'rotate',
        ),
      { what: 'audited admin denial' },
    );
    expect(denial.outcome).toBe('denied');
    expect(await queued()).toBe(0);
  });

  it('anyone may ask for help', async () => {
    const body = await send('help', 'UNOBODY');
    expect(body.text).toContain('/align test');
  });
});
