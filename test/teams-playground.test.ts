/**
 * Microsoft's Agents Playground against the sandbox, replayed: the sandbox as `ALIGN_BOT_SANDBOX_TEAMS_AUTH=off
 * npm start` runs it, and the activities the Playground really sends (test/fixtures/playground-activities.ts) posted
 * to /api/messages without a token, their serviceUrl pointing at a stand-in for the Playground's connector that
 * records what the bot sends. A 1:1 command and a channel mention are answered with the run's root card, edited to
 * its verdict, naming the sender as the Playground names them; a click gets the invoke answer the Playground draws.
 * (`npx tsx scripts/playground-check.ts` drives the real Playground in chromium.)
 */

import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisTeamsReferences } from '../src/chat/teams/references.js';
import { runServer } from '../src/cli/start.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { Stoppable } from '../src/services.js';
import {
  PLAYGROUND_APPROVE_CLICK,
  PLAYGROUND_CHANNEL_MENTION,
  PLAYGROUND_PERSONAL_MESSAGE,
} from './fixtures/playground-activities.js';
import { freePort, REPO_ROOT } from './helpers/process.js';
import { deleteKeys, REDIS_URL, testPrefix } from './helpers/redis.js';
import { waitFor } from './helpers/wait.js';

const prefix = testPrefix('playground');
const ALEX = '00000000-0000-0000-0000-0000000000020';

interface Sent {
  method: string;
  path: string;
  id: string;
  body: { attachments?: Array<{ content?: unknown }> };
}

let server: Stoppable;
let connector: Server;
let serviceUrl: string;
let botUrl: string;
let port: number;
/** What the sandbox printed at start. */
const printed: string[] = [];
const sent: Sent[] = [];
const previousAuth = process.env.ALIGN_BOT_SANDBOX_TEAMS_AUTH;

/** The Playground's connector as the bot sees it: posts get an id, edits keep theirs. */
function startConnector(): Promise<Server> {
  let next = 1_795_000_000_000;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
    });
    req.on('end', () => {
      const path = decodeURIComponent(req.url ?? '');
      const id = req.method === 'PUT' ? (path.split('/').pop() ?? '') : String(next++);
      sent.push({ method: req.method ?? '', path, id, body: raw ? JSON.parse(raw) : {} });
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  connector = await startConnector();
  serviceUrl = `http://localhost:${(connector.address() as AddressInfo).port}/_connector`;
  process.env.ALIGN_BOT_SANDBOX_TEAMS_AUTH = 'off';
  port = await freePort();
  botUrl = `http://127.0.0.1:${port}/api/messages`;
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return write(chunk);
  });
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
  ).finally(() => spy.mockRestore());
}, 60_000);

afterAll(async () => {
  if (previousAuth === undefined) delete process.env.ALIGN_BOT_SANDBOX_TEAMS_AUTH;
  else process.env.ALIGN_BOT_SANDBOX_TEAMS_AUTH = previousAuth;
  await server?.close();
  await new Promise((resolve) => connector?.close(resolve));
  await deleteKeys(prefix);
  rmSync(join(REPO_ROOT, '.data', 'sandbox', prefix), { recursive: true, force: true });
});

async function deliver(activity: object): Promise<{ status: number; body: string }> {
  const res = await request(botUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...activity, serviceUrl }),
  });
  return { status: res.statusCode, body: await res.body.text() };
}

const cardText = (s: Sent) => JSON.stringify(s.body.attachments?.[0]?.content ?? '');

/** The last version of the card first posted as `first` (its later edits are PUTs to its id). */
function latest(first: Sent): string {
  const edits = sent.filter((s) => s.method === 'PUT' && s.id === first.id);
  return cardText(edits.at(-1) ?? first);
}

