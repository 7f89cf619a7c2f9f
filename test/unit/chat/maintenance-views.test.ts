/**
 * Issue 13, "works in Slack and Teams alike": every view of a maintenance window — the run in each phase with its
 * asks, reminders, escalation and channel note, `maintenance list`, a report with connectors in maintenance and one
 * left deactivated, a test run in maintenance, `status` with windows — rendered for Slack (Block Kit limits as the
 * simulator enforces them) and for Teams (Adaptive Cards valid at 1.5 with Microsoft's package, under the size
 * limit). Then the outbox delivers a maintenance run through a fake ChatPort of each platform: the note to the
 * channel goes to the conversation itself, everything else into the run's thread.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ChatPort } from '../../../src/chat/port.js';
import { renderSlack } from '../../../src/chat/slack/render.js';
import { CARD_LIMITS, cardSize } from '../../../src/chat/teams/card-json.js';
import { renderCard } from '../../../src/chat/teams/cards.js';
import {
  MAINTENANCE_DEFAULTS,
  type MaintenanceNote,
  type MaintenanceParams,
  windowTimes,
} from '../../../src/core/maintenance.js';
import { buildReport } from '../../../src/core/report-tally.js';
import type {
  Conversation,
  MessageRef,
  PromptRecord,
  Run,
  RunState,
  StepRecord,
  StepStatus,
} from '../../../src/core/run.js';
import { isWait } from '../../../src/core/runbooks/guided.js';
import { type MaintenanceContext, maintenanceSteps } from '../../../src/core/runbooks/maintenance.js';
import { maintenanceListView, maintenanceRunView } from '../../../src/core/views/maintenance-view.js';
import { reportView } from '../../../src/core/views/report-view.js';
import { runView } from '../../../src/core/views/run-view.js';
import { listView } from '../../../src/core/views/status-view.js';
import type { MessageView } from '../../../src/core/views/view.js';
import { syncRun } from '../../../src/queue/outbox.js';
import { checkBlockKit } from '../../../src/sandbox/block-kit-limits.js';
import { validationEvents } from '../../helpers/adaptive-cards.js';

const MIN = 60_000;
const H = 60 * MIN;
const NOW = Date.UTC(2026, 11, 5, 20);
const ADMINS = ['U0ADMIN1', 'U0ADMIN2', '8f3c2a1e-0000-4000-8000-00000000a001'];
const PARAMS: MaintenanceParams = {
  name: 'acme',
  from: NOW + H,
  until: NOW + 5 * H,
  tz: 'Europe/Berlin',
  settings: MAINTENANCE_DEFAULTS,
  notes: ['The clocks change in Europe/Berlin during this window: it lasts 5 h.'],
};
const IDS = ['deactivate', 'window', 'jira-back', 'activate', 'verify'];
const HOSTILE = '<!channel> *bold* <https://evil.example|x> <at>Everyone</at> {{x}}';

function context(facts: Record<string, unknown> = {}): MaintenanceContext {
  return {
    runId: 'r-maint00001',
    requesterId: ADMINS[0]!,
    params: PARAMS as unknown as Record<string, unknown>,
    facts,
    now: () => NOW,
    spec: {
      name: 'acme',
      jira: { url: 'https://acme.atlassian.net', kind: 'cloud' },
      align: { url: 'https://acme.jiraalign.com', connectorId: 3 },
      auth: 'basic',
    },
    admins: ADMINS,
    window: async () => windowTimes(PARAMS, undefined, undefined),
    testConnector: async () => [],
    audit: async () => undefined,
  } as unknown as MaintenanceContext;
}

/** The real ask of a step, from the runbook itself. */
async function ask(id: string, now: number): Promise<PromptRecord> {
  const ctx = { ...context(), now: () => now };
  const outcome = await maintenanceSteps()
    .find((s) => s.id === id)!
    .run(ctx, undefined);
  if (!isWait(outcome)) throw new Error(`${id} did not ask`);
  return { attempt: 0, prompt: outcome.wait };
}

async function phaseRun(
  statuses: StepStatus[],
  state: RunState,
  facts: Record<string, unknown> = {},
): Promise<Run> {
  const steps: StepRecord[] = IDS.map((id, i) => ({
    id,
    title: id,
    status: statuses[i] ?? 'pending',
    ...(statuses[i] && statuses[i] !== 'pending' ? { detail: `${HOSTILE} (${id})` } : {}),
  }));
  const waiting = steps.find((s) => s.status === 'waiting');
  if (waiting && (waiting.id === 'deactivate' || waiting.id === 'activate')) {
    waiting.prompts = [
      await ask(waiting.id, waiting.id === 'deactivate' ? PARAMS.from - 10 * MIN : PARAMS.until),
    ];
    waiting.deadline = NOW + H;
  }
  const failed = steps.find((s) => s.status === 'fail');
  if (failed) failed.code = failed.id === 'activate' ? 'ALIGN_CONNECTOR_DEACTIVATED' : 'JIRA_SITE_NOT_FOUND';
  return {
    id: 'r-maint00001',
    kind: 'maintenance',
    connector: 'acme',
    requestedBy: { platform: 'slack', id: ADMINS[0]! },
    conversation: { platform: 'slack', channel: 'C1' },
    runbookVersion: 1,
    steps,
    state,
    createdAt: NOW,
    updatedAt: NOW,
    ...(state === 'succeeded' || state === 'failed' || state === 'cancelled' ? { endedAt: NOW + 6 * H } : {}),
    ...(state === 'succeeded' ? { outcome: { state, reason: 'passed' as const } } : {}),
    ...(state === 'failed' ? { outcome: { state, reason: 'failed' as const } } : {}),
    ...(state === 'cancelled' ? { outcome: { state, reason: 'cancelled' as const, by: ADMINS[1] } } : {}),
    params: PARAMS as unknown as Record<string, unknown>,
    facts: {
      promptedAt: PARAMS.from - 15 * MIN,
      window: windowTimes(
        PARAMS,
        { end: { at: PARAMS.until, by: 'align-bot maintenance (CLI)' } },
        undefined,
      ),
      ...facts,
    },
  };
}

