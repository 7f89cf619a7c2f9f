/**
 * fast-check arbitraries for MessageViews whose every string position holds untrusted text (test/helpers/
 * hostile.ts), for the renderer property tests. Ids the bot itself writes (action ids, block ids) stay unique
 * within a view, as the bot keeps them; user ids and link URLs are fuzzed too.
 */
import fc from 'fast-check';
import type { Block, Button, ChecklistItem, Inline, MessageView } from '../../src/core/views/view.js';
import { hostileText } from './hostile.js';

const STATUSES = ['pending', 'running', 'waiting', 'pass', 'warn', 'fail', 'skip'] as const;

export const untrusted = hostileText({ long: 4000 });
const short = hostileText({ maxParts: 4, long: 300 });

/** Links as the bot writes them (http(s)) and as untrusted data could make them. */
export const linkUrl = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://evil.example/x|<!channel>',
    'https://a.example/<@U0123ABCD>',
    'https://a.example/a&b>c',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'mailto:bob@evil.example',
    'HTTPS://UPPER.example/',
    'https://',
    '//evil.example/x',
  ),
  short,
);

export const userId = fc.oneof(
  fc.stringMatching(/^[UW][A-Z0-9]{2,20}$/),
  fc.constantFrom('29:1approver-a', '8f3c2a1e-0000-4000-8000-00000000a001', 'deadline', '!channel', 'U123>'),
  short,
);

export const inline: fc.Arbitrary<Inline> = fc.oneof(
  { weight: 4, arbitrary: untrusted },
  { weight: 1, arbitrary: untrusted.map((b) => ({ b })) },
  { weight: 1, arbitrary: untrusted.map((code) => ({ code })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ link: linkUrl, label: short }, { requiredKeys: ['link'] })
      .map((l) => (l.label === undefined ? { link: l.link } : { link: l.link, label: l.label })),
  },
  { weight: 1, arbitrary: userId.map((user) => ({ user })) },
);

export const inlines = fc.array(inline, { maxLength: 6 });

const confirm = fc.record({ title: short, text: untrusted, yes: short, no: short });

const button = (action: string): fc.Arbitrary<Button> =>
  fc
    .record(
      {
        label: short,
        value: short,
        style: fc.constantFrom('primary' as const, 'danger' as const),
        confirm,
        url: linkUrl,
      },
      { requiredKeys: ['label', 'value'] },
    )
    .map((b) => ({ action, ...b }));

const actions = (blockIndex: number): fc.Arbitrary<Block> =>
  fc
    .nat({ max: 30 })
    .chain((n) =>
      fc
        .tuple(...Array.from({ length: n }, (_, i) => button(`align.act-${blockIndex}-${i}`)))
        .map((buttons) => ({ type: 'actions' as const, id: `ask-${blockIndex}`, buttons })),
    );

const checklistItem: fc.Arbitrary<ChecklistItem> = fc.record(
  { status: fc.constantFrom(...STATUSES), title: untrusted, note: inlines },
  { requiredKeys: ['status', 'title'] },
);

const block = (index: number): fc.Arbitrary<Block> =>
  fc.oneof(
    untrusted.map((text) => ({ type: 'header' as const, text })),
    inlines.map((text) => ({ type: 'text' as const, text })),
    inlines.map((text) => ({ type: 'context' as const, text })),
    fc
      .array(fc.record({ label: short, value: inlines }), { maxLength: 25 })
      .map((fields) => ({ type: 'fields' as const, fields })),
    fc.array(checklistItem, { maxLength: 80 }).map((items) => ({ type: 'checklist' as const, items })),
    fc
      .record({ label: short, text: untrusted }, { requiredKeys: ['text'] })
      .map((c) => ({ type: 'code' as const, ...c })),
    actions(index),
    fc.constant({ type: 'divider' as const }),
  );

export const hostileView: fc.Arbitrary<MessageView> = fc
  .nat({ max: 60 })
  .chain((n) =>
    fc
      .tuple(untrusted, fc.tuple(...Array.from({ length: n }, (_, i) => block(i))))
      .map(([text, blocks]) => ({ text, blocks })),
  );

/** Every {link} URL and link-button URL in a view; every {user} id. */
export function viewLinks(view: MessageView): { links: string[]; buttonUrls: string[]; users: string[] } {
  const links: string[] = [];
  const users: string[] = [];
  const buttonUrls: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    if (typeof node.link === 'string') links.push(node.link);
    if (typeof node.user === 'string') users.push(node.user);
    if (typeof node.action === 'string' && typeof node.url === 'string') buttonUrls.push(node.url);
    Object.values(node).forEach(visit);
  };
  visit(view.blocks);
  return { links, buttonUrls, users };
}
