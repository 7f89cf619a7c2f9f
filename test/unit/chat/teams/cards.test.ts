/**
 * MessageView → Adaptive Card for Teams (issue 10, "Rendering" and "Buttons and private answers"): every card the
 * renderer can produce validates with Microsoft's `adaptivecards` package at 1.5 without a single event, survives
 * its serializer unchanged (no property it does not know), stays under CARD_LIMITS.bytes, and keeps untrusted text
 * inert: no TextBlock or FactSet (markdown), no mention entity, no link but the view's own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AdaptiveCard,
  CARD_LIMITS,
  type CardJson,
  cardSize,
} from '../../../../src/chat/teams/card-json.js';
import {
  CUT_NOTE,
  cardAttachment,
  REFRESH_VERB,
  renderCard,
  summaryText,
} from '../../../../src/chat/teams/cards.js';
import {
  errorInvokeResponse,
  PRIVATE_NOTE,
  privateAnswer,
  privateAnswerCard,
  toastInvokeResponse,
} from '../../../../src/chat/teams/invoke-response.js';
import type { Block, Button, MessageView } from '../../../../src/core/views/view.js';
import { reserialized, validationEvents } from '../../../helpers/adaptive-cards.js';
import { guidedViews, privateAnswerViews } from '../../../helpers/teams-guided-views.js';
import {
  commandViews,
  failureViews,
  HOSTILE,
  type NamedView,
  reportViews,
  statusAndAuditViews,
  testRunViews,
} from '../../../helpers/teams-views.js';

const APPROVER_MRIS = ['29:1approver-a', '29:1approver-b'];

/** Every node of a card, depth first. */
function nodes(value: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (!value || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  return [node, ...Object.values(node).flatMap(nodes)];
}

function ofType(card: unknown, type: string): Array<Record<string, unknown>> {
  return nodes(card).filter((n) => n.type === type);
}

function texts(card: unknown): string {
  return ofType(card, 'TextRun')
    .map((r) => r.text)
    .join('');
}

function openUrls(card: unknown): string[] {
  return ofType(card, 'Action.OpenUrl').map((a) => String(a.url));
}

/** The URLs a view itself carries: its {link} inlines and link buttons. */
function viewUrls(view: MessageView): string[] {
  return nodes(view.blocks).flatMap((n) => {
    if (typeof n.link === 'string') return [n.link];
    if (typeof n.url === 'string') return [n.url];
    return [];
  });
}

function expectValid(card: AdaptiveCard, name: string) {
  expect(validationEvents(card), name).toEqual([]);
  expect(reserialized(card), name).toEqual(card);
  expect(cardSize(card).utf8, name).toBeLessThanOrEqual(CARD_LIMITS.bytes);
  expect(card.version).toBe('1.5');
  expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
}

function expectInert(card: unknown, view: MessageView | undefined, name: string) {
  const types = new Set(nodes(card).map((n) => n.type));
  expect(types.has('TextBlock'), `${name}: TextBlock parses markdown`).toBe(false);
  expect(types.has('FactSet'), `${name}: FactSet parses markdown`).toBe(false);
  expect(JSON.stringify(card), name).not.toContain('"msteams"');
  expect(JSON.stringify(card), name).not.toContain('"entities"');
  expect(openUrls(card).join(' '), name).not.toContain('evil.example');
  if (view) {
    const allowed = new Set(viewUrls(view).map((u) => new URL(u).href));
    for (const url of openUrls(card)) expect(allowed.has(url), `${name}: ${url}`).toBe(true);
  }
}

function render(named: NamedView): AdaptiveCard {
  return renderCard(
    named.view,
    named.approval ? { refresh: { userIds: APPROVER_MRIS, value: 'r-teams00001|approval|1' } } : {},
  );
}

describe('every card the renderer produces', () => {
  const groups: Record<string, NamedView[]> = {};
  const sizes: Array<[string, number]> = [];

  beforeAll(async () => {
    groups['test runs'] = testRunViews();
    groups.failures = failureViews();
    groups['connect and rotate asks'] = await guidedViews();
    groups.reports = reportViews();
    groups['help, usage and denials'] = await commandViews();
    groups['status and audit'] = statusAndAuditViews();
  });

  it.each([
    'test runs',
    'failures',
    'connect and rotate asks',
    'reports',
    'help, usage and denials',
    'status and audit',
  ])('%s: valid at 1.5, under the size limit, inert', (group) => {
    const views = groups[group]!;
    expect(views.length).toBeGreaterThan(0);
    for (const named of views) {
      const card = render(named);
      expectValid(card, named.name);
      expectInert(card, named.view, named.name);
      sizes.push([named.name, cardSize(card).utf8]);
    }
  });

  it('covers every ask of both runbooks, with approvals drawn for the approvers', () => {
    const names = groups['connect and rotate asks']!.map((v) => v.name);
    for (const step of ['service-account', 'align-connector', 'public-key', 'jira-link', 'verify-link'])
      expect(names.some((n) => n.includes(`connect oauth ${step} ask`))).toBe(true);
    for (const step of ['approval', 'new-credential', 'deactivate', 'update', 'activate', 'post-check'])
      expect(names.some((n) => n.includes(`rotate basic ${step} ask`))).toBe(true);
    const approval = groups['connect and rotate asks']!.find(
      (v) => v.approval && v.name.endsWith('step:approval:1'),
    )!;
    const card = render(approval);
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', verb: REFRESH_VERB, data: { value: 'r-teams00001|approval|1' } },
      userIds: APPROVER_MRIS,
    });
    const deny = ofType(card, 'Action.ShowCard')[0]!;
    expect(deny.title).toBe('Deny');
    expect(ofType(deny, 'Action.Execute')).toEqual([
      expect.objectContaining({ verb: 'align.deny', data: { value: 'r-teams00001|approval|1' } }),
    ]);
  });

  it('report pages need no cutting: the core already pages them', () => {
    const reports = groups.reports!;
    expect(reports.filter((v) => v.name.includes('page:')).length).toBeGreaterThan(5);
    for (const named of reports) expect(texts(render(named)), named.name).not.toContain(CUT_NOTE);
    const largest = Math.max(...sizes.filter(([n]) => n.startsWith('report')).map(([, s]) => s));
    console.log(`largest report card: ${largest} bytes UTF-8 of ${CARD_LIMITS.bytes}`);
    const [name, size] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(`largest card overall: ${name}, ${size} bytes; ${sizes.length} cards checked`);
  });
});

