/**
 * Issue 13, the pure parts of maintenance windows: the window as the CLI moves it, the phase a run is in, which
 * connectors count as in maintenance or still deactivated (and what clears that), overlaps, reminder and probe
 * schedules, and the runbook's steps over a fake context — including the paths the end-to-end tests do not take:
 * Jira never coming back, a pipeline starting the window early.
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/core/decisions.js';
import {
  inMaintenance,
  MAINTENANCE_DEFAULTS,
  type MaintenanceParams,
  type MaintenanceSignal,
  notesAt,
  overlapping,
  phaseOf,
  probeBackoffMs,
  reminderTimes,
  windowTimes,
} from '../../../src/core/maintenance.js';
import type { Run, RunState, StepStatus } from '../../../src/core/run.js';
import type { CheckResult } from '../../../src/core/runbooks/checks/run-checks.js';
import {
  type MaintenanceContext,
  maintenanceSteps,
  remindersOf,
} from '../../../src/core/runbooks/maintenance.js';

const MIN = 60_000;
const H = 60 * MIN;
const T0 = Date.UTC(2026, 11, 5, 12);
const PARAMS: MaintenanceParams = {
  name: 'acme',
  from: T0 + 2 * H,
  until: T0 + 4 * H,
  tz: 'Europe/Berlin',
  settings: MAINTENANCE_DEFAULTS,
};
const IDS = ['deactivate', 'window', 'jira-back', 'activate', 'verify'];

function run(statuses: StepStatus[], state: RunState = 'waiting', extra: Partial<Run> = {}): Run {
  return {
    id: `r-${statuses.join('').slice(0, 20)}${state}`.replace(/[^a-z0-9-]/g, ''),
    kind: 'maintenance',
    connector: 'acme',
    requestedBy: { platform: 'slack', id: 'UADMIN' },
    conversation: { platform: 'slack', channel: 'C1' },
    runbookVersion: 1,
    steps: IDS.map((id, i) => ({ id, title: id, status: statuses[i] ?? 'pending' })),
    state,
    createdAt: T0,
    updatedAt: T0,
    params: PARAMS as unknown as Record<string, unknown>,
    facts: {},
    ...extra,
  };
}

describe('windowTimes', () => {
  it('as planned: the prompt comes the lead time before', () => {
    expect(windowTimes(PARAMS, undefined, undefined)).toEqual({
      promptAt: PARAMS.from - 15 * MIN,
      from: PARAMS.from,
      until: PARAMS.until,
      tz: 'Europe/Berlin',
    });
  });

  it('a CLI start brings the prompt forward; the window begins once the connector is also deactivated', () => {
    const start: MaintenanceSignal = { start: { at: T0, by: 'cli' } };
    expect(windowTimes(PARAMS, start, undefined)).toMatchObject({
      promptAt: T0,
      from: PARAMS.from,
      startedBy: 'cli',
    });
    expect(windowTimes(PARAMS, start, T0 + 10 * MIN)).toMatchObject({ from: T0 + 10 * MIN });
  });

  it('a CLI end ends it then; an end before the window begins leaves an empty window', () => {
    expect(windowTimes(PARAMS, { end: { at: T0 + 3 * H, by: 'cli' } }, undefined)).toMatchObject({
      from: PARAMS.from,
      until: T0 + 3 * H,
      endedBy: 'cli',
    });
    expect(windowTimes(PARAMS, { end: { at: T0, by: 'cli' } }, undefined)).toMatchObject({
      from: T0,
      until: T0,
    });
  });
});

describe('phases and notes', () => {
  it.each<[StepStatus[], RunState, string]>([
    [[], 'waiting', 'scheduled'],
    [['waiting'], 'waiting', 'deactivate'],
    [['pass'], 'waiting', 'deactivated'],
    [['pass', 'running'], 'waiting', 'in-window'],
    [['warn', 'running'], 'waiting', 'in-window'],
    [['pass', 'pass', 'running'], 'waiting', 'recovering'],
    [['pass', 'pass', 'pass', 'waiting'], 'waiting', 'activate'],
    [['pass', 'pass', 'pass', 'pass', 'waiting'], 'waiting', 'verifying'],
    [['pass', 'pass', 'pass', 'pass', 'pass'], 'succeeded', 'verified'],
    [['pass', 'pass', 'pass', 'fail', 'skip'], 'failed', 'still-deactivated'],
    [['pass', 'pass', 'fail', 'skip', 'skip'], 'failed', 'still-deactivated'],
    [['pass', 'skip', 'skip', 'skip', 'skip'], 'cancelled', 'still-deactivated'],
    [['skip', 'skip', 'skip', 'skip', 'skip'], 'cancelled', 'cancelled'],
    [['pass', 'pass', 'pass', 'pass', 'fail'], 'expired', 'failed'],
  ])('%j %s → %s', (statuses, state, phase) => {
    const r = run(statuses, state, state === 'cancelled' ? { outcome: { state, reason: 'cancelled' } } : {});
    if (state === 'succeeded') r.outcome = { state, reason: 'passed' };
    expect(phaseOf(r)).toBe(phase);
  });

  it('in maintenance: once deactivated or once the window began, until the run ends', () => {
    const w = windowTimes(PARAMS, undefined, undefined);
    expect(inMaintenance(run(['waiting']), w, PARAMS.from - MIN)).toBe(false);
    expect(inMaintenance(run(['waiting']), w, PARAMS.from + MIN)).toBe(true);
    expect(inMaintenance(run(['pass']), w, PARAMS.from - 10 * MIN)).toBe(true);
    expect(inMaintenance(run(['pass', 'pass', 'pass', 'waiting']), w, PARAMS.until + H)).toBe(true);
    expect(inMaintenance(run(['pass', 'pass', 'pass', 'pass', 'pass'], 'succeeded'), w, PARAMS.until)).toBe(
      false,
    );
  });

  it('notes: in maintenance first, else still deactivated (until a passing test), else the next window', () => {
    const now = PARAMS.from + MIN;
    const active = { run: run(['pass', 'running']) };
    const left = {
      run: {
        ...run(['pass', 'pass', 'pass', 'fail', 'skip'], 'failed'),
        id: 'r-left',
        connector: 'globex',
        endedAt: T0,
      },
    };
    const next = { run: { ...run([]), id: 'r-next', connector: 'initech' } };
    const notes = notesAt([active, left, next], now);
    expect(notes.get('acme')).toMatchObject({
      kind: 'in-maintenance',
      until: PARAMS.until,
      phase: 'in-window',
    });
    expect(notes.get('globex')).toMatchObject({ kind: 'still-deactivated', runId: 'r-left', since: T0 });
    expect(notes.get('initech')).toMatchObject({ kind: 'scheduled', runId: 'r-next' });
    const cleared = notesAt([left], now, (connector, since) => connector === 'globex' && since === T0);
    expect(cleared.get('globex')).toBeUndefined();
    // A later window that was verified supersedes the mark.
    const verified = {
      run: {
        ...run(['pass', 'pass', 'pass', 'pass', 'pass'], 'succeeded'),
        id: 'r-ok',
        connector: 'globex',
        endedAt: T0 + H,
      },
    };
    verified.run.outcome = { state: 'succeeded', reason: 'passed' };
    expect(notesAt([left, verified], now).get('globex')).toBeUndefined();
  });

  it('overlapping: open windows of the same connector only', () => {
    const open = { run: run([]) };
    const ended = { run: { ...run(['skip'], 'cancelled'), id: 'r-ended' } };
    const other = { run: { ...run([]), id: 'r-other', connector: 'globex' } };
    const records = [open, ended, other];
    expect(overlapping(records, 'acme', PARAMS.from + H, PARAMS.until + H).map((r) => r.run.id)).toEqual([
      open.run.id,
    ]);
    expect(overlapping(records, 'acme', PARAMS.until, PARAMS.until + H)).toEqual([]);
    expect(overlapping(records, 'acme', PARAMS.from - H, PARAMS.from)).toEqual([]);
  });
});

describe('schedules', () => {
  it('reminders every interval before the edge; after an escalation, at the slower pace', () => {
    expect(reminderTimes(0, 15 * MIN, 10 * MIN)).toEqual([10 * MIN]);
    expect(reminderTimes(0, 4 * H, 10 * MIN, { from: H, every: H })).toEqual([
      10 * MIN,
      20 * MIN,
      30 * MIN,
      40 * MIN,
      50 * MIN,
      2 * H,
      3 * H,
    ]);
  });

  it('probes back off 1, 2, 4, 8, then every 15 minutes', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => probeBackoffMs(n) / MIN)).toEqual([1, 2, 4, 8, 15, 15]);
  });
});

/** The runbook's steps over a fake context, on a clock the test sets. */
class FakeContext {
  now = T0;
  signal: MaintenanceSignal | undefined;
  results: CheckResult[] = [{ id: 'reach', title: 'Jira answers', status: 'pass', ms: 5 }];
  audits: string[] = [];
  readonly ctx: MaintenanceContext;

