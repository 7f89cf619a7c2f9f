/**
 * Property tests of the Teams card renderer (src/chat/teams/cards*.ts, invoke-response.ts; issue 12 item 6):
 * whatever untrusted text sits in any position of a MessageView (and in display names and refresh ids), the card
 * validates clean with Microsoft's `adaptivecards` package at 1.5 and survives its serializer unchanged, stays
 * within CARD_LIMITS.bytes, and keeps the text inert: no TextBlock or FactSet (markdown), no `msteams` or
 * `entities` (mentions), no Action.OpenUrl or link but the view's own http(s) URLs, no verb but the buttons'.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CARD_LIMITS, cardSize } from '../src/chat/teams/card-json.js';
import { type CardOptions, CUT_NOTE, REFRESH_VERB, renderCard } from '../src/chat/teams/cards.js';
import { PRIVATE_NOTE, privateAnswerCard } from '../src/chat/teams/invoke-response.js';
import type { MessageView } from '../src/core/views/view.js';
import { reserialized, validationEvents } from './helpers/adaptive-cards.js';
import { hostileText } from './helpers/hostile.js';
import { hostileView, viewLinks } from './helpers/hostile-views.js';

const SEED = 0x12_06_06;
const NUM_RUNS = 100;

function nodes(value: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (!value || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  return [node, ...Object.values(node).flatMap(nodes)];
}

function httpHref(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The first path where two JSON values differ: short, so a failing case over a 28 KB card reports fast. */
function firstDifference(a: unknown, b: unknown, path = 'card'): string | undefined {
  if (a === b) return undefined;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b))
    return `${path}: ${JSON.stringify(a)?.slice(0, 120)} became ${JSON.stringify(b)?.slice(0, 120)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const difference = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (difference) return difference;
  }
  return undefined;
}

function expectValidAndInert(card: unknown, views: MessageView[], extraVerbs: string[] = []) {
  expect(validationEvents(card)).toEqual([]);
  expect(firstDifference(card, reserialized(card)), 'the serializer changed the card').toBeUndefined();
  expect(cardSize(card).utf8).toBeLessThanOrEqual(CARD_LIMITS.bytes);

  const all = nodes(card);
  const types = new Set(all.map((n) => n.type));
  expect(types.has('TextBlock'), 'TextBlock parses markdown').toBe(false);
  expect(types.has('FactSet'), 'FactSet parses markdown').toBe(false);
  for (const node of all) {
    expect(Object.keys(node)).not.toContain('msteams');
    expect(Object.keys(node)).not.toContain('entities');
  }

  const allowedUrls = new Set<string>();
  const verbs = new Set<string>([REFRESH_VERB, ...extraVerbs]);
  for (const view of views) {
    const { links, buttonUrls } = viewLinks(view);
    for (const url of [...links, ...buttonUrls]) {
      const href = httpHref(url);
      if (href) allowedUrls.add(href);
    }
    for (const node of nodes(view.blocks)) if (typeof node.action === 'string') verbs.add(node.action);
  }
  for (const node of all) {
    if (node.type === 'Action.OpenUrl')
      expect(allowedUrls.has(String(node.url)), String(node.url)).toBe(true);
    if (node.type === 'Action.Execute') expect(verbs.has(String(node.verb)), String(node.verb)).toBe(true);
    if (node.type === 'Action.Submit' || node.type === 'Action.ToggleVisibility')
      throw new Error(`unexpected ${node.type}`);
    if (node.type === 'TextRun' && node.selectAction)
      expect((node.selectAction as { type: string }).type).toBe('Action.OpenUrl');
    if (typeof node.url === 'string' && node.type !== 'Action.OpenUrl')
      throw new Error(`a url outside Action.OpenUrl: ${node.type}`);
  }
}

const names = fc.dictionary(hostileText({ maxParts: 3, long: 200 }), hostileText({ maxParts: 3, long: 300 }));
const options = fc
  .record(
    {
      names,
      // Refresh ids are Teams user MRIs and the value one of our button values: not untrusted text.
      refresh: fc.record({
        userIds: fc.array(
          fc.oneof(
            fc.stringMatching(/^29:[A-Za-z0-9_-]{10,60}$/),
            fc.constantFrom('', ' ', '29:dup', '29:dup'),
          ),
          { maxLength: 80 },
        ),
        value: fc.stringMatching(/^r-[a-z0-9]{10}\|[a-z-]{1,20}\|[0-9]$/),
      }),
    },
    { requiredKeys: ['names'] },
  )
  .map(
    ({ names: known, refresh }): CardOptions => ({
      userName: (id: string) => (Object.hasOwn(known, id) ? known[id] : undefined),
      ...(refresh ? { refresh } : {}),
    }),
  );

describe('Teams cards on untrusted views', () => {
  it('renderCard: valid at 1.5, within the size limit, inert', () => {
    fc.assert(
      fc.property(hostileView, options, (view, opts) => {
        expectValidAndInert(renderCard(view, opts), [view]);
      }),
      { seed: SEED, numRuns: NUM_RUNS, interruptAfterTimeLimit: 12_000 },
    );
  });

  it('privateAnswerCard: an untrusted answer over an untrusted clicked card', () => {
    fc.assert(
      fc.property(
        hostileView,
        fc.option(hostileView, { nil: undefined }),
        names,
        (answer, original, known) => {
          const card = privateAnswerCard(answer, {
            userName: (id) => (Object.hasOwn(known, id) ? known[id] : undefined),
            ...(original ? { original } : {}),
          });
          expect(card.refresh).toBeUndefined();
          expectValidAndInert(card, original ? [answer, original] : [answer]);
        },
      ),
      { seed: SEED, numRuns: NUM_RUNS, interruptAfterTimeLimit: 12_000 },
    );
  });
});

describe('counterexamples the properties found (each failed before the fix)', () => {
  it('a field with an empty value keeps a Column item (the serializer drops an empty Column)', () => {
    const view: MessageView = {
      text: 'x',
      blocks: [{ type: 'fields', fields: [{ label: 'Owner', value: [] }] }],
    };
    expectValidAndInert(renderCard(view), [view]);
  });

  it('buttons that alone pass the size limit: the last ones go, behind the note', () => {
    const buttons = Array.from({ length: 40 }, (_, i) => ({
      action: `align.b${i}`,
      label: `Button ${i}`,
      value: `r-x|s|${i}`,
      confirm: { title: 'Sure?', text: 'y'.repeat(1000), yes: 'Yes', no: 'No' },
    }));
    const view: MessageView = { text: 'x', blocks: [{ type: 'actions', id: 'a', buttons }] };
    const card = renderCard(view);
    expectValidAndInert(card, [view]);
    expect(nodes(card).filter((n) => n.type === 'Action.ShowCard').length).toBeGreaterThan(10);
    expect(JSON.stringify(card)).toContain(CUT_NOTE);
  });

  it('a private answer larger than a card is cut, and keeps its note', () => {
    const answer: MessageView = {
      text: 'x',
      blocks: Array.from({ length: 20 }, () => ({ type: 'text' as const, text: ['z'.repeat(3000)] })),
    };
    const card = privateAnswerCard(answer, { original: answer });
    expectValidAndInert(card, [answer]);
    expect(JSON.stringify(card)).toContain(PRIVATE_NOTE);
  });
});