describe('private answers to a click', () => {
  it('refusals, notes and the form link validate over the clicked card, and alone', async () => {
    const { answers, original } = await privateAnswerViews();
    expect(answers.length).toBeGreaterThanOrEqual(8);
    for (const named of answers) {
      for (const card of [privateAnswerCard(named.view), privateAnswerCard(named.view, { original })]) {
        expectValid(card, named.name);
        expectInert(card, undefined, named.name);
        expect(card.refresh, 'a private card never asks Teams to refresh it').toBeUndefined();
        expect(texts(card)).toContain(PRIVATE_NOTE);
      }
    }
    const form = answers.find(
      (a) => a.name.startsWith(`click align.secret`) && !a.name.endsWith('someone-else'),
    )!;
    const response = privateAnswer(form.view, { original });
    expect(response.statusCode).toBe(200);
    expect(response.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(openUrls(response.value)).toEqual(['https://align-bot.example.com/secrets/form-token-abc']);
    const refusal = answers.find(
      (a) => a.name.startsWith('click align.secret') && a.name.endsWith('someone-else'),
    )!;
    expect(texts(privateAnswerCard(refusal.view))).toContain('who started this run, can answer this');
    expect(openUrls(privateAnswerCard(refusal.view))).toEqual([]);
  });

  it('puts the answer first and the clicked card, with its buttons, under a separator', () => {
    const original: MessageView = {
      text: 'ask',
      blocks: [
        { type: 'text', text: ['Approve the rotation?'] },
        {
          type: 'actions',
          id: 'a',
          buttons: [{ action: 'align.approve', label: 'Approve', value: 'r|approval|1' }],
        },
      ],
    };
    const card = privateAnswerCard(
      { text: 'no', blocks: [{ type: 'text', text: ['🔒 Only approvers.'] }] },
      { original },
    );
    const [answer, question, actions] = card.body;
    expect(answer).toMatchObject({ type: 'Container', style: 'emphasis' });
    expect(texts(answer)).toBe(`🔒 Only approvers.${PRIVATE_NOTE}`);
    expect(question).toMatchObject({ type: 'RichTextBlock', separator: true });
    expect(actions).toMatchObject({
      type: 'ActionSet',
      actions: [{ type: 'Action.Execute', verb: 'align.approve' }],
    });
  });

  it('builds the invoke responses Teams expects', () => {
    const card = renderCard({ text: 'x', blocks: [{ type: 'text', text: ['x'] }] });
    expect(privateAnswer({ text: 'x', blocks: [] })).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: { type: 'AdaptiveCard', version: '1.5' },
    });
    expect(toastInvokeResponse({ text: `OK.\n${'y'.repeat(400)}`, blocks: [] })).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: `OK. ${'y'.repeat(295)}…`,
    });
    expect(errorInvokeResponse(400, 'UNKNOWN_ACTION', 'Not one of Align Bot’s buttons.')).toEqual({
      statusCode: 400,
      type: 'application/vnd.microsoft.error',
      value: { code: 'UNKNOWN_ACTION', message: 'Not one of Align Bot’s buttons.' },
    });
    expect(cardAttachment(card)).toEqual({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: card,
    });
  });
});