const REMINDERS = Array.from({ length: 12 }, (_, i) => ({
  step: i < 2 ? 'deactivate' : 'activate',
  n: i < 2 ? i + 1 : i - 1,
  at: NOW,
}));

async function views(): Promise<Array<[string, MessageView]>> {
  const runs: Array<[string, Run]> = [
    ['scheduled', await phaseRun([], 'waiting', { promptedAt: undefined })],
    ['deactivate', await phaseRun(['waiting'], 'waiting', { reminders: REMINDERS.slice(0, 2) })],
    ['deactivated', await phaseRun(['pass'], 'waiting')],
    ['in window', await phaseRun(['warn', 'running'], 'waiting')],
    [
      'recovering',
      await phaseRun(['pass', 'pass', 'running'], 'waiting', { probes: { n: 4, code: 'TIMEOUT' } }),
    ],
    [
      'activate, escalated',
      await phaseRun(['pass', 'pass', 'pass', 'waiting'], 'waiting', {
        reminders: REMINDERS,
        escalatedAt: NOW,
        escalatedTo: ADMINS,
      }),
    ],
    ['verified', await phaseRun(['pass', 'pass', 'pass', 'pass', 'pass'], 'succeeded')],
    ['still deactivated', await phaseRun(['pass', 'pass', 'pass', 'fail', 'skip'], 'failed')],
    ['Jira never back', await phaseRun(['pass', 'pass', 'fail', 'skip', 'skip'], 'failed')],
    [
      'cancelled',
      await phaseRun(['skip', 'skip', 'skip', 'skip', 'skip'], 'cancelled', { promptedAt: undefined }),
    ],
  ];
  const out: Array<[string, MessageView]> = [];
  for (const [name, run] of runs) {
    for (const prefix of ['/align', '@Align Bot']) {
      const view = maintenanceRunView(run, prefix);
      out.push([`${name} root (${prefix})`, view.root]);
      for (const reply of view.replies) out.push([`${name} ${reply.key} (${prefix})`, reply.message]);
    }
  }
  return [...out, ...otherViews(runs.map(([, r]) => r))];
}

function otherViews(runs: Run[]): Array<[string, MessageView]> {
  const many = Array.from({ length: 60 }, (_, i) => ({
    run: { ...runs[i % runs.length]!, id: `r-maint${String(i).padStart(5, '0')}` },
  }));
  const inWindow: MaintenanceNote = {
    kind: 'in-maintenance',
    runId: 'r-maint00001',
    from: NOW,
    until: NOW + H,
    tz: 'Europe/Berlin',
    phase: 'in-window',
  };
  const left: MaintenanceNote = {
    kind: 'still-deactivated',
    runId: 'r-maint00002',
    since: NOW - H,
    tz: 'UTC',
  };
  const notes = new Map<string, MaintenanceNote>();
  const results = Array.from({ length: 80 }, (_, i) => {
    const name = `connector-${i}`;
    if (i % 3 === 0) notes.set(name, inWindow);
    if (i % 5 === 1) notes.set(name, left);
    return { result: { name, host: `${name}.atlassian.net`, status: 'ok' as const, ms: 100, at: NOW } };
  });
  const data = buildReport({
    now: NOW,
    timeZone: 'Europe/Berlin',
    durationMs: 1000,
    connectors: results.filter((r) => notes.get(r.result.name)?.kind !== 'in-maintenance'),
    maintenance: notes,
    previous: { at: NOW - 86_400_000, connectors: { 'connector-0': { s: 'ok' } } },
  });
  const report = reportView(data, { runId: 'r-report0001', trigger: ['scheduled'], prefix: '/align' });
  const test: Run = {
    ...runs[0]!,
    kind: 'test',
    steps: [{ id: 'reach', title: 'Jira answers', status: 'fail', code: 'TIMEOUT', detail: HOSTILE }],
    state: 'cancelled',
    outcome: { state: 'cancelled', reason: 'in-maintenance' },
    facts: { maintenance: inWindow },
  };
  const specs = ['acme', 'globex'].map((name) => ({
    name,
    jira: { url: `https://${name}.atlassian.net`, kind: 'cloud' as const },
    auth: 'basic' as const,
  }));
  const scheduled: MaintenanceNote = {
    kind: 'scheduled',
    runId: 'r-maint00003',
    from: NOW,
    until: NOW + H,
    tz: 'UTC',
  };
  return [
    ['list of 60', maintenanceListView(many, '/align')],
    ['list empty', maintenanceListView([], '@Align Bot')],
    ['report root', report.root],
    ...report.replies.map((r): [string, MessageView] => [`report ${r.key}`, r.message]),
    ['test in maintenance', runView(test).root],
    [
      'status',
      listView(
        specs,
        new Map(),
        '/align',
        NOW,
        new Map<string, MaintenanceNote>([
          ['acme', scheduled],
          ['globex', left],
        ]),
      ),
    ],
  ];
}

