/**
 * Issue 8, defect 13: every Redis key the bot writes has a bounded lifetime or a bounded count. Representative
 * flows run under this file's prefix — a test, ad-hoc tests of two URLs, a connect, a rotate, a report, a
 * maintenance window scheduled and cancelled — and then every key under the prefix either expires or is one of
 * the bounded kinds named below, with the reason.
 * (Found unbounded before: the per-connector run index that each ad-hoc URL created, and last results.)
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../../src/core/run.js';
import { PROJECT_PERMISSIONS } from '../../../src/core/runbooks/checks/jira.js';
import { ADMIN, APPROVER, acceptToken, type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { click, FormClient, formLink, openAsk } from '../../helpers/guided.js';
import { registerSecret } from '../../helpers/leaks.js';
import { keysOf, REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const prefix = testPrefix('key-bounds');
let bot: BotHarness;
const redis = new Redis(REDIS_URL);

/** Keys that may live without a TTL, each with what bounds how many there are or how large they grow. */
const BOUNDED: Array<[RegExp, string]> = [
  [/^audit$/, 'the audit stream: XADD MAXLEN ~ 50,000 entries'],
  [/^connectors$/, 'names of connectors saved by /align connect: one member per connector'],
  [/^connector:[^:]+$/, 'a connector saved by /align connect: one per connector'],
  [/^connector:[^:]+:override$/, 'a rotated credential of a file connector: one per connector'],
  [
    /^secret:s-[\w-]+$/,
    'a connector’s stored credential: one per connector (checked below: each one is in use)',
  ],
  [/^report:schedules$/, 'report schedules: one field per channel'],
  [
    /^maintenance:windows$/,
    'maintenance windows: each add drops those ended over 30 days ago and refuses a new one past 1,000',
  ],
  [/^runs:open$/, 'runs not yet ended: each leaves as it ends, and the sweep ends the forgotten ones'],
  [
    /^(runs|outbox|report-triggers):(id|meta|wait|active|delayed|prioritized|paused|marker|pc|stalled)$/,
    'BullMQ queue state: one key per queue, holding live jobs only',
  ],
  [/^(runs|outbox|report-triggers):events$/, 'BullMQ event stream: trimmed to ~10,000 events by BullMQ'],
  [
    /^(runs|outbox|report-triggers):(completed|failed)$/,
    'BullMQ finished jobs: trimmed by removeOnComplete / removeOnFail (age and count, queue/queues.ts)',
  ],
  [
    /^runs:r-[a-z0-9]+$/,
    'the job of a run: removed 24 h after it completes (5,000 at most) or 7 days after it fails',
  ],
  [/^outbox:\d+$/, 'an outbox job: removed 1 h after it completes (1,000 at most) or 7 days after it fails'],
  [/^outbox:de:sync-r-[a-z0-9]+$/, 'a sync’s deduplication key: deleted when its job finishes'],
];

beforeAll(async () => {
  bot = await startBot({ prefix, connectors: [{ name: 'acme', host: 'acme.atlassian.net' }] });
});

afterAll(async () => {
  redis.disconnect();
  await bot.stop();
});

async function command(text: string, channel: string, userId = ADMIN): Promise<string | undefined> {
  const ack = await bot.slack.sendCommand({ text, userId, channelId: channel });
  return /(r-[a-z0-9]+)/.exec((ack.body as { text: string }).text)?.[1];
}

async function ended(runId: string | undefined) {
  expect(runId).toBeDefined();
  await waitFor(async () => isTerminal((await bot.web!.runs.get(runId!))?.state ?? 'queued'), {
    what: `run ${runId} ended`,
    timeoutMs: 30_000,
  });
}

async function done(channel: string, runId: string, step: string, userId = ADMIN) {
  await click(bot.slack, await openAsk(bot.slack, channel, runId, step), 'done', userId);
}

async function submit(channel: string, runId: string, step: string, value: string) {
  const { url } = await formLink(bot.slack, await openAsk(bot.slack, channel, runId, step), ADMIN);
  expect((await new FormClient().submit(url!, { value })).status).toBe(200);
}

