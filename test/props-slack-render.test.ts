/**
 * Property tests of the Slack renderer (src/chat/slack/render.ts, issue 12 item 6): whatever untrusted text sits in
 * any position of a MessageView, renderSlack returns Block Kit that the simulator's checker accepts
 * (src/sandbox/block-kit-limits.ts), every mrkdwn object is verbatim, and the only control sequences in mrkdwn are
 * the view's own {user} mentions and {link} links: no <!here>/<!channel>, no <#C…>, no forged link, no stray < or >,
 * and every & starts an entity. Cutting text to a limit never splits an entity, a link or a surrogate pair.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, renderSlack, type SlackMessage } from '../src/chat/slack/render.js';
import type { MessageView } from '../src/core/views/view.js';
import { checkBlockKit } from '../src/sandbox/block-kit-limits.js';
import { hasLoneSurrogate } from './helpers/hostile.js';
import { hostileView, inlines, viewLinks } from './helpers/hostile-views.js';

const SEED = 0x12_06_05;
/** A failing run, shrinking included, reports within this time (fast-check stops and prints what it has). */
const BOUNDED = { interruptAfterTimeLimit: 10_000 };

/** Every object of a rendered message, depth first. */
function nodes(value: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (!value || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  return [node, ...Object.values(node).flatMap(nodes)];
}

/** What Slack reads as markup: mrkdwn text objects, and the top-level text (mrkdwn too). */
function mrkdwnTexts(message: SlackMessage): string[] {
  const objects = nodes(message.blocks).filter((n) => n.type === 'mrkdwn');
  for (const object of objects) expect(object.verbatim, 'mrkdwn must be verbatim').toBe(true);
  return [message.text, ...objects.map((o) => String(o.text))];
}

const MENTION = /<@([UW][A-Z0-9]+)>/g;
const LINK = /<(https?:\/\/[^|<>]*)(?:\|[^<>]*)?>/g;
const ENTITY = /&(?:amp|lt|gt);/g;

function expectInert(text: string, view: MessageView) {
  const { links, users } = viewLinks(view);
  for (const [, id] of text.matchAll(MENTION)) expect(users, `mention of ${id}`).toContain(id);
  const allowedUrls = new Set(
    links.filter((l) => /^https?:\/\//.test(l)).map((l) => escapeMrkdwn(l).replace(/\|/g, '%7C')),
  );
  for (const [, url] of text.matchAll(LINK)) expect(allowedUrls.has(url!), `link to ${url}`).toBe(true);
  const rest = text.replace(MENTION, '').replace(LINK, '');
  expect(rest, 'a stray < or > (a control sequence, or one cut open)').not.toMatch(/[<>]/);
  expect(rest.replace(ENTITY, ''), 'an & that starts no entity (an entity cut by truncation?)').not.toContain(
    '&',
  );
}

/** Every string in a value, depth first (JSON.stringify would escape lone surrogates). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (!value || typeof value !== 'object') return [];
  return Object.values(value).flatMap(strings);
}

function expectNoNewLoneSurrogate(message: SlackMessage, view: MessageView) {
  if (strings(view).some(hasLoneSurrogate)) return;
  for (const s of strings(message)) expect(hasLoneSurrogate(s), 'a surrogate pair was cut').toBe(false);
}

function check(view: MessageView) {
  const message = renderSlack(view);
  expect(checkBlockKit(message.blocks)).toBeUndefined();
  expect(message.text.length).toBeLessThanOrEqual(3000);
  for (const text of mrkdwnTexts(message)) expectInert(text, view);
  expectNoNewLoneSurrogate(message, view);
}

describe('renderSlack on untrusted views', () => {
  it('any view: within Block Kit limits, inert, nothing cut open', () => {
    fc.assert(
      fc.property(hostileView, (view) => check(view)),
      { seed: SEED, numRuns: 300, ...BOUNDED },
    );
  });

  it('one block of inline content at the size limits', () => {
    // Long inline runs cut at the section limit: entities, links and emoji must survive the cut.
    const unit = fc.constantFrom('&', '<', '>', '😀', 'a', '<!channel>', '&amp;');
    const long = fc
      .tuple(unit, fc.integer({ min: 500, max: 3100 }), fc.nat({ max: 5 }))
      .map(([u, n, offset]) => `${'x'.repeat(offset)}${u.repeat(n)}`);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            long,
            long.map((b) => ({ b })),
            long.map((code) => ({ code })),
          ),
          { maxLength: 3 },
        ),
        inlines,
        fc.constantFrom('text', 'context', 'code', 'header', 'fields', 'checklist'),
        (runs, extra, type) => {
          const content = [...runs, ...extra];
          const text = content.map((i) => (typeof i === 'string' ? i : 'b' in i ? i.b : 'x')).join('');
          const blocks: MessageView['blocks'] = [
            type === 'code'
              ? { type: 'code', label: text.slice(0, 50), text }
              : type === 'header'
                ? { type: 'header', text }
                : type === 'fields'
                  ? { type: 'fields', fields: [{ label: text.slice(0, 100), value: content }] }
                  : type === 'checklist'
                    ? { type: 'checklist', items: [{ status: 'fail', title: text, note: content }] }
                    : { type, text: content },
          ];
          check({ text, blocks });
        },
      ),
      { seed: SEED, numRuns: 600, ...BOUNDED },
    );
  });
});

describe('counterexamples the properties found (each failed before the fix)', () => {
  it('a code block of 1,000 "&": cut after escaping, closing ``` kept, no entity cut open', () => {
    const message = renderSlack({ text: 'x', blocks: [{ type: 'code', text: '&'.repeat(1000) }] });
    const text = String((message.blocks[0]!.text as { text: string }).text);
    expect(text.endsWith('…```')).toBe(true);
    expect(text.replace(/&amp;/g, '')).toBe('```…```');
  });

  it('a field label of "&"s cut at the field limit keeps whole entities', () => {
    check({
      text: '&'.repeat(700),
      blocks: [{ type: 'fields', fields: [{ label: '&'.repeat(450), value: [] }] }],
    });
  });

  it('a link cut at the section limit is dropped, not left open', () => {
    const blocks: MessageView['blocks'] = [
      { type: 'text', text: ['a'.repeat(2990), { link: 'https://acme.example/x', label: 'acme' }] },
    ];
    const text = String((renderSlack({ text: 'x', blocks }).blocks[0]!.text as { text: string }).text);
    expect(text).toBe(`${'a'.repeat(2990)}…`);
  });

  it('an emoji at the cut is not split', () => {
    const message = renderSlack({
      text: '😀'.repeat(2000),
      blocks: [{ type: 'header', text: '😀'.repeat(100) }],
    });
    expect(strings(message).filter(hasLoneSurrogate)).toEqual([]);
  });

  it('empty fields and actions blocks are left out (Slack refuses them)', () => {
    const message = renderSlack({
      text: 'x',
      blocks: [
        { type: 'fields', fields: [] },
        { type: 'actions', id: 'a', buttons: [] },
      ],
    });
    expect(message.blocks).toEqual([]);
  });
});