describe('untrusted text stays inert', () => {
  const hostileView: MessageView = {
    text: HOSTILE,
    blocks: [
      { type: 'header', text: HOSTILE },
      { type: 'text', text: [HOSTILE, { b: HOSTILE }, { code: HOSTILE }, { user: HOSTILE }] },
      {
        type: 'text',
        text: [
          { link: 'javascript:alert(1)', label: HOSTILE },
          { link: 'https://ok.example/p', label: HOSTILE },
        ],
      },
      { type: 'fields', fields: [{ label: HOSTILE, value: [HOSTILE] }] },
      {
        type: 'checklist',
        items: [{ status: 'fail', title: HOSTILE, note: [{ code: 'JIRA_AUTH_REJECTED' }, HOSTILE] }],
      },
      { type: 'context', text: [HOSTILE] },
      { type: 'code', label: HOSTILE, text: HOSTILE },
      {
        type: 'actions',
        id: HOSTILE,
        buttons: [
          { action: 'align.done', label: HOSTILE, value: 'r|s|1' },
          { action: 'align.open-form', label: 'x', value: 'r', url: 'javascript:alert(1)' },
          { action: 'align.open-form', label: 'y', value: 'r', url: 'data:text/html,<script>x</script>' },
        ],
      },
    ],
  };

  it('every hostile string appears literally in TextRuns, with no markdown element, mention or foreign link', () => {
    const card = renderCard(hostileView, { userName: () => '<at>Everyone</at>' });
    expectValid(card, 'hostile');
    expectInert(card, undefined, 'hostile');
    const runs = ofType(card, 'TextRun').map((r) => String(r.text));
    for (const line of HOSTILE.split('\n'))
      expect(runs.filter((t) => t.includes(line)).length).toBeGreaterThan(5);
    for (const literal of [
      '<at>Everyone</at>',
      '[click](https://evil.example/x)',
      '**bold**',
      '<script>',
      '&lt;',
    ])
      expect(texts(card)).toContain(literal);
    expect(texts(card)).toContain('@<at>Everyone</at>');
    expect(openUrls(card)).toEqual(['https://ok.example/p']);
    expect(ofType(card, 'Action.Execute').map((a) => a.title)).toEqual([`${HOSTILE.slice(0, 74)}…`]);
  });

  it('newlines start new lines instead of reaching the client inside a TextRun', () => {
    const card = renderCard({
      text: 'x',
      blocks: [{ type: 'text', text: ['one\ntwo ', { b: 'three\nfour' }] }],
    });
    expect(card.body.map(texts)).toEqual(['one', 'two three', 'four']);
    expect(card.body.map((b) => b.spacing)).toEqual([undefined, 'None', 'None']);
    expect(JSON.stringify(card)).not.toContain('\\n');
  });

  it('a {user} is drawn as @name text from the names given, else @id', () => {
    const view: MessageView = {
      text: 'x',
      blocks: [{ type: 'text', text: [{ user: 'aad-1' }, ' ', { user: 'aad-2' }] }],
    };
    const card = renderCard(view, { userName: (id) => (id === 'aad-1' ? 'Ada Admin' : undefined) });
    expect(texts(card)).toBe('@Ada Admin @aad-2');
  });
});