async function connectAndRotate() {
  const host = 'boundco.atlassian.net';
  const site = bot.jira.addSite({ host, baseUrl: bot.jira.siteUrl(host) });
  const token = registerSecret('svc-token-boundco', 'Jira token of boundco');
  const account = site.addAccount({ email: `svc@${host}`, token, accountType: 'app', appType: 'service' });
  site.addProject('ALIGN');
  site.grantAll(account, 'ALIGN', PROJECT_PERMISSIONS);
  bot.align.addInstance('boundco.jiraalign.com');
  const channel = 'CKEYS2';
  const connect = (await command(
    `connect boundco --jira ${bot.jira.siteUrl(host)} --align ${bot.align.instanceUrl('boundco.jiraalign.com')} --auth basic --email svc@${host}`,
    channel,
  ))!;
  await submit(channel, connect, 'service-account', token);
  for (const step of ['prerequisites', 'align-connector', 'activate', 'test-project'])
    await done(channel, connect, step);
  await ended(connect);
  expect((await bot.web!.runs.get(connect))!.state).toBe('succeeded');

  const rotate = (await command('rotate boundco', 'CKEYS3'))!;
  await click(bot.slack, await openAsk(bot.slack, 'CKEYS3', rotate, 'approval'), 'approve', APPROVER);
  const fresh = 'rotated-token-of-boundco';
  acceptToken(site, fresh);
  await submit('CKEYS3', rotate, 'new-credential', fresh);
  for (const step of ['deactivate', 'update', 'activate']) await done('CKEYS3', rotate, step);
  await ended(rotate);
  expect((await bot.web!.runs.get(rotate))!.state).toBe('succeeded');
}

describe('Redis keys', () => {
  it('every key under the prefix expires or is a bounded kind', async () => {
    await ended(await command('test acme', 'CKEYS1', OPERATOR));
    await ended(
      await command(`test --jira ${bot.jira.siteUrl('adhoc-one.atlassian.net')}`, 'CKEYS1', OPERATOR),
    );
    await ended(
      await command(`test --jira ${bot.jira.siteUrl('adhoc-two.atlassian.net')}`, 'CKEYS1', OPERATOR),
    );
    await connectAndRotate();
    await ended(await command('report now', 'CKEYS4'));
    const from = new Date(Math.ceil((Date.now() + 2 * 3600_000) / 60_000) * 60_000)
      .toISOString()
      .slice(0, 16);
    const until = new Date(Date.parse(`${from}Z`) + 3600_000).toISOString().slice(0, 16);
    const window = await command(`maintenance acme --from ${from} --until ${until}`, 'CKEYS5');
    await command(`maintenance cancel ${window}`, 'CKEYS5');
    await ended(window);
    await waitFor(
      async () => {
        const counts = await bot.web!.queues.outbox.getJobCounts('waiting', 'active', 'delayed');
        return Object.values(counts).every((n) => n === 0);
      },
      { what: 'the outbox drained', timeoutMs: 20_000 },
    );

    const unbounded: string[] = [];
    const kinds = new Map<string, number>();
    for (const key of await keysOf(prefix)) {
      const name = key.slice(prefix.length + 1);
      if ((await redis.pttl(key)) > 0) continue;
      const bound = BOUNDED.find(([pattern]) => pattern.test(name));
      if (!bound) unbounded.push(name);
      else kinds.set(bound[1], (kinds.get(bound[1]) ?? 0) + 1);
    }
    expect(unbounded).toEqual([]);
    // The flows above did write the bounded kinds this test names (it checks something real).
    expect(kinds.size).toBeGreaterThan(5);

    // A stored credential without a TTL is in use: the one the connector now holds (the replaced one is gone).
    const permanent: string[] = [];
    for (const key of await keysOf(`${prefix}:secret`))
      if ((await redis.pttl(key)) === -1) permanent.push(key.slice(prefix.length + 1));
    const inUse = (await bot.web!.connectors.get('boundco'))!.secrets?.jira as { stored: string };
    expect(permanent).toEqual([`secret:${inUse.stored}`]);
  });
});
