/**
 * Guided runs in Teams end to end: `rotate` and `connect` complete through Action.Execute clicks (invokes to the
 * real CloudAdapter, JWT-signed by the simulator) and the secure form (plain HTTP). Refusals — self-approval, a
 * non-approver, someone else's secure form — are shown to the clicker alone (the invoke response), over the card
 * they clicked, and record nothing. Approval cards carry refresh.userIds (approvers' MRIs); a decision edits the
 * card for every viewer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_PERMISSIONS } from '../../../src/core/runbooks/checks/jira.js';
import { acceptToken, type BotHarness, startBot, TEAMS_USERS } from '../../helpers/bot.js';
import { FormClient } from '../../helpers/guided.js';
import { registerSecret } from '../../helpers/leaks.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import {
  actionsOf,
  cardOf,
  cardText,
  clickTeams,
  mention,
  openTeamsAsk,
  type Sim,
  type TeamsAsk,
  teamsFormLink,
} from './drive.js';

const { admin, operator, approver } = TEAMS_USERS;
const CARD = 'application/vnd.microsoft.card.adaptive';
const TOAST = 'application/vnd.microsoft.activity.message';
let bot: BotHarness;
let sim: Sim;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('teams-guided'),
    teams: true,
    connectors: [
      { name: 'acme', host: 'acme.atlassian.net' },
      { name: 'umbrella', host: 'umbrella.atlassian.net' },
    ],
  });
  sim = bot.teams!.sim;
  // The approver has written to the bot once: it knows their MRI, for the approval card's refresh.
  expect((await sim.personal({ text: 'help', user: approver })).status).toBe(200);
});

afterAll(async () => {
  await bot.stop();
});

async function state(runId: string) {
  return (await bot.web!.runs.get(runId))?.state;
}

async function done(runId: string, step: string) {
  const ask = await openTeamsAsk(sim, runId, step);
  const answer = await clickTeams(sim, ask, 'done', admin);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ statusCode: 200, type: TOAST });
  return ask;
}

async function submitForm(ask: TeamsAsk, value: string, fields: Record<string, string> = {}) {
  const { url, body } = await teamsFormLink(sim, ask, admin);
  expect(body).toMatchObject({ statusCode: 200, type: CARD });
  expect(url).toMatch(/\/secrets\/[A-Za-z0-9_-]{40,}$/);
  const sent = await new FormClient().submit(url!, { value, ...fields });
  expect(sent.status).toBe(200);
  expect(sent.html).not.toContain(value);
}

/** The private answer: a card only the clicker sees, the answer on top, the clicked card (with buttons) below. */
function expectPrivateRefusal(body: { statusCode: number; type: string; value: unknown }, ask: TeamsAsk) {
  expect(body).toMatchObject({ statusCode: 200, type: CARD });
  const text = cardText(body.value);
  expect(text).toContain('🔒');
  expect(text).toContain('Only you can see this.');
  expect(actionsOf(body.value).some((a) => a.data?.value === ask.value)).toBe(true);
  expect(body.value).not.toHaveProperty('refresh');
}

/**
 * Each test in a channel of its own: Teams allows a bot 60 writes per 30 s per thread, which the simulator enforces
 * and the bot waits out; runs sharing one channel could wait longer than a test waits for an ask.
 */
let channels = 0;
const ownChannel = () => sim.addChannel(`19:guided-${++channels}@thread.tacv2`).id;

