/**
 * Property tests of the command grammar (src/core/commands.ts, issue 12 item 6): any text gives a Command or a
 * UsageError with a short message, never another exception; what it returns is well formed; LIMITS hold; and
 * every valid command, written in any of the forms the grammar documents (verb case, quote styles, option order,
 * --opt=value, Slack's <url|label> and <mailto:…> link forms), parses back to itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unwrapSlackLinks } from '../src/chat/slack/text.js';
import { AUTH_TYPES, type Command, LIMITS, parseCommand, UsageError, VERBS } from '../src/core/commands.js';
import { anyText, fragment, hostileText } from './helpers/hostile.js';

const SEED = 0x12_06_01;
/** A failing run, shrinking included, reports within this time (fast-check stops and prints what it has). */
const BOUNDED = { interruptAfterTimeLimit: 10_000 };

type Outcome = { ok: true; command: Command } | { ok: false; error: UsageError };

function outcome(text: string): Outcome {
  try {
    return { ok: true, command: parseCommand(unwrapSlackLinks(text)) };
  } catch (error) {
    if (error instanceof UsageError) return { ok: false, error };
    throw error;
  }
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function expectHttpBase(url: string) {
  const parsed = new URL(url);
  expect(['http:', 'https:']).toContain(parsed.protocol);
  expect(parsed.username + parsed.password + parsed.search + parsed.hash).toBe('');
  expect(url.length).toBeLessThanOrEqual(LIMITS.url * 3); // URL normalization may percent-encode
}

/** What any returned Command must look like, whatever the input was. */
function expectWellFormed(command: Command) {
  expect(VERBS).toContain(command.verb);
  if ('name' in command && command.name !== undefined) expect(command.name).toMatch(NAME);
  switch (command.verb) {
    case 'connect':
      expectHttpBase(command.jira);
      expectHttpBase(command.align);
      expect(AUTH_TYPES).toContain(command.auth);
      if (command.project !== undefined) expect(command.project).toMatch(/^[A-Z][A-Z0-9_]{1,9}$/);
      break;
    case 'test':
      if ('adhoc' in command) {
        expectHttpBase(command.adhoc.jira);
        if (command.adhoc.align !== undefined) expectHttpBase(command.adhoc.align);
      }
      break;
    case 'cancel':
      expect(command.runId).toMatch(/^r-[a-z0-9]{6,32}$/);
      break;
    case 'report':
      if (command.action === 'schedule') {
        expect(command.cron.split(/\s+/).length).toBeGreaterThanOrEqual(5);
        expect(command.cron.length).toBeLessThanOrEqual(LIMITS.argument);
      }
      break;
    default:
      break;
  }
}

function expectShortUsage(error: UsageError) {
  expect(error.code).toBe('USAGE');
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.message.length).toBeLessThanOrEqual(300);
  if (error.verb !== undefined) expect(VERBS).toContain(error.verb);
}

const WORDS = [
  ...VERBS,
  ...VERBS.map((v) => v.toUpperCase()),
  'acme',
  'now',
  'off',
  'list',
  'schedule',
  '--jira',
  '--align',
  '--auth',
  '--dc',
  '--project',
  '--email',
  '--tz',
  '--only-changes',
  '--jira=',
  '--auth=basic',
  '-j',
  '-',
  '--',
  '---',
  'https://acme.atlassian.net',
  'http://x',
  'https://u:p@acme.atlassian.net',
  'https://acme.atlassian.net/?q=1#f',
  'javascript:alert(1)',
  '<https://acme.atlassian.net|acme.atlassian.net>',
  '<https://acme.atlassian.net>',
  '<mailto:svc@acme.example|svc@acme.example>',
  '<https://a|b',
  'r-8f2k1x9q',
  '"0 9 * * 1-5"',
  'Europe/Berlin',
  'Not/AZone',
  '__proto__',
  'constructor',
  'toString',
];