  constructor() {
    this.ctx = {
      runId: 'r-fake',
      requesterId: 'UADMIN',
      params: PARAMS as unknown as Record<string, unknown>,
      facts: {},
      now: () => this.now,
      spec: { name: 'acme', jira: { url: 'https://acme.atlassian.net', kind: 'cloud' }, auth: 'basic' },
      admins: ['UADMIN', 'UADMIN2'],
      window: async () =>
        windowTimes(PARAMS, this.signal, this.ctx.facts.deactivatedAt as number | undefined),
      testConnector: async () => this.results,
      audit: async (action) => {
        this.audits.push(action);
      },
    } as MaintenanceContext;
  }

  step(id: string, decision?: Decision) {
    return maintenanceSteps()
      .find((s) => s.id === id)!
      .run(this.ctx, decision);
  }
}

const done: Decision = { kind: 'done', by: 'UADMIN', at: T0 };

describe('the maintenance runbook', () => {
  it('deactivate: sleeps until the prompt, asks with a deadline at the window, reminds, passes on Done', async () => {
    const f = new FakeContext();
    expect(await f.step('deactivate')).toMatchObject({ sleep: PARAMS.from - 15 * MIN, status: 'pending' });
    f.now = PARAMS.from - 15 * MIN;
    const ask = await f.step('deactivate');
    expect(ask).toMatchObject({ until: PARAMS.from, wakeAt: PARAMS.from - 5 * MIN });
    expect(f.audits).toEqual(['maintenance deactivate asked']);
    f.now = PARAMS.from - 5 * MIN;
    expect(await f.step('deactivate')).not.toHaveProperty('wakeAt');
    expect(remindersOf({ facts: f.ctx.facts })).toEqual([{ step: 'deactivate', n: 1, at: f.now }]);
    expect(await f.step('deactivate', done)).toMatchObject({ status: 'pass' });
    expect(f.ctx.facts.deactivatedAt).toBe(f.now);
  });

  it('deactivate: nobody confirmed by the window: a warning, and the run goes on', async () => {
    const f = new FakeContext();
    f.now = PARAMS.from;
    expect(await f.step('deactivate')).toMatchObject({ status: 'warn' });
  });

  it('a pipeline starts early: the window begins when the connector is deactivated', async () => {
    const f = new FakeContext();
    f.signal = { start: { at: T0, by: 'cli' } };
    expect(await f.step('deactivate')).toHaveProperty('wait');
    f.now = T0 + 5 * MIN;
    await f.step('deactivate', done);
    expect(await f.step('window')).toMatchObject({ sleep: PARAMS.until, status: 'running' });
  });

  it('jira-back: backs off while Jira fails, and gives up after giveUpMs with Jira’s code', async () => {
    const f = new FakeContext();
    f.results = [{ id: 'reach', title: 'Jira answers', status: 'fail', code: 'JIRA_SITE_NOT_FOUND', ms: 5 }];
    f.now = PARAMS.until;
    expect(await f.step('jira-back')).toMatchObject({ sleep: PARAMS.until + MIN });
    f.now = PARAMS.until + MIN;
    expect(await f.step('jira-back')).toMatchObject({ sleep: PARAMS.until + 3 * MIN });
    f.now = PARAMS.until + 4 * H;
    const gaveUp = await f.step('jira-back');
    expect(gaveUp).toMatchObject({ status: 'fail', code: 'JIRA_SITE_NOT_FOUND' });
    expect((gaveUp as { detail: string }).detail).toMatch(/within 4 h after the window/);
    f.results = [{ id: 'reach', title: 'Jira answers', status: 'pass', ms: 5 }];
    expect(await f.step('jira-back')).toMatchObject({ status: 'pass' });
  });

  it('activate: reminds, escalates to the admins once, then ends still deactivated', async () => {
    const f = new FakeContext();
    f.now = PARAMS.until;
    expect(await f.step('activate')).toMatchObject({
      until: PARAMS.until + 4 * H,
      wakeAt: PARAMS.until + 10 * MIN,
    });
    f.now = PARAMS.until + H;
    await f.step('activate');
    expect(f.ctx.facts).toMatchObject({ escalatedAt: f.now, escalatedTo: ['UADMIN', 'UADMIN2'] });
    expect(f.audits).toEqual(['maintenance escalated', 'reminder activate']);
    f.now = PARAMS.until + 4 * H;
    expect(await f.step('activate')).toMatchObject({ status: 'fail', code: 'ALIGN_CONNECTOR_DEACTIVATED' });
  });

  it('verify: a failing full test asks to check again with the failure; a passing one passes', async () => {
    const f = new FakeContext();
    f.results = [
      { id: 'align-sync', title: 'Sync', status: 'fail', code: 'ALIGN_SYNC_ERRORS', detail: 'x', ms: 1 },
    ];
    expect(await f.step('verify')).toMatchObject({ failure: { code: 'ALIGN_SYNC_ERRORS' } });
    f.results = [{ id: 'align-sync', title: 'Sync', status: 'pass', ms: 1 }];
    expect(await f.step('verify')).toMatchObject({ status: 'pass' });
  });
});
