/**
 * fast-check arbitraries for untrusted text: whole-Unicode strings (lone surrogates and control characters
 * included) mixed with the fragments attackers and careless pastes bring — Slack control sequences, markdown,
 * HTML, entities, quotes — and the occasional very long run. Shared by the property tests (test/props-*.test.ts).
 */
import fc from 'fast-check';

/** Fragments that mean something to Slack mrkdwn, Teams markdown/HTML, the command tokenizer or a shell. */
export const FRAGMENTS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0123ABC|@admins>',
  '<@U0123ABCD>',
  '<@W0123ABCD|bob>',
  '<#C0123ABCD>',
  '<#C0123ABCD|general>',
  '<https://evil.example/x|click here>',
  '<https://evil.example/y>',
  '<mailto:bob@evil.example|bob>',
  '<at>Everyone</at>',
  '<a href="https://evil.example/a">a</a>',
  '<script>alert(1)</script>',
  '[click](https://evil.example/md)',
  'https://evil.example/bare',
  '&amp;',
  '&lt;!channel&gt;',
  '&#60;',
  '&',
  '<',
  '>',
  '|',
  '*bold*',
  '_it_',
  '~strike~',
  '`code`',
  '```block```',
  '**md**',
  '# heading',
  '{{x}}',
  '"',
  "'",
  '\u201C',
  '\u201D',
  '\u2018',
  '\u2019',
  '\\',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\u200B',
  '\u202E',
  '\uFEFF',
  '\uD83D',
  '\uDE00',
  '😀',
  '👩‍👩‍👧',
  'é',
  '\u0301',
  'İ',
  '--jira',
  '--',
  '-',
  '@here',
  '@channel',
  '%00',
  '%E0%A4%A',
  '../',
];

export const fragment = fc.constantFrom(...FRAGMENTS);

/** Any string: full Unicode code units (lone surrogates included), with control characters. */
export const anyText = fc.string({ unit: 'binary', maxLength: 40 });

/** Untrusted text: fragments and arbitrary strings joined, now and then one long repeated run. */
export function hostileText(options: { maxParts?: number; long?: number } = {}): fc.Arbitrary<string> {
  const long = options.long ?? 5000;
  const part = fc.oneof(
    { weight: 4, arbitrary: fragment },
    { weight: 3, arbitrary: anyText },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.oneof(fragment, fc.string({ minLength: 1, maxLength: 3 })),
          fc.integer({ min: 1, max: long }),
        )
        .map(([s, n]) => s.repeat(Math.ceil(n / Math.max(1, s.length)))),
    },
  );
  return fc.array(part, { maxLength: options.maxParts ?? 8 }).map((parts) => parts.join(''));
}

/** Slack mrkdwn control sequences: anything between < and > that Slack would interpret. */
export function slackControlSequences(mrkdwn: string): string[] {
  return mrkdwn.match(/<[^<>]*>/g) ?? [];
}

/** Whether a string has a lone UTF-16 surrogate (invalid once encoded as UTF-8). */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