/** Text shaped like commands: grammar words, hostile fragments and arbitrary strings, separated by whitespace. */
const commandish = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...WORDS) },
      { weight: 2, arbitrary: fragment },
      { weight: 2, arbitrary: anyText },
    ),
    { maxLength: 12 },
  )
  .chain((tokens) =>
    fc
      .array(fc.constantFrom(' ', '  ', '\t', '\n', '\u00A0', '\u3000', ''), {
        minLength: tokens.length,
        maxLength: tokens.length,
      })
      .map((seps) => tokens.map((t, i) => `${seps[i]}${t}`).join('')),
  );

describe('any text → a Command or a UsageError', () => {
  it('arbitrary strings (full Unicode, control characters, lone surrogates)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const result = outcome(text);
        if (result.ok) expectWellFormed(result.command);
        else expectShortUsage(result.error);
      }),
      { seed: SEED, numRuns: 1500, ...BOUNDED },
    );
  });

  it('text shaped like commands, with quotes, Slack link forms and hostile fragments', () => {
    fc.assert(
      fc.property(commandish, (text) => {
        const result = outcome(text);
        if (result.ok) expectWellFormed(result.command);
        else expectShortUsage(result.error);
      }),
      { seed: SEED, numRuns: 3000, ...BOUNDED },
    );
  });

  it('hostile text after each verb', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VERBS), hostileText({ long: 3000 }), (verb, rest) => {
        const result = outcome(`${verb} ${rest}`);
        if (result.ok) expectWellFormed(result.command);
        else expectShortUsage(result.error);
      }),
      { seed: SEED, numRuns: 1500, ...BOUNDED },
    );
  });
});

describe('LIMITS', () => {
  it(`text over ${LIMITS.text} characters is refused before anything else`, () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.integer({ min: LIMITS.text + 1, max: 3 * LIMITS.text }),
        (unit, length) => {
          const text = `test ${unit.repeat(Math.ceil(length / unit.length))}`.slice(0, length);
          const result = outcome(text);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.error.message).toMatch(/too long/);
        },
      ),
      { seed: SEED, numRuns: 200, ...BOUNDED },
    );
  });

  // A URL over LIMITS.url cannot fit in LIMITS.text today; either limit refuses it.
  it(`an argument over ${LIMITS.argument} characters (a URL: over ${LIMITS.url}) is refused`, () => {
    const token = fc.oneof(
      fc.integer({ min: LIMITS.argument + 1, max: 1500 }).map((n) => 'a'.repeat(n)),
      fc
        .integer({ min: LIMITS.url + 1, max: 2 * LIMITS.url })
        .map((n) => `https://acme.atlassian.net/${'p'.repeat(n - 27)}`),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('test', 'test --jira', 'connect acme --jira', 'report schedule', 'cancel', 'help'),
        token,
        fc.constantFrom('', '"', "'"),
        (head, long, quote) => {
          const result = outcome(`${head} ${quote}${long}${quote}`);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.error.message).toMatch(/too long/);
        },
      ),
      { seed: SEED, numRuns: 300, ...BOUNDED },
    );
  });
});

// ---- Round trip: valid commands written in the documented forms ----

interface Written {
  expected: Command;
  /** Tokens before joining; options as [flag, value] pairs so they can be shuffled. */
  head: string[];
  positionals: string[];
  options: Array<[string, string | undefined]>;
}

const mixedCase = (s: string) => fc.mixedCase(fc.constant(s));
const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/);
const pathSegment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
const rawUrl = fc
  .record({
    scheme: fc.constantFrom('https', 'http', 'HTTPS'),
    host: fc.domain(),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    path: fc.array(pathSegment, { maxLength: 3 }),
    slash: fc.boolean(),
  })
  .map(
    ({ scheme, host, port, path, slash }) =>
      `${scheme}://${host}${port ? `:${port}` : ''}${path.map((p) => `/${p}`).join('')}${slash ? '/' : ''}`,
  );
const baseOf = (raw: string) => {
  const url = new URL(raw);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
};
const runId = fc.stringMatching(/^r-[a-z0-9]{6,32}$/);
const email = fc
  .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}$/), fc.domain())
  .map(([local, domain]) => `${local}@${domain}`);
