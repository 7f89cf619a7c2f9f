/**
 * A worker process is killed with a real SIGKILL in the middle of a run. After its lock expires another worker
 * process takes the job over, continues at the first unfinished step (the finished ones are neither lost nor
 * repeated against Jira), and the channel still holds one root message.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StepRecord } from '../../../src/core/run.js';
import { type BotHarness, OPERATOR, startBot } from '../../helpers/bot.js';
import { killAll, type Spawned, spawnBot } from '../../helpers/process.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const CHANNEL = 'CKILL';
const FINISHED = new Set(['pass', 'warn', 'fail', 'skip']);

let bot: BotHarness;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('kill'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    workers: false,
  });
});

// Workers of one test must not pick up the next test's run.
afterEach(async () => {
  await killAll();
});

afterAll(async () => {
  await killAll();
  await slowSlack?.stop();
  await bot?.stop();
});

function workerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...bot.env, ALIGN_BOT_LOCK_MS: '2000', ALIGN_BOT_STALLED_MS: '1000', LOG_LEVEL: 'warn', ...extra };
}

/**
 * A slow road to the Slack simulator: each Web API call is held for `holdMs` and then forwarded, unless the caller
 * hung up meanwhile (then Slack never hears of it, as when a process dies before its request is sent).
 */
class SlowSlack {
  held = 0;
  forwarded = 0;
  dropped = 0;
  private server?: Server;
  url = '';