describe('rotate in Teams', () => {
  it('approval refused to the requester and a non-approver (privately, nothing recorded), given by an approver; the secure form; done clicks', async () => {
    const sent = await mention(sim, 'rotate acme', admin, ownChannel());
    const runId = sent.runId!;
    expect(runId).toMatch(/^r-/);

    const approval = await openTeamsAsk(sim, runId, 'approval');
    expect(approval.verbs).toEqual(expect.arrayContaining(['align.approve', 'align.deny']));
    // Up-to-date views: the approvers Teams has seen (the approver, and the admin who is one too) by MRI.
    const refresh = cardOf(approval.message)!.refresh as { userIds: string[]; action: { verb: string } };
    expect(refresh.action.verb).toBe('align.refresh');
    expect(refresh.userIds).toEqual(expect.arrayContaining([approver.id, admin.id]));
    expect(refresh.userIds.every((id) => id.startsWith('29:'))).toBe(true);
    const refreshed = await clickTeams(sim, approval, 'refresh', approver);
    expect(refreshed.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(actionsOf(refreshed.body.value).map((a) => a.verb)).toContain('align.approve');

    const editsBefore = sim.message(approval.message.conversationId, approval.message.id)!.edits;
    for (const who of [admin, operator]) {
      const refused = await clickTeams(sim, approval, 'approve', who);
      expect(refused.status).toBe(200);
      expect(refused.ms).toBeLessThan(3000);
      expectPrivateRefusal(refused.body, approval);
    }
    expect(cardText((await clickTeams(sim, approval, 'approve', admin)).body.value)).toContain(
      'someone else has to approve',
    );
    expect(await bot.web!.decisions.get(runId, 'approval', approval.attempt)).toBeUndefined();
    expect(await state(runId)).toBe('waiting');
    // Nobody else saw anything: the shared card was not edited by the refusals.
    expect(sim.message(approval.message.conversationId, approval.message.id)!.edits).toBe(editsBefore);

    const approved = await clickTeams(sim, approval, 'approve', approver);
    expect(approved.body).toMatchObject({ statusCode: 200, type: TOAST });
    // The decision edits the shared card: every viewer sees the outcome, and it no longer asks for refreshes.
    const resolved = await waitFor(() => {
      const card = cardOf(sim.message(approval.message.conversationId, approval.message.id)!);
      return /Approved/.test(cardText(card)) ? card : undefined;
    });
    expect(resolved).not.toHaveProperty('refresh');
    expect(actionsOf(resolved).filter((a) => a.type === 'Action.Execute')).toHaveLength(0);

    const site = bot.jira.sites.get('acme.atlassian.net')!;
    const newToken = registerSecret('teams-rotated-token-2027', 'rotated Jira token');
    acceptToken(site, newToken);
    const input = await openTeamsAsk(sim, runId, 'new-credential');
    // Someone else's secure form: refused privately, no link.
    const stranger = await teamsFormLink(sim, input, operator);
    expect(stranger.url).toBeUndefined();
    expectPrivateRefusal(stranger.body, input);
    await submitForm(input, newToken, { expiry: '2027-06-30' });

    for (const step of ['deactivate', 'update', 'activate']) await done(runId, step);
    await waitFor(async () => (await state(runId)) === 'succeeded', {
      what: 'rotation succeeded',
      timeoutMs: 20_000,
    });
    expect((await bot.web!.connectors.get('acme'))!.tokenExpiresAt).toBe('2027-06-30');
    const audit = await bot.web!.audit.recent({ connector: 'acme', limit: 50 });
    expect(audit.filter((e) => e.outcome === 'denied').length).toBeGreaterThanOrEqual(3);
    expect(audit.some((e) => e.outcome === 'approved' && e.actor === approver.aadObjectId)).toBe(true);
    // The whole run in the command's thread.
    const thread = sim.thread(sent.conversationId, sent.activityId);
    expect(thread.every((m) => m.fromBot)).toBe(true);
    expect(thread.some((m) => m.id === approval.message.id)).toBe(true);
  }, 60_000);

  it('a denial by an approver ends the run; a late click is told privately', async () => {
    const sent = await mention(sim, 'rotate umbrella', admin, ownChannel());
    const runId = sent.runId!;
    const approval = await openTeamsAsk(sim, runId, 'approval');
    expect((await clickTeams(sim, approval, 'deny', approver)).body.type).toBe(TOAST);
    await waitFor(async () => (await state(runId)) === 'cancelled', { what: 'denied' });
    const late = await clickTeams(sim, approval, 'approve', approver);
    expect(late.body).toMatchObject({ statusCode: 200, type: CARD });
    expect(cardText(late.body.value)).toMatch(/ended|no longer open/);
  });
});

describe('connect in Teams', () => {
  it('Basic: the token through the secure form, done clicks, an active connector', async () => {
    const host = 'teamsco.atlassian.net';
    const site = bot.jira.addSite({ host, baseUrl: bot.jira.siteUrl(host) });
    const token = registerSecret(`svc-token-${host}`, `Jira token of ${host}`);
    const account = site.addAccount({ email: `svc@${host}`, token, accountType: 'app', appType: 'service' });
    site.addProject('ALIGN');
    site.grantAll(account, 'ALIGN', PROJECT_PERMISSIONS);
    bot.align.addInstance('teamsco.jiraalign.com');
    const sent = await mention(
      sim,
      `connect teamsco --jira ${bot.jira.siteUrl(host)} --align ${bot.align.instanceUrl('teamsco.jiraalign.com')} --auth basic --email svc@${host}`,
      admin,
      ownChannel(),
    );
    const runId = sent.runId!;
    await submitForm(await openTeamsAsk(sim, runId, 'service-account'), token);
    for (const step of ['prerequisites', 'align-connector', 'activate', 'test-project'])
      await done(runId, step);
    await waitFor(async () => (await state(runId)) === 'succeeded', {
      what: 'connect succeeded',
      timeoutMs: 20_000,
    });
    expect(await bot.web!.connectors.get('teamsco')).toMatchObject({ auth: 'basic', active: true });
    const root = sim.message(sent.conversationId, sent.root!.id)!;
    expect(cardText(cardOf(root))).toContain('passed');
  }, 60_000);
});