const cronField = fc.constantFrom('*', '0', '9', '1-5', '*/5', '0,30', '15', 'MON-FRI');
const cron = fc.array(cronField, { minLength: 5, maxLength: 6 }).map((f) => f.join(' '));
const timeZone = fc.constantFrom(...Intl.supportedValuesOf('timeZone'), 'UTC');

/** How a URL may arrive: as typed, or linked by the Slack client. */
const urlForm = (raw: string) =>
  fc.constantFrom(raw, `<${raw}>`, `<${raw}|${raw.replace(/^https?:\/\//i, '')}>`);
const emailForm = (address: string) => fc.constantFrom(address, `<mailto:${address}|${address}>`);

/** A value with no whitespace, as typed or wrapped in any quote style the tokenizer documents. */
const quoted = (value: string) =>
  fc.constantFrom(value, `"${value}"`, `'${value}'`, `\u201C${value}\u201D`, `\u2018${value}\u2019`);
/** A value with spaces must be quoted. */
const spaced = (value: string) => fc.constantFrom(`"${value}"`, `'${value}'`, `\u201C${value}\u201D`);

const connect = fc
  .record({
    name,
    jira: rawUrl,
    align: rawUrl,
    auth: fc.option(fc.constantFrom(...AUTH_TYPES), { nil: undefined }),
    email: fc.option(email, { nil: undefined }),
    dc: fc.boolean(),
    project: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{1,9}$/), { nil: undefined }),
  })
  .map((c) => (c.auth === 'basic' && !c.email ? { ...c, email: 'svc@acme.example' } : c))
  .chain((c) =>
    fc
      .tuple(
        mixedCase('connect'),
        quoted(c.name),
        urlForm(c.jira),
        urlForm(c.align),
        c.auth ? mixedCase(c.auth) : fc.constant(undefined),
        c.email ? emailForm(c.email) : fc.constant(undefined),
      )
      .map(
        ([verb, n, jira, align, auth, mail]): Written => ({
          expected: {
            verb: 'connect',
            name: c.name.toLowerCase(),
            jira: baseOf(c.jira),
            align: baseOf(c.align),
            auth: c.auth ?? 'oauth',
            dc: c.dc,
            ...(c.project ? { project: c.project.toUpperCase() } : {}),
            ...(c.email ? { email: c.email } : {}),
          } as Command,
          head: [verb],
          positionals: [n],
          options: [
            ['--jira', jira],
            ['--align', align],
            ...(auth ? [['--auth', auth] as [string, string]] : []),
            ...(mail ? [['--email', mail] as [string, string]] : []),
            ...(c.dc ? [['--dc', undefined] as [string, undefined]] : []),
            ...(c.project ? [['--project', c.project] as [string, string]] : []),
          ],
        }),
      ),
  );

const testNamed = fc.tuple(mixedCase('test'), name).chain(([verb, n]) =>
  quoted(n).map(
    (q): Written => ({
      expected: { verb: 'test', name: n.toLowerCase() },
      head: [verb],
      positionals: [q],
      options: [],
    }),
  ),
);

const testAdhoc = fc
  .record({ jira: rawUrl, align: fc.option(rawUrl, { nil: undefined }) })
  .chain(({ jira, align }) =>
    fc.tuple(mixedCase('test'), urlForm(jira), align ? urlForm(align) : fc.constant(undefined)).map(
      ([verb, j, a]): Written => ({
        expected: {
          verb: 'test',
          adhoc: { jira: baseOf(jira), ...(align ? { align: baseOf(align) } : {}) },
        },
        head: [verb],
        positionals: [],
        options: [['--jira', j], ...(a ? [['--align', a] as [string, string]] : [])],
      }),
    ),
  );

const rotate = fc
  .tuple(mixedCase('rotate'), name, fc.option(fc.constantFrom(...AUTH_TYPES), { nil: undefined }))
  .chain(([verb, n, auth]) =>
    fc.tuple(quoted(n), auth ? mixedCase(auth) : fc.constant(undefined)).map(
      ([q, a]): Written => ({
        expected: auth
          ? { verb: 'rotate', name: n.toLowerCase(), auth }
          : { verb: 'rotate', name: n.toLowerCase() },
        head: [verb],
        positionals: [q],
        options: a ? [['--auth', a]] : [],
      }),
    ),
  );

