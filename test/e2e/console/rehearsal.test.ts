/**
 * The procedure rehearsed end to end through the console's own routes (what its pages call), on a sandbox started
 * as `start` starts it: `/align rotate` of a Basic Auth demo connector to a passed post-check (new token created
 * in the simulated Jira, Deactivate → update from the password manager → Save → Activate in the simulated Jira
 * Align), an OAuth access token revoked in Jira and authorized again in Jira Align (the bot's test sees both), and
 * `/align report now`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServer } from '../../../src/cli/start.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import type { Stoppable } from '../../../src/services.js';
import { FormClient } from '../../helpers/guided.js';
import { recordOutput, registerSecret } from '../../helpers/leaks.js';
import { freePort, REPO_ROOT } from '../../helpers/process.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const prefix = testPrefix('rehearsal');
const CHANNEL = 'CSANDBOX';
let server: Stoppable;
let base: string;

interface Message {
  ts: string;
  text: string;
  blocks: Array<{ type: string; elements?: Array<{ action_id?: string; value?: string; url?: string }> }>;
  replies: Message[];
}

interface Channel {
  messages: Message[];
  ephemerals: Array<{ user: string; text: string; blocks: Message['blocks']; command?: string }>;
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await runServer(
    'start',
    loadConfig({
      REDIS_URL,
      ALIGN_BOT_REDIS_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      PORT: String(port),
      ALIGN_BOT_METRICS_PORT: '0',
    } as NodeJS.ProcessEnv),
    createLogger('silent'),
  );
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('SANDBOX_') && value) registerSecret(value, name);
  }
}, 30_000);

afterAll(async () => {
  const state = await get<Channel>(`/console/api/slack/channel/${CHANNEL}`).catch(() => undefined);
  if (state) recordOutput('console channel', JSON.stringify(state));
  await server?.close();
  await deleteKeys(prefix);
  rmSync(join(REPO_ROOT, '.data', 'sandbox', prefix), { recursive: true, force: true });
});

async function get<T>(path: string): Promise<T> {
  const res = await request(`${base}${path}`);
  return (await res.body.json()) as T;
}

async function post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
  const res = await request(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.body.json()) as T & { error?: string };
  if (res.statusCode !== 200) throw new Error(`${path}: ${answer.error}`);
  return answer;
}

async function command(text: string, user = 'UADMIN'): Promise<string> {
  await post('/console/api/slack/command', { text, user, channel: CHANNEL });
  const state = await get<Channel>(`/console/api/slack/channel/${CHANNEL}`);
  const ack = state.ephemerals.filter((e) => e.user === user && e.command === text).at(-1);
  return /Run (r-[a-z0-9]+)/.exec(ack?.text ?? '')?.[1] ?? '';
}

function buttons(m: { blocks: Message['blocks'] }) {
  return m.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

/** The reply that currently asks `step` of run `runId`, with its button value. */
async function ask(runId: string, step: string) {
  return waitFor(
    async () => {
      const state = await get<Channel>(`/console/api/slack/channel/${CHANNEL}`);
      for (const reply of state.messages.flatMap((m) => m.replies).reverse()) {
        const value = buttons(reply).find((b) => b.value?.startsWith(`${runId}|${step}|`))?.value;
        if (value) return { ts: reply.ts, value };
      }
      return undefined;
    },
    { what: `the ask of ${step}`, timeoutMs: 20_000 },
  );
}

async function click(runId: string, step: string, action: string, user = 'UADMIN') {
  const { ts, value } = await ask(runId, step);
  await post('/console/api/slack/click', { channel: CHANNEL, ts, actionId: `align.${action}`, value, user });
}

/** "Open the secure form" as the admin; the private answer's link. */
async function formUrl(runId: string, step: string): Promise<string> {
  const seen = (await get<Channel>(`/console/api/slack/channel/${CHANNEL}`)).ephemerals.length;
  await click(runId, step, 'secret');
  return waitFor(
    async () => {
      const state = await get<Channel>(`/console/api/slack/channel/${CHANNEL}`);
      return state.ephemerals
        .slice(seen)
        .flatMap((e) => buttons(e))
        .find((b) => b.url)?.url;
    },
    { what: 'the form link' },
  );
}