describe('the Agents Playground against the sandbox (Teams auth off)', () => {
  it('npm start prints the command that starts the Playground against this bot', () => {
    expect(printed.join('')).toContain(
      `Agents Playground: TEAMSAPPTESTER_BROWSER=none npx @microsoft/m365agentsplayground -e http://localhost:${port}/api/messages -c msteams --disable-telemetry\n`,
    );
  });

  it('a 1:1 `test acme` is answered with the root card, edited to passed, naming the sender by name', async () => {
    const before = sent.length;
    const answer = await deliver(PLAYGROUND_PERSONAL_MESSAGE);
    expect(answer.status).toBe(200);
    const root = sent.slice(before).find((s) => s.method === 'POST' && cardText(s).includes('test acme'));
    expect(root?.path).toContain(
      `/v3/conversations/${PLAYGROUND_PERSONAL_MESSAGE.conversation.id}/activities`,
    );
    const final = await waitFor(
      () => (root && latest(root).includes('test acme: passed') ? latest(root) : ''),
      {
        timeoutMs: 30_000,
        what: 'the root card edited to passed',
      },
    );
    // The Playground's sender id is `user-id-0`, not a `29:` MRI: the card still names the person.
    expect(final).toContain('Alex Wilber');
    expect(final).not.toContain(ALEX);
  }, 40_000);

  it('a channel post `<at>Test Bot</at> test acme` is answered in its thread, the mention stripped', async () => {
    const before = sent.length;
    const answer = await deliver(PLAYGROUND_CHANNEL_MENTION);
    expect(answer.status).toBe(200);
    const root = sent.slice(before).find((s) => s.method === 'POST');
    expect(root?.path).toContain('/v3/conversations/team-id;messageid=1795952748096/activities');
    expect(cardText(root!)).toContain('test acme');
    await waitFor(() => root && latest(root).includes('test acme: passed'), {
      timeoutMs: 30_000,
      what: 'the channel root card edited to passed',
    });
    expect(latest(root!)).toContain('Alex Wilber');
  }, 40_000);

  it('Approve clicked by the requester: the invoke answer is a private card the Playground draws', async () => {
    const before = sent.length;
    expect((await deliver({ ...PLAYGROUND_PERSONAL_MESSAGE, text: 'rotate wonka' })).status).toBe(200);
    const ask = await waitFor(
      () => sent.slice(before).find((s) => s.method === 'POST' && cardText(s).includes('align.approve')),
      { timeoutMs: 30_000, what: 'the approval card' },
    );
    const value = /"verb":"align\.approve","data":\{"value":"([^"]+)"/.exec(cardText(ask))?.[1];
    expect(value).toMatch(/^r-[a-z0-9]+\|approval\|0$/);
    const click = {
      ...PLAYGROUND_APPROVE_CLICK,
      replyToId: ask.id,
      value: { action: { ...PLAYGROUND_APPROVE_CLICK.value.action, data: { value } } },
    };
    const answer = await deliver(click);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as { statusCode: number; type: string; value: unknown };
    expect(body.statusCode).toBe(200);
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    const card = JSON.stringify(body.value);
    expect(card).toContain('Only approvers listed in ALIGN_BOT_APPROVERS');
    expect(card).toContain('Only you can see this.');
    expect(card).toContain('Alex Wilber asks to change the credential');
  }, 40_000);
});

describe('the names of users whose ids are not Teams MRIs', () => {
  it('are kept for cards, and such users are never listed to refresh an approval card for', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const references = new RedisTeamsReferences(redis, `${prefix}:names`);
      const tenant = PLAYGROUND_PERSONAL_MESSAGE.conversation.tenantId;
      await references.rememberUser(tenant, ALEX, 'user-id-0', 'Alex  Wilber');
      await references.rememberUser(tenant, 'aad-2', '29:1abc', 'Megan Bowen');
      await references.rememberUser(tenant, 'aad-3', 'user-id-3');
      expect(await references.names(tenant, [ALEX, 'aad-2', 'aad-3'])).toEqual(
        new Map([
          [ALEX, 'Alex Wilber'],
          ['aad-2', 'Megan Bowen'],
        ]),
      );
      expect(await references.mris(tenant, [ALEX, 'aad-2', 'aad-3'])).toEqual(['29:1abc']);
    } finally {
      redis.disconnect();
    }
  });
});