describe('maintenance views in both renderers', () => {
  it('Slack: every view is valid Block Kit', async () => {
    const all = await views();
    expect(all.length).toBeGreaterThan(60);
    for (const [name, view] of all) {
      const rendered = renderSlack(view);
      expect(checkBlockKit(rendered.blocks), name).toBeUndefined();
      expect(JSON.stringify(rendered.blocks), name).not.toContain('<!channel>');
    }
  });

  it('Teams: every view is a valid Adaptive Card 1.5 under the size limit', async () => {
    for (const [name, view] of await views()) {
      const card = renderCard(view);
      expect(validationEvents(card), name).toEqual([]);
      expect(cardSize(card).utf8, name).toBeLessThanOrEqual(CARD_LIMITS.bytes);
    }
  });

  it('the report lists connectors in maintenance apart, and fails the one left deactivated', async () => {
    const report = (await views()).find(([name]) => name === 'report root')![1];
    const text = JSON.stringify(report.blocks);
    expect(report.text).toContain('in maintenance');
    expect(text).toContain('🛠 In maintenance (22)');
    expect(text).toContain('⛔ Still deactivated after maintenance (16)');
    expect(text).toContain('ALIGN_CONNECTOR_DEACTIVATED');
  });
});

/** A chat platform that renders with the real renderer and records where each message went. */
class FakeChat implements ChatPort {
  readonly pacing = { postIntervalMs: 0, updateIntervalMs: 0 };
  readonly posts: Array<{ thread?: MessageRef; text: string }> = [];
  private n = 0;

  constructor(
    readonly platform: string,
    readonly commandPrefix: string,
    private readonly render: (view: MessageView) => void,
  ) {}

  async post(_c: Conversation, message: MessageView, thread?: MessageRef): Promise<MessageRef> {
    this.render(message);
    this.posts.push({ ...(thread ? { thread } : {}), text: message.text });
    this.n += 1;
    return { channel: 'C1', id: `m${this.n}` };
  }

  async update(_c: Conversation, _ref: MessageRef, message: MessageView): Promise<void> {
    this.render(message);
  }

  async postEphemeral(): Promise<void> {}
}

describe('the outbox delivers a maintenance run on either platform', () => {
  it.each([
    ['slack', '/align', (v: MessageView) => expect(checkBlockKit(renderSlack(v).blocks)).toBeUndefined()],
    ['teams', '@Align Bot', (v: MessageView) => expect(validationEvents(renderCard(v))).toEqual([])],
  ])('%s: the note to the channel, everything else in the thread', async (platform, prefix, render) => {
    const run = await phaseRun(['waiting'], 'waiting', { reminders: REMINDERS.slice(0, 1) });
    run.conversation = { platform, channel: 'C1' };
    const chat = new FakeChat(platform, prefix, render);
    const delivered = new Map<string, unknown>();
    await syncRun(run.id, {
      runs: { get: async () => run } as never,
      deliveries: {
        get: async () => ({ replies: new Map(), flights: new Map() }),
        markInFlight: async () => undefined,
        settleInFlight: async () => undefined,
        setRoot: async (_id: string, d: unknown) => void delivered.set('root', d),
        setReply: async (_id: string, key: string, d: unknown) => void delivered.set(key, d),
      } as never,
      pacer: { take: async () => undefined, reserve: async () => undefined, push: async () => undefined },
      chatFor: (p) => (p === platform ? chat : undefined),
      viewOf: (r, p) => maintenanceRunView(r, p),
      logger: pino({ level: 'silent' }),
    });
    const [root, ...rest] = chat.posts;
    expect(root!.thread).toBeUndefined();
    expect(root!.text).toContain('maintenance acme: Deactivate the connector');
    const note = rest.find((p) => p.text.includes('hold edits in Jira Align'));
    expect(note?.thread).toBeUndefined();
    const threaded = rest.filter((p) => p !== note);
    expect(threaded.map((p) => p.text)).toEqual([
      expect.stringContaining('deactivate'),
      expect.stringContaining('Reminder 1'),
    ]);
    for (const p of threaded) expect(p.thread).toEqual({ channel: 'C1', id: 'm1' });
    expect([...delivered.keys()].sort()).toEqual([
      'note',
      'remind:deactivate:1',
      'root',
      'step:deactivate:0',
    ]);
  });
});