  constructor(
    private readonly upstream: string,
    private readonly holdMs: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let gone = false;
      res.on('close', () => {
        if (!res.writableFinished) gone = true;
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.held += 1;
        setTimeout(() => {
          this.held -= 1;
          if (gone) {
            this.dropped += 1;
            return;
          }
          this.forwarded += 1;
          void this.forward(req.url ?? '/', req.headers, Buffer.concat(chunks), res);
        }, this.holdMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async forward(
    path: string,
    headers: Record<string, unknown>,
    body: Buffer,
    res: import('node:http').ServerResponse,
  ) {
    const answer = await request(`${this.upstream}${path}`, {
      method: 'POST',
      headers: {
        'content-type': String(headers['content-type']),
        authorization: String(headers.authorization),
      },
      body,
    });
    const text = await answer.body.text();
    res.writeHead(answer.statusCode, {
      'content-type': String(answer.headers['content-type'] ?? 'application/json'),
      ...(answer.headers['retry-after'] ? { 'retry-after': String(answer.headers['retry-after']) } : {}),
    });
    res.end(text);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

let slowSlack: SlowSlack | undefined;

const finished = (steps: StepRecord[]) => steps.filter((s) => FINISHED.has(s.status));

describe('SIGKILL of a worker in the middle of a run', () => {
  it('another worker process finishes it: steps kept, one root message', { timeout: 90_000 }, async () => {
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    site.latencyMs = 700;
    const first: Spawned = spawnBot(['worker'], workerEnv());

    const ack = await bot.slack.sendCommand({ text: 'test acme', userId: OPERATOR, channelId: CHANNEL });
    const runId = /Run (r-[a-z0-9]+) queued/.exec((ack.body as { text: string }).text)?.[1];
    expect(runId, JSON.stringify(ack.body)).toBeDefined();

    // Mid-way: the site's first answers are in, later checks still wait on the slow Jira.
    const before = await waitFor(
      async () => {
        const run = await bot.web!.runs.get(runId!);
        return run && finished(run.steps).some((s) => s.id === 'tenant') ? run : undefined;
      },
      { what: `the first worker to persist some steps\n${first.output()}`, timeoutMs: 30_000 },
    );
    first.child.kill('SIGKILL');
    const gone = await first.exited;
    expect(gone.signal).toBe('SIGKILL');

    const killed = await bot.web!.runs.get(runId!);
    const done = finished(killed!.steps);
    expect(done.length).toBeGreaterThanOrEqual(finished(before.steps).length);
    expect(done.length).toBeLessThan(killed!.steps.length);
    expect(killed!.state).toBe('running');
    const hitsAtKill = new Map(site.hits);

    const second = spawnBot(['worker'], workerEnv());
    const run = await waitFor(
      async () => {
        const r = await bot.web!.runs.get(runId!);
        return r && r.state !== 'running' && r.state !== 'queued' ? r : undefined;
      },
      { what: `the second worker to finish the run\n${second.output()}`, timeoutMs: 45_000 },
    );
    expect(run.state).toBe('succeeded');
    expect(run.steps.every((s) => s.status === 'pass')).toBe(true);

    // Steps finished before the kill are the same records, not re-run ones.
    for (const step of done) {
      const after = run.steps.find((s) => s.id === step.id)!;
      expect(after).toMatchObject({ status: step.status, startedAt: step.startedAt, endedAt: step.endedAt });
    }
    // …and the second worker did not ask Jira again for what they had checked.
    expect(site.hits.get('/_edge/tenant_info')).toBe(hitsAtKill.get('/_edge/tenant_info'));
    expect(site.hits.get('/_edge/tenant_info')).toBe(1);
    expect(site.hits.get('/status')).toBe(1);

    const root = await waitFor(
      () => bot.slack.channel(CHANNEL).find((m) => m.text.includes('test acme: passed')),
      { what: `the final root message\n${second.output()}`, timeoutMs: 45_000 },
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(bot.slack.channel(CHANNEL)).toHaveLength(1);
    expect(bot.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === CHANNEL)).toHaveLength(1);
    expect(bot.slack.thread(CHANNEL, root.ts)).toHaveLength(0);
    expect(JSON.stringify(root.blocks)).toContain(runId!);
  });

  it('killed while a Slack call is on its way: the outbox job is taken over too, still one root', {
    timeout: 90_000,
  }, async () => {
    const channel = `${CHANNEL}2`;
    const site = bot.jira.sites.get('acme.atlassian.net')!;
    site.latencyMs = 400;
    site.hits.clear();
    slowSlack = await new SlowSlack(bot.slack.url, 1500).start();
    const first = spawnBot(['worker'], workerEnv({ SLACK_API_URL: `${slowSlack.url}/api/` }));

    const ack = await bot.slack.sendCommand({ text: 'test acme', userId: OPERATOR, channelId: channel });
    const runId = /Run (r-[a-z0-9]+) queued/.exec((ack.body as { text: string }).text)?.[1];
    expect(runId, JSON.stringify(ack.body)).toBeDefined();

    // The moment: some steps persisted and a chat delivery held on its way to Slack.
    await waitFor(
      async () => {
        const run = await bot.web!.runs.get(runId!);
        return run && finished(run.steps).length >= 3 && slowSlack!.held > 0;
      },
      { what: `a chat call in flight\n${first.output()}`, timeoutMs: 30_000, intervalMs: 10 },
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();

    const second = spawnBot(['worker'], workerEnv());
    const root = await waitFor(
      () => bot.slack.channel(channel).find((m) => m.text.includes('test acme: passed')),
      { what: `the final root message\n${second.output()}`, timeoutMs: 45_000 },
    );
    // With ALIGN_BOT_LOCK_MS=2000 the take-over is a matter of seconds (the defaults, 8 s + 2 s: test/e2e/reliability/takeover.test.ts).
    expect(Date.now() - killedAt).toBeLessThan(25_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(slowSlack.dropped).toBeGreaterThanOrEqual(1);
    expect(bot.slack.channel(channel)).toHaveLength(1);
    expect(
      bot.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel && c.status === 200),
    ).toHaveLength(1);
    expect(bot.slack.thread(channel, root.ts)).toHaveLength(0);
    const run = await bot.web!.runs.get(runId!);
    expect(run?.state).toBe('succeeded');
  });
});
