import { pino } from 'pino';
import { CommandService } from '../../src/app/command-service.js';
import type { AuditEntry } from '../../src/core/audit-entry.js';
import type { ConnectorSpec } from '../../src/core/connector-spec.js';
import { DIAGNOSIS_CODES } from '../../src/core/diagnosis.js';
import type { LastResult } from '../../src/core/last-result.js';
import type { ConnectorResult, ConnectorStatus } from '../../src/core/report.js';
import { buildReport } from '../../src/core/report-tally.js';
import type { Run, RunKind, RunState, StepRecord, StepStatus } from '../../src/core/run.js';
import { ALIGN_CHECKS } from '../../src/core/runbooks/checks/align.js';
import { credentialExpiryCheck } from '../../src/core/runbooks/checks/expiry.js';
import { JIRA_CHECKS } from '../../src/core/runbooks/checks/jira.js';
import { DC_CHECKS } from '../../src/core/runbooks/checks/jira-dc.js';
import { OAUTH_CHECKS } from '../../src/core/runbooks/checks/oauth.js';
import { auditView } from '../../src/core/views/audit-view.js';
import { reportRunView, reportView } from '../../src/core/views/report-view.js';
import { failureMessage, runView } from '../../src/core/views/run-view.js';
import { listView } from '../../src/core/views/status-view.js';
import type { MessageView, RunView } from '../../src/core/views/view.js';

export interface NamedView {
  name: string;
  view: MessageView;
  /** An approver's ask: drawn with refresh.userIds. */
  approval?: boolean;
}

/** What Jira, Jira Align or a command argument could put into a message. */
export const HOSTILE =
  '<at>Everyone</at> [click](https://evil.example/x) **bold** <script>alert(1)</script> &lt; _it_ {{x}}\n# heading\n- item <a href="https://evil.example/a">a</a>';

export const NOW = Date.UTC(2026, 4, 1, 9);
export const REQUESTER = '8f3c2a1e-0000-4000-8000-00000000a001';
export const APPROVER = '8f3c2a1e-0000-4000-8000-00000000a002';
const STEP_STATUSES: StepStatus[] = ['pending', 'running', 'waiting', 'pass', 'warn', 'fail', 'skip'];
const RUN_STATES: RunState[] = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'expired',
];

export function fixtureRun(
  kind: RunKind,
  steps: StepRecord[],
  state: RunState,
  params: Record<string, unknown> = {},
): Run {
  return {
    id: 'r-teams00001',
    kind,
    connector: kind === 'report' ? 'fleet' : 'acme',
    requestedBy: { platform: 'teams', id: REQUESTER, name: 'Ada Admin' },
    conversation: { platform: 'teams', channel: '19:abc@thread.tacv2;messageid=1' },
    runbookVersion: 1,
    steps,
    state,
    createdAt: NOW,
    updatedAt: NOW,
    ...(state === 'succeeded' || state === 'failed' ? { endedAt: NOW } : {}),
    params,
    facts: {},
  };
}

export function namedRunView(name: string, view: RunView, approval = false): NamedView[] {
  return [
    { name: `${name} root`, view: view.root },
    ...view.replies.map((r) => ({ name: `${name} reply ${r.key}`, view: r.message, approval })),
  ];
}

/** Test runs: every check of every runbook, cycling through every step state, in every run state. */
export function testRunViews(): NamedView[] {
  const checks = [...JIRA_CHECKS, ...DC_CHECKS, ...OAUTH_CHECKS, ...ALIGN_CHECKS, credentialExpiryCheck];
  const steps: StepRecord[] = checks.map((check, i) => {
    const status = STEP_STATUSES[i % STEP_STATUSES.length]!;
    const code = DIAGNOSIS_CODES[i % DIAGNOSIS_CODES.length]!;
    return {
      id: check.id,
      title: check.title,
      status,
      ...(status === 'warn' || status === 'fail' ? { code } : {}),
      ...(status !== 'pending' ? { detail: `${HOSTILE} (${check.id})` } : {}),
    };
  });
  const long = steps.map((s) => ({ ...s, detail: `${HOSTILE} ${'x'.repeat(4000)}` }));
  return [
    ...RUN_STATES.flatMap((state) =>
      namedRunView(`test run ${state}`, runView(fixtureRun('test', steps, state))),
    ),
    ...namedRunView('test run, 4000-character details', runView(fixtureRun('test', long, 'failed'))),
    ...namedRunView('test run, no steps yet', runView(fixtureRun('test', [], 'queued'))),
  ];
}

/** The failure reply of every diagnosis code. */
export function failureViews(): NamedView[] {
  return DIAGNOSIS_CODES.map((code) => ({
    name: `failure ${code}`,
    view: failureMessage({ id: 'auth', title: 'Credentials work', status: 'fail', code, detail: HOSTILE }),
  }));
}

function connectorResult(i: number): ConnectorResult {
  const status: ConnectorStatus = i % 7 === 0 ? 'fail' : i % 5 === 0 ? 'warn' : 'ok';
  const code = DIAGNOSIS_CODES[i % DIAGNOSIS_CODES.length]!;
  const name = i % 50 === 0 ? `connector-${i}-${'x'.repeat(50)}`.slice(0, 64) : `connector-${i}`;
  return {
    name,
    host: `${name}.atlassian.net`,
    status,
    ...(status !== 'ok' ? { code, check: 'Credentials work', detail: HOSTILE } : {}),
    latencyMs: 80 + (i % 400),
    ms: 900,
    at: NOW,
  };
}

