/**
 * /align connect end to end, the simulated admin clicking through every step: OAuth (with a wrong consumer key at
 * step 13 caught as OAUTH_CONSUMER_KEY_UNKNOWN before step 16, then a corrected retry) and Basic (steps 5–20
 * skipped). Both end with a full test and an active connector in Redis.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_PERMISSIONS } from '../../../src/core/runbooks/checks/jira.js';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { click, FormClient, formLink, openAsk } from '../../helpers/guided.js';
import { registerSecret } from '../../helpers/leaks.js';
import { dumpPrefix, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

let bot: BotHarness;
let prefix: string;

beforeAll(async () => {
  prefix = testPrefix('connect');
  bot = await startBot({ prefix, connectors: [] });
});

afterAll(async () => {
  await bot.stop();
});

function newSite(host: string) {
  const site = bot.jira.addSite({ host, baseUrl: bot.jira.siteUrl(host) });
  const token = registerSecret(`svc-token-${host}`, `Jira token of ${host}`);
  const account = site.addAccount({ email: `svc@${host}`, token, accountType: 'app', appType: 'service' });
  site.addProject('ALIGN');
  site.grantAll(account, 'ALIGN', PROJECT_PERMISSIONS);
  const alignHost = host.replace('.atlassian.net', '.jiraalign.com');
  bot.align.addInstance(alignHost);
  return {
    site,
    account,
    token,
    jiraUrl: bot.jira.siteUrl(host),
    alignUrl: bot.align.instanceUrl(alignHost),
  };
}

async function start(text: string, channel: string): Promise<string> {
  const ack = await bot.slack.sendCommand({ text, userId: ADMIN, channelId: channel });
  const body = (ack.body as { text: string }).text;
  expect(body).toMatch(/queued: connect/);
  return /Run (r-[a-z0-9]+)/.exec(body)![1]!;
}

async function done(channel: string, runId: string, step: string, action = 'done') {
  const ask = await openAsk(bot.slack, channel, runId, step);
  const answer = await click(bot.slack, ask, action, ADMIN);
  expect(answer.status).toBe(200);
  return ask;
}

async function submit(channel: string, runId: string, step: string, value: string) {
  const ask = await openAsk(bot.slack, channel, runId, step);
  const { url } = await formLink(bot.slack, ask, ADMIN);
  const sent = await new FormClient().submit(url!, { value });
  expect(sent.status).toBe(200);
}

function stepsOf(runId: string) {
  return bot
    .web!.runs.get(runId)
    .then((r) => r!.steps.map((s) => `${s.id}:${s.status}${s.code ? `:${s.code}` : ''}`));
}

describe('/align connect', () => {
  it('a private key pasted into the public-key form is refused, and never stored', async () => {
    const channel = 'CCONNPK';
    const { token, jiraUrl, alignUrl } = newSite('pkco.atlassian.net');
    const runId = await start(
      `connect pkco --jira ${jiraUrl} --align ${alignUrl} --auth oauth --email svc@pkco.atlassian.net`,
      channel,
    );
    await submit(channel, runId, 'service-account', token);
    await done(channel, runId, 'prerequisites');
    await done(channel, runId, 'align-connector');
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const body = privateKey.split('\n').slice(1, -2).join('');
    registerSecret(body, 'a private key pasted by mistake');
    await submit(channel, runId, 'public-key', privateKey);

    const again = await openAsk(bot.slack, channel, runId, 'public-key', 15_000, 1);
    const reply = bot.slack
      .thread(channel, again.message.threadTs!)
      .find((m) => m.text.includes('OAUTH_PRIVATE_KEY_PASTED'));
    expect(reply).toBeTruthy();
    const stored = await dumpPrefix(prefix);
    for (const line of privateKey.split('\n').filter((l) => l.length > 40))
      expect(stored.text).not.toContain(line);
    await bot.slack.sendCommand({ text: `cancel ${runId}`, userId: ADMIN, channelId: channel });
  });

  it('OAuth: every step, a wrong consumer key caught before step 16, a corrected retry, an active connector', async () => {
    const channel = 'CCONN1';
    const { site, token, jiraUrl, alignUrl } = newSite('oauthco.atlassian.net');
    const runId = await start(
      `connect oauthco --jira ${jiraUrl} --align ${alignUrl} --auth oauth --email svc@oauthco.atlassian.net --project ALIGN`,
      channel,
    );

    await submit(channel, runId, 'service-account', token);
    await done(channel, runId, 'prerequisites');
    const fields = await done(channel, runId, 'align-connector');
    const consumerKey = /Consumer Key\*\\n```([^`]+)```/.exec(JSON.stringify(fields.message.blocks))?.[1];
    expect(consumerKey).toBe('jira-align-oauthco');

    const alignKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    await submit(channel, runId, 'public-key', alignKey);

    // Steps 7–15, done by the admin in Jira — with a typo in the consumer key (step 13).
    const link = site.addAppLink(alignUrl);
    link.consumer = { key: 'jira-align-oauthc0', name: 'Jira Align', publicKey: alignKey };
    await done(channel, runId, 'jira-link');

    const retry = await openAsk(bot.slack, channel, runId, 'verify-link');
    expect(retry.actions).toContain('align.retry');
    const failureReply = bot.slack
      .thread(channel, retry.message.threadTs!)
      .find((m) => m.text.includes('OAUTH_CONSUMER_KEY_UNKNOWN'));
    expect(failureReply).toBeTruthy();
    expect(await stepsOf(runId)).toContain('authorize:pending');

    link.consumer.key = 'jira-align-oauthco';
    await click(bot.slack, retry, 'retry', ADMIN);

    await done(channel, runId, 'authorize');
    await done(channel, runId, 'activate');
    await done(channel, runId, 'test-project');
    await waitFor(async () => (await bot.web!.runs.get(runId))?.state === 'succeeded', {
      what: 'connect succeeded',
      timeoutMs: 20_000,
    });

    expect(await stepsOf(runId)).toEqual([
      'jira-reach:pass',
      'align-reach:pass',
      'service-account:pass',
      'prerequisites:pass',
      'align-connector:pass',
      'public-key:pass',
      'jira-link:pass',
      'verify-link:pass',
      'authorize:pass',
      'activate:pass',
      'test-project:pass',
      'final-test:pass',
    ]);
    const project = (await bot.web!.runs.get(runId))!.steps.find((s) => s.id === 'test-project');
    expect(project?.detail).toBe('ALIGN is visible with all 9 permissions a two-way sync needs.');
    const saved = await bot.web!.connectors.get('oauthco');
    expect(saved).toMatchObject({
      name: 'oauthco',
      auth: 'oauth',
      active: true,
      source: 'redis',
      oauth: { consumerKey: 'jira-align-oauthco' },
    });
    expect(saved!.secrets?.jira).toHaveProperty('stored');
    expect(bot.slack.channel(channel)).toHaveLength(1);

    const list = await bot.slack.sendCommand({ text: 'list', userId: ADMIN, channelId: channel });
    expect(JSON.stringify(list.body)).toContain('oauthco');
  });

  it('Basic: steps 5–20 are skipped, the token is verified before it is pasted into Jira Align', async () => {
    const channel = 'CCONN2';
    const { token, jiraUrl, alignUrl } = newSite('basicco.atlassian.net');
    const runId = await start(
      `connect basicco --jira ${jiraUrl} --align ${alignUrl} --auth basic --email svc@basicco.atlassian.net`,
      channel,
    );

    await submit(channel, runId, 'service-account', 'a-wrong-token');
    const again = await openAsk(bot.slack, channel, runId, 'service-account', 15_000, 1);
    expect(again.attempt).toBe(1);
    expect(
      bot.slack.thread(channel, again.message.threadTs!).some((m) => m.text.includes('JIRA_AUTH_REJECTED')),
    ).toBe(true);
    await submit(channel, runId, 'service-account', token);

    await done(channel, runId, 'prerequisites');
    const fields = await done(channel, runId, 'align-connector');
    expect(JSON.stringify(fields.message.blocks)).toContain('svc@basicco.atlassian.net');
    expect(JSON.stringify(fields.message.blocks)).not.toContain(token);
    await done(channel, runId, 'activate');
    await done(channel, runId, 'test-project');
    await waitFor(async () => (await bot.web!.runs.get(runId))?.state === 'succeeded', {
      what: 'connect succeeded',
      timeoutMs: 20_000,
    });
    const steps = await stepsOf(runId);
    expect(steps.filter((s) => /^(public-key|jira-link|verify-link|authorize):skip$/.test(s))).toHaveLength(
      4,
    );
    expect(await bot.web!.connectors.get('basicco')).toMatchObject({
      auth: 'basic',
      email: 'svc@basicco.atlassian.net',
      active: true,
    });

    const test = await bot.slack.sendCommand({ text: 'test basicco', userId: ADMIN, channelId: 'CCONN3' });
    expect((test.body as { text: string }).text).toContain('queued: test basicco');
    const root = await waitFor(() =>
      bot.slack.channel('CCONN3').find((m) => /passed|failed/.test(m.text) && !m.text.includes('running')),
    );
    expect(root.text).toContain('passed');
  });

  it('refuses bad input without starting anything', async () => {
    const missing = await bot.slack.sendCommand({
      text: 'connect x --jira https://x.atlassian.net --align https://x.jiraalign.com --auth basic',
      userId: ADMIN,
      channelId: 'CCONN4',
    });
    expect((missing.body as { text: string }).text).toContain('needs --email');
    const notAdmin = await bot.slack.sendCommand({
      text: 'connect x --jira https://x.atlassian.net --align https://x.jiraalign.com',
      userId: 'USOMEONE',
      channelId: 'CCONN4',
    });
    expect((notAdmin.body as { text: string }).text).toContain('Only Align Bot admins');
    expect(bot.slack.channel('CCONN4')).toHaveLength(0);
  });
});