async function rootOf(runId: string, state: RegExp): Promise<Message> {
  return waitFor(
    async () => {
      const channel = await get<Channel>(`/console/api/slack/channel/${CHANNEL}`);
      return channel.messages.find((m) => JSON.stringify(m.blocks).includes(runId) && state.test(m.text));
    },
    { what: `run ${runId} ${state}`, timeoutMs: 30_000 },
  );
}

describe('rehearsing the procedure through the console', () => {
  it('/align rotate acme: new token in Jira, Deactivate → update → Save → Activate in Jira Align, passed', async () => {
    const runId = await command('/align rotate acme');
    expect(runId).toMatch(/^r-/);
    await click(runId, 'approval', 'approve', 'UAPPROVER');

    const created = await post<{ token: { id: string; value: string } }>(
      '/console/api/jira/acme.atlassian.net/token.create',
      { email: 'svc-align@acme.example', label: 'rotation' },
    );
    const token = registerSecret(created.token.value, 'rehearsal: new Jira token');
    const sent = await new FormClient().submit(await formUrl(runId, 'new-credential'), { value: token });
    expect(sent.status).toBe(200);

    const connector = '/console/api/align/acme.jiraalign.com';
    await ask(runId, 'deactivate');
    await post(`${connector}/connector.deactivate`, { id: 1 });
    await click(runId, 'deactivate', 'done');
    await ask(runId, 'update');
    const { passwords } = await get<{ passwords: Array<{ id: string; label: string }> }>(
      '/console/api/admin',
    );
    const saved = passwords.find((p) => p.label.startsWith('acme: rotation'))!;
    await post(`${connector}/connector.save`, { id: 1, apiTokenFrom: saved.id });
    await click(runId, 'update', 'done');
    await ask(runId, 'activate');
    await post(`${connector}/connector.activate`, { id: 1 });
    await click(runId, 'activate', 'done');

    const root = await rootOf(runId, /: (passed|failed)/);
    expect(root.text).toContain('rotate acme: passed');
  }, 60_000);

  it('an OAuth access token revoked in Jira fails the test; Reauthorize → Allow in Jira Align fixes it', async () => {
    await post('/console/api/breaks', {
      kind: 'jira',
      host: 'umbrella.atlassian.net',
      id: 'oauth-token-revoked',
      on: true,
    });
    const broken = await command('/align test umbrella');
    const failed = await rootOf(broken, /: (passed|failed)/);
    expect(failed.text).toContain('failed');
    // The thread's replies follow the root's last edit (the outbox paces posts per channel).
    await waitFor(
      async () =>
        JSON.stringify((await rootOf(broken, /failed/)).replies).includes('OAUTH_TOKEN_REJECTED') ||
        undefined,
      { what: 'the OAUTH_TOKEN_REJECTED reply' },
    );

    const connector = '/console/api/align/umbrella.jiraalign.com';
    await post(`${connector}/connector.authorize`, { id: 1 });
    const access = await post<{ accounts: string[] }>(`${connector}/connector.request-access`, { id: 1 });
    await post(`${connector}/connector.decide`, { id: 1, email: access.accounts[0], allow: true });
    const fixed = await command('/align test umbrella');
    expect((await rootOf(fixed, /: (passed|failed)/)).text).toContain('passed');
  }, 45_000);

  it('/align report now lists every demo connector', async () => {
    const runId = await command('/align report now');
    const report = await waitFor(
      async () =>
        (await get<Channel>(`/console/api/slack/channel/${CHANNEL}`)).messages.find(
          (m) => JSON.stringify(m.blocks).includes(runId) && /Fleet report: \d+ failing/.test(m.text),
        ),
      { what: 'the fleet report', timeoutMs: 30_000 },
    );
    for (const name of ['acme', 'globex', 'initech', 'umbrella', 'stark', 'wonka'])
      expect(JSON.stringify(report.blocks)).toContain(name);
  }, 45_000);
});