describe('buttons', () => {
  const button = (n: number, extra: Partial<Button> = {}): Button => ({
    action: `align.b${n}`,
    label: `B${n}`,
    value: `r-1|step|${n}`,
    ...extra,
  });

  it('Action.Execute with the action as verb and the value as data; styles; link buttons open their URL', () => {
    const card = renderCard({
      text: 'x',
      blocks: [
        {
          type: 'actions',
          id: 'a',
          buttons: [
            button(1, { style: 'primary' }),
            button(2, { style: 'danger' }),
            button(3, { url: 'https://align-bot.example.com/secrets/t' }),
          ],
        },
      ],
    });
    expect(card.body).toEqual([
      {
        type: 'ActionSet',
        actions: [
          {
            type: 'Action.Execute',
            title: 'B1',
            verb: 'align.b1',
            data: { value: 'r-1|step|1' },
            style: 'positive',
          },
          {
            type: 'Action.Execute',
            title: 'B2',
            verb: 'align.b2',
            data: { value: 'r-1|step|2' },
            style: 'destructive',
          },
          { type: 'Action.OpenUrl', title: 'B3', url: 'https://align-bot.example.com/secrets/t' },
        ],
      },
    ]);
  });

  it('more than five buttons go into several ActionSets (the validator allows five per set)', () => {
    const buttons = Array.from({ length: 12 }, (_, i) => button(i));
    const card = renderCard({ text: 'x', blocks: [{ type: 'actions', id: 'a', buttons }] });
    expectValid(card, 'twelve buttons');
    expect(card.body.map((s) => (s.actions as CardJson[]).length)).toEqual([5, 5, 2]);
  });

  it('a confirm becomes an inline card holding the question and the real button', () => {
    const confirm = {
      title: 'Go back?',
      text: 'You will put the old credential back.',
      yes: 'Go back',
      no: 'Stay',
    };
    const card = renderCard({
      text: 'x',
      blocks: [{ type: 'actions', id: 'a', buttons: [button(1, { style: 'danger', confirm })] }],
    });
    expectValid(card, 'confirm');
    const show = ofType(card, 'Action.ShowCard')[0]!;
    expect(show).toMatchObject({ title: 'B1', style: 'destructive' });
    expect(texts(show.card)).toBe('Go back?You will put the old credential back.Stay: click “B1” again.');
    expect((show.card as { actions: unknown }).actions).toEqual([
      {
        type: 'Action.Execute',
        title: 'Go back',
        verb: 'align.b1',
        data: { value: 'r-1|step|1' },
        style: 'destructive',
      },
    ]);
  });

  it('refresh lists at most 60 distinct approvers and is left out without any', () => {
    const view: MessageView = { text: 'x', blocks: [{ type: 'text', text: ['x'] }] };
    const many = Array.from({ length: 80 }, (_, i) => `29:user-${i % 70}`);
    const card = renderCard(view, { refresh: { userIds: many, value: 'v' } });
    expectValid(card, 'refresh');
    expect(card.refresh!.userIds).toEqual(Array.from({ length: 60 }, (_, i) => `29:user-${i}`));
    expect(renderCard(view, { refresh: { userIds: [' '], value: 'v' } }).refresh).toBeUndefined();
  });
});

describe('size', () => {
  it('a view too large for one card keeps its buttons and says where the rest is', () => {
    const blocks: Block[] = Array.from({ length: 60 }, (_, i) => ({
      type: 'text',
      text: [`Paragraph ${i}: ${'é'.repeat(2500)}`],
    }));
    blocks.push({
      type: 'actions',
      id: 'a',
      buttons: [{ action: 'align.done', label: 'Done', value: 'r|s|1' }],
    });
    const card = renderCard({ text: 'x', blocks });
    expectValid(card, 'large');
    expect(cardSize(card).utf8).toBeGreaterThan(CARD_LIMITS.bytes - 6000);
    expect(texts(card)).toContain('Paragraph 0:');
    expect(texts(card)).not.toContain('Paragraph 59:');
    expect(texts(card)).toContain(CUT_NOTE);
    expect(card.body.at(-1)).toMatchObject({ type: 'ActionSet' });
  });

  it('cuts one long text block at 3000 characters and one code block at 3000', () => {
    const card = renderCard({
      text: 'x',
      blocks: [
        { type: 'text', text: ['a'.repeat(5000)] },
        { type: 'code', text: 'b'.repeat(5000) },
      ],
    });
    expect(texts(card)).toBe(`${'a'.repeat(2999)}…${'b'.repeat(2999)}…`);
  });

  it('summary text for notifications is one plain line', () => {
    expect(summaryText({ text: `a\n\nb ${'c'.repeat(300)}`, blocks: [] })).toBe(`a b ${'c'.repeat(195)}…`);
  });
});
