/**
 * The queue dashboard (issue 11 item 4): bull-board at /admin/queues on the internal listener only, behind basic
 * auth (ALIGN_BOT_ADMIN_USER / ALIGN_BOT_ADMIN_PASSWORD), read-only, with job data masked down to ids and kinds —
 * also for a job or a scheduler template that carries more than ids.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type BotHarness, startBot } from '../../helpers/bot.js';
import { registerSecret } from '../../helpers/leaks.js';
import { REDIS_URL, testPrefix } from '../../helpers/redis.js';

const USER = 'ops-admin';
const PASSWORD = registerSecret(`pw-${Math.random().toString(36).slice(2)}-dashboard`, 'dashboard password');
/** What a job must never show: stands for parameters or facts a job might one day carry. */
const HIDDEN = registerSecret(
  `hidden-${Math.random().toString(36).slice(2)}`,
  'job data that must be masked',
);

let bot: BotHarness;
let redis: Redis;
let queues: Queue[];

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN_AUTH = { authorization: basic(USER, PASSWORD) };

async function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await request(`http://127.0.0.1:${port}${path}`, { method: method as 'GET', headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('dashboard'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    // No worker: the jobs stay in their queues for the dashboard to show.
    workers: false,
    env: { ALIGN_BOT_ADMIN_USER: USER, ALIGN_BOT_ADMIN_PASSWORD: PASSWORD },
  });
  redis = new Redis(REDIS_URL);
  const prefix = bot.config.redisPrefix;
  queues = ['runs', 'report-triggers'].map((name) => new Queue(name, { connection: redis, prefix }));
  await queues[0]!.add(
    'run',
    { runId: 'r-extra1', params: { token: HIDDEN }, facts: [HIDDEN] },
    { jobId: 'r-extra1' },
  );
  await queues[1]!.upsertJobScheduler(
    's-extra',
    { every: 3_600_000 },
    { data: { scheduleId: 's-extra', note: HIDDEN } },
  );
  const ack = await bot.slack.sendCommand({ text: 'test acme', userId: ADMIN, channelId: 'CDASH' });
  expect((ack.body as { text: string }).text).toMatch(/queued: test acme/);
});

afterAll(async () => {
  await Promise.all(queues?.map((q) => q.close()) ?? []);
  redis?.disconnect();
  await bot?.stop();
});

describe('the queue dashboard', () => {
  it('refuses requests without credentials, or with wrong ones, with 401 and a Basic challenge', async () => {
    const wrong: Array<Record<string, string>> = [
      {},
      { authorization: basic(USER, `${PASSWORD}x`) },
      { authorization: basic(`${USER}x`, PASSWORD) },
      { authorization: basic('', '') },
      { authorization: `Bearer ${PASSWORD}` },
      { authorization: 'Basic !!!not-base64' },
      { authorization: `Basic ${Buffer.from(`${USER}${PASSWORD}`).toString('base64')}` },
    ];
    for (const headers of wrong) {
      for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/x.js']) {
        const res = await get(bot.metricsPort, path, headers);
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm="Align Bot queues"/);
        expect(res.text).not.toContain(PASSWORD);
      }
    }
  });

  it('serves the page and its API with the right credentials', async () => {
    const page = await get(bot.metricsPort, '/admin/queues', ADMIN_AUTH);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('/admin/queues');
    const api = await get(bot.metricsPort, '/admin/queues/api/queues', ADMIN_AUTH);
    expect(api.status).toBe(200);
    const body = JSON.parse(api.text) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['outbox', 'report-triggers', 'runs']);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  it('is not reachable on the public port', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/'])
      expect((await get(bot.port, path, ADMIN_AUTH)).status).toBe(404);
  });

  it('shows run ids and kinds only: any other job data, return values and scheduler templates are masked', async () => {
    const api = await get(
      bot.metricsPort,
      '/admin/queues/api/queues?activeQueue=runs&status=waiting&page=1&jobsPerPage=50',
      ADMIN_AUTH,
    );
    expect(api.status).toBe(200);
    expect(api.text).not.toContain(HIDDEN);
    const runs = (
      JSON.parse(api.text) as { queues: Array<{ name: string; jobs: Array<{ id: string; data: unknown }> }> }
    ).queues.find((q) => q.name === 'runs')!;
    expect(runs.jobs.find((j) => j.id === 'r-extra1')?.data).toEqual({
      runId: 'r-extra1',
      other: '[masked]',
    });
    expect(runs.jobs.some((j) => /^r-[a-z0-9]+$/.test(j.id) && j.id !== 'r-extra1')).toBe(true);

    const job = await get(bot.metricsPort, '/admin/queues/api/queues/runs/r-extra1', ADMIN_AUTH);
    expect(job.status).toBe(200);
    expect(job.text).not.toContain(HIDDEN);
    const logs = await get(bot.metricsPort, '/admin/queues/api/queues/runs/r-extra1/logs', ADMIN_AUTH);
    expect(logs.text).not.toContain(HIDDEN);

    const schedulers = await get(bot.metricsPort, '/admin/queues/api/job-schedulers', ADMIN_AUTH);
    expect(schedulers.status).toBe(200);
    expect(schedulers.text).not.toContain(HIDDEN);
    expect(schedulers.text).toContain('s-extra');
  });

  it('is read-only: no method but GET and HEAD reaches it, and the queues are unchanged', async () => {
    for (const [method, path] of [
      ['PUT', '/admin/queues/api/queues/runs/pause'],
      ['PUT', '/admin/queues/api/queues/runs/r-extra1/promote'],
      ['POST', '/admin/queues/api/queues/runs/add'],
      ['PUT', '/admin/queues/api/queues/runs/empty'],
      ['DELETE', '/admin/queues/api/queues/runs/obliterate'],
      ['PATCH', '/admin/queues/api/queues/runs/r-extra1/update-data'],
    ] as const) {
      const res = await get(bot.metricsPort, path, ADMIN_AUTH, method);
      expect(res.status, `${method} ${path}`).toBe(405);
    }
    expect(await queues[0]!.isPaused()).toBe(false);
    expect(await queues[0]!.getJob('r-extra1')).toBeDefined();
  });

  it('answers malformed requests briefly, never with a stack trace', async () => {
    for (const path of [
      '/admin/queues/api/queues/%E0%A4%A',
      '/admin/queues/api/queues/runs/%zz/logs',
      '/admin/queues/api/queues?page=-1&jobsPerPage=x&status=<script>',
      '/admin/queues/api/queues/nosuchqueue/1',
    ]) {
      const res = await get(bot.metricsPort, path, ADMIN_AUTH);
      expect(res.status, path).toBeLessThan(500);
      expect(res.text, path).not.toMatch(/node_modules|\bat \S+ \(|[A-Za-z]*Error:/);
    }
  });
});