/** The report of a 600-connector fleet (root, pages, failure replies), with changes and expiries, and its states. */
export function reportViews(): NamedView[] {
  const results = Array.from({ length: 600 }, (_, i) => connectorResult(i));
  const previous = {
    at: NOW - 86_400_000,
    connectors: Object.fromEntries(
      results.map((r, i) => [r.name, { s: (i % 3 === 0 ? 'fail' : 'ok') as ConnectorStatus, c: 'TIMEOUT' }]),
    ),
  };
  const data = buildReport({
    now: NOW,
    timeZone: 'Europe/Berlin',
    durationMs: 61_000,
    connectors: results.map((result, i) => ({
      result,
      ...(i % 11 === 0 ? { tokenExpiresAt: i % 2 ? '2026-05-03' : '2026-04-01' } : {}),
    })),
    history: new Map(
      results.map((r) => [r.name, { uptime: [1, 0.991, 0.9876] as [number, number, number] }]),
    ),
    lastFailures: new Map(results.map((r) => [r.name, { at: NOW - 3 * 3600_000, code: 'TIMEOUT' }])),
    previous,
  });
  const meta = { runId: 'r-teams00001', trigger: ['requested by ', { user: REQUESTER }] as never };
  const empty = buildReport({ now: NOW, timeZone: 'UTC', durationMs: 1, connectors: [] });
  const first = buildReport({
    ...{ now: NOW, timeZone: 'UTC', durationMs: 5 },
    connectors: [{ result: results[1]! }],
  });
  const states: NamedView[] = [
    reportRunView(
      fixtureRun('report', [], 'queued', { trigger: 'schedule', schedule: '0 9 * * 1-5', onlyChanges: true }),
    ),
    reportRunView({ ...fixtureRun('report', [], 'running'), facts: { progress: { done: 120, total: 600 } } }),
    reportRunView({ ...fixtureRun('report', [], 'failed'), facts: { note: HOSTILE } }),
  ].map((v, i) => ({ name: `report state ${i}`, view: v.root }));
  return [
    ...namedRunView('report 600', reportView(data, meta)),
    ...namedRunView('report empty', reportView(empty, meta)),
    ...namedRunView('report first', reportView(first, meta)),
    ...states,
  ];
}

/** help, usage errors and denials through the real command service (help needs no store). */
export async function commandViews(): Promise<NamedView[]> {
  const service = new CommandService({
    policy: { operators: ['nobody'], admins: [], approvers: [] },
    audit: { append: async () => {} },
    logger: pino({ level: 'silent' }),
  } as never);
  const user = { platform: 'teams' as const, id: REQUESTER };
  const conversation = { platform: 'teams' as const, channel: '19:abc@thread.tacv2' };
  const texts = [
    'help',
    ...['help', 'connect', 'test', 'rotate', 'status', 'list', 'report', 'audit', 'cancel'].map(
      (v) => `help ${v}`,
    ),
    `frobnicate ${HOSTILE}`,
    `connect "${HOSTILE}"`,
    'connect acme --jira https://acme.atlassian.net --align https://acme.jiraalign.com',
    'test acme',
    'x'.repeat(2100),
  ];
  const views: NamedView[] = [];
  for (const text of texts) {
    views.push({
      name: `command ${text.slice(0, 30)}`,
      view: await service.handle({ text, user, conversation, prefix: '@Align Bot' }),
    });
  }
  return views;
}

/** /align list and status with 150 connectors, and the audit log. */
export function statusAndAuditViews(): NamedView[] {
  const specs: ConnectorSpec[] = Array.from({ length: 150 }, (_, i) => ({
    name: i === 3 ? `connector-${'y'.repeat(55)}` : `connector-${i}`,
    jira: { url: `https://site-${i}.atlassian.net`, kind: i % 4 === 0 ? 'datacenter' : 'cloud' },
    auth: i % 3 === 0 ? 'oauth' : 'basic',
  }));
  const last = new Map<string, LastResult>(
    specs
      .filter((_, i) => i % 2 === 0)
      .map((s, i) => [
        s.name,
        {
          runId: 'r-teams00001',
          kind: 'test',
          state: i % 3 ? 'succeeded' : 'failed',
          at: NOW,
          codes: [...DIAGNOSIS_CODES].slice(0, 6),
        },
      ]),
  );
  const entries: AuditEntry[] = Array.from({ length: 100 }, (_, i) => ({
    at: NOW - i * 60_000,
    actor: i % 2 ? REQUESTER : APPROVER,
    action: `approve ${HOSTILE}`.slice(0, 60),
    outcome: (['ok', 'denied', 'failed', 'approved', 'rejected', 'expired', 'cancelled'] as const)[i % 7]!,
    connector: 'acme',
    runId: 'r-teams00001',
  }));
  return [
    { name: 'list 150', view: listView(specs, last, '@Align Bot', NOW) },
    { name: 'list empty', view: listView([], new Map(), '@Align Bot', NOW) },
    { name: 'status one', view: listView(specs.slice(0, 1), last, '@Align Bot', NOW) },
    { name: 'audit 20', view: auditView(entries.slice(0, 20), 'acme') },
    { name: 'audit 100', view: auditView(entries) },
    { name: 'audit empty', view: auditView([], 'acme') },
  ];
}