const optionalName = (verb: 'status' | 'audit') =>
  fc.tuple(mixedCase(verb), fc.option(name, { nil: undefined })).map(
    ([v, n]): Written => ({
      expected: n ? { verb, name: n.toLowerCase() } : { verb },
      head: [v],
      positionals: n ? [n] : [],
      options: [],
    }),
  );

const simple = fc.oneof(
  fc.constant<Written>({ expected: { verb: 'help' }, head: [], positionals: [], options: [] }),
  fc.tuple(mixedCase('help'), fc.option(fc.constantFrom(...VERBS), { nil: undefined })).chain(([v, topic]) =>
    (topic ? mixedCase(topic) : fc.constant(undefined)).map(
      (t): Written => ({
        expected: topic ? { verb: 'help', topic } : { verb: 'help' },
        head: [v],
        positionals: t ? [t] : [],
        options: [],
      }),
    ),
  ),
  mixedCase('list').map(
    (v): Written => ({ expected: { verb: 'list' }, head: [v], positionals: [], options: [] }),
  ),
  fc.tuple(mixedCase('report'), fc.constantFrom('now' as const, 'off' as const, 'list' as const)).map(
    ([v, action]): Written => ({
      expected: { verb: 'report', action },
      head: [v, action],
      positionals: [],
      options: [],
    }),
  ),
  fc.tuple(mixedCase('cancel'), runId).map(
    ([v, id]): Written => ({
      expected: { verb: 'cancel', runId: id },
      head: [v],
      positionals: [id],
      options: [],
    }),
  ),
);

const schedule = fc
  .record({
    verb: mixedCase('report'),
    cron,
    tz: fc.option(timeZone, { nil: undefined }),
    onlyChanges: fc.boolean(),
  })
  .chain((r) =>
    spaced(r.cron).map(
      (c): Written => ({
        expected: {
          verb: 'report',
          action: 'schedule',
          cron: r.cron,
          ...(r.tz ? { tz: r.tz } : {}),
          onlyChanges: r.onlyChanges,
        },
        head: [r.verb, 'schedule'],
        positionals: [c],
        options: [
          ...(r.tz ? [['--tz', r.tz] as [string, string]] : []),
          ...(r.onlyChanges ? [['--only-changes', undefined] as [string, undefined]] : []),
        ],
      }),
    ),
  );

const written = fc.oneof(
  connect,
  testNamed,
  testAdhoc,
  rotate,
  optionalName('status'),
  optionalName('audit'),
  simple,
  schedule,
);

/** Joins a written command: options in any order, positionals anywhere among them, --opt=value or --opt value. */
const text = written.chain((w) =>
  fc
    .tuple(
      fc.shuffledSubarray([...w.positionals.map((p) => ({ p })), ...w.options.map((o) => ({ o }))], {
        minLength: w.positionals.length + w.options.length,
      }),
      fc.array(fc.boolean(), { minLength: w.options.length, maxLength: w.options.length }),
      fc.constantFrom(' ', '  ', '\t', ' \n '),
      fc.constantFrom('', ' ', '\n'),
    )
    .map(([order, equals, sep, pad]) => {
      let k = 0;
      const tokens = order.flatMap((item) => {
        if ('p' in item) return [item.p];
        const [flag, value] = item.o;
        if (value === undefined) return [flag];
        return equals[k++] && !value.startsWith('<') ? [`${flag}=${value}`] : [flag, value];
      });
      return { text: `${pad}${[...w.head, ...tokens].join(sep)}${pad}`, expected: w.expected };
    }),
);

describe('valid commands round-trip through the documented grammar', () => {
  it('parses every written form back to the command', () => {
    fc.assert(
      fc.property(text, ({ text, expected }) => {
        expect(parseCommand(unwrapSlackLinks(text))).toEqual(expected);
      }),
      { seed: SEED, numRuns: 3000, ...BOUNDED },
    );
  });
});
