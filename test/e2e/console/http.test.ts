/**
 * The sandbox console's HTTP side: served by `start` without credentials only, on 127.0.0.1 only; loopback Host
 * and same-origin JSON only; every bad input answered with a short 4xx, never a 5xx; its browser files found from
 * the source tree and from the compiled build alike.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServer } from '../../../src/cli/start.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { SlackSim } from '../../../src/sandbox/slack-sim.js';
import type { Stoppable } from '../../../src/services.js';
import { adaptiveCardsScript, consoleAssetsDir } from '../../../src/web/console/assets.js';
import { registerSecret } from '../../helpers/leaks.js';
import { freePort, REPO_ROOT } from '../../helpers/process.js';
import { deleteKeys, REDIS_URL, testPrefix } from '../../helpers/redis.js';

const sandboxPrefix = testPrefix('console-http');
const slackPrefix = testPrefix('console-off');
let sandbox: Stoppable;
let port: number;

function env(prefix: string, extra: Record<string, string> = {}) {
  return loadConfig({
    REDIS_URL,
    ALIGN_BOT_REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    PORT: String(port),
    // The internal listener (/metrics) on a free port: its default, 9464, is one per machine.
    ALIGN_BOT_METRICS_PORT: '0',
    ...extra,
  } as NodeJS.ProcessEnv);
}

beforeAll(async () => {
  port = await freePort();
  sandbox = await runServer('start', env(sandboxPrefix), createLogger('silent'));
}, 30_000);

afterAll(async () => {
  await sandbox?.close();
  await deleteKeys(sandboxPrefix);
  rmSync(join(REPO_ROOT, '.data', 'sandbox', sandboxPrefix), { recursive: true, force: true });
});

async function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const res = await request(`http://127.0.0.1:${port}${path}`, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return {
    status: res.statusCode,
    type: String(res.headers['content-type'] ?? ''),
    text: await res.body.text(),
  };
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('served by the sandbox only, on loopback only', () => {
  it('GET / is the console page', async () => {
    const page = await call('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Align Bot sandbox</title>');
    expect((await call('/console/console.js')).status).toBe(200);
    const renderer = await call('/console/vendor/adaptivecards.min.js');
    expect(renderer.status).toBe(200);
    expect(renderer.type).toContain('javascript');
    expect(renderer.text).toContain('AdaptiveCards');
    const missing = await call('/console/no-such-file.js');
    expect(missing.status).toBe(404);
    expect(missing.text).not.toMatch(/at .*\.js:\d+|node_modules/);
  });

  it('listens on 127.0.0.1, not on the machine’s other addresses', async () => {
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of others) {
      await expect(request(`http://${address}:${port}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it.each([
    [
      'Slack',
      (slack: SlackSim) => ({
        SLACK_SIGNING_SECRET: slack.signingSecret,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_API_URL: slack.apiUrl,
      }),
    ],
    [
      'Teams',
      () => ({
        MicrosoftAppId: '11111111-2222-4333-8444-555555555555',
        MicrosoftAppPassword: registerSecret('console-off-teams-app-password', 'teams app password'),
        ALIGN_BOT_TEAMS_TENANTS: '00000000-0000-4000-8000-0000000000aa',
      }),
    ],
  ] as const)('with %s credentials (config.platforms) there is no console', async (_name, credentials) => {
    const slack = await new SlackSim().start();
    const own = await freePort();
    const config = loadConfig({
      REDIS_URL,
      ALIGN_BOT_REDIS_PREFIX: slackPrefix,
      LOG_LEVEL: 'silent',
      PORT: String(own),
      ALIGN_BOT_METRICS_PORT: '0',
      ...credentials(slack),
    } as NodeJS.ProcessEnv);
    expect(Object.keys(config.platforms)).toEqual([_name.toLowerCase()]);
    const listeners = process.listenerCount('SIGTERM');
    const server = await runServer('start', config, createLogger('silent'));
    let closed = false;
    try {
      for (const path of [
        '/',
        '/console/api/info',
        '/console/console.js',
        '/console/api/teams/state?user=admin',
        '/console/vendor/adaptivecards.min.js',
      ]) {
        expect((await request(`http://127.0.0.1:${own}${path}`)).statusCode, path).toBe(404);
      }
      await server.close();
      closed = true;
      // A server closed by its owner takes its signal handlers with it (several run in one test process).
      expect(process.listenerCount('SIGTERM')).toBe(listeners);
    } finally {
      if (!closed) await server.close();
      await slack.stop();
      await deleteKeys(slackPrefix);
    }
  });
});

describe('the Teams tab’s routes', () => {
  interface TeamsState {
    chat: { id: string | null; messages: Array<{ fromBot: boolean; text: string; attachments: unknown[] }> };
  }

  it('a 1:1 message reaches the bot through its signed ingress; the chat is the sender’s alone', async () => {
    const sent = await post('/console/api/teams/message', {
      text: '@Align Bot help',
      user: 'operator',
      to: 'chat',
    });
    expect(sent.status).toBe(200);
    // The bot validates the simulator's JWT (the sandbox runs Teams with auth on): 200, not 401.
    expect(JSON.parse(sent.text).status).toBe(200);
    const state = async (user: string) =>
      JSON.parse((await call(`/console/api/teams/state?user=${user}`)).text) as TeamsState;
    const chat = (await state('operator')).chat;
    expect(chat.messages.map((m) => [m.fromBot, m.fromBot ? 'card' : m.text])).toEqual([
      [false, 'help'],
      [true, 'card'],
    ]);
    expect(JSON.stringify(chat.messages[1]!.attachments)).toContain('AdaptiveCard');
    expect((await state('admin')).chat).toEqual({ id: null, messages: [] });
  });
});

describe('only this machine’s browser may drive it', () => {
  it('refuses another Host (DNS rebinding) and a cross-site Origin', async () => {
    expect((await call('/', { headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await call('/console/api/info', { headers: { host: `attacker.example:${port}` } })).status).toBe(
      403,
    );
    const crossSite = await post(
      '/console/api/slack/command',
      { text: 'test acme', user: 'UADMIN', channel: 'CSANDBOX' },
      { origin: 'http://evil.example' },
    );
    expect(crossSite.status).toBe(403);
  });

  it('takes writes as JSON only (a form post from another page cannot reach it)', async () => {
    const form = await call('/console/api/slack/command', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"text":"test acme","user":"UADMIN","channel":"CSANDBOX"}',
    });
    expect(form.status).toBe(415);
  });
});

describe('bad input gets a short 4xx, never a 5xx', () => {
  it.each([
    ['/console/api/slack/command', {}],
    ['/console/api/slack/command', { text: '/giphy cats', user: 'UADMIN', channel: 'CSANDBOX' }],
    ['/console/api/slack/click', { channel: 'CSANDBOX', user: 'not a user', actionId: 'x' }],
    ['/console/api/jira/acme.atlassian.net/no-such-action', {}],
    ['/console/api/jira/acme.atlassian.net/token.create', { email: 'nobody@acme.example' }],
    ['/console/api/jira/acme.atlassian.net/token.create', { email: 42 }],
    ['/console/api/jira/nowhere.atlassian.net/site.captcha', { on: true }],
    ['/console/api/jira/acme.atlassian.net/link.update', { id: 'nope', publicKey: 'x' }],
    ['/console/api/align/acme.jiraalign.com/connector.save', { id: 99 }],
    ['/console/api/align/acme.jiraalign.com/connector.save', { id: 1, authType: 'kerberos' }],
    ['/console/api/align/acme.jiraalign.com/connector.request-access', { id: 1 }],
    ['/console/api/align/nowhere.jiraalign.com/connector.add', {}],
    ['/console/api/breaks', { kind: 'jira', host: 'acme.atlassian.net', id: 'no-such-break', on: true }],
    ['/console/api/breaks', { kind: 'dns', host: 'acme.atlassian.net', id: 'dns', on: true }],
    ['/console/api/teams/message', {}],
    ['/console/api/teams/message', { text: '@Align Bot ', user: 'admin' }],
    ['/console/api/teams/message', { text: 'test acme', user: 'guest' }],
    ['/console/api/teams/message', { text: 'test acme', user: 'admin', to: 'everyone' }],
    ['/console/api/teams/invoke', { conversationId: '19:x', messageId: '1', user: 'admin' }],
    [
      '/console/api/teams/invoke',
      { conversationId: '19:x', messageId: '1', verb: 'v', data: 'x', user: 'admin' },
    ],
    ['/console/api/teams/refresh', { conversationId: '19:x', user: 'admin' }],
  ])('POST %s %j', async (path, body) => {
    const answer = await post(path, body);
    expect(answer.status).toBe(400);
    expect(answer.type).toContain('application/json');
    const error = (JSON.parse(answer.text) as { error: string }).error;
    expect(error.length).toBeGreaterThan(0);
    expect(error).not.toMatch(/at .*\.ts:\d+|node_modules/);
  });

  it('Teams: an unknown user, a card that is not the bot’s', async () => {
    expect((await call('/console/api/teams/state?user=nobody')).status).toBe(400);
    expect((await call('/console/api/teams/state')).status).toBe(400);
    const invoke = await post('/console/api/teams/invoke', {
      conversationId: '19:sandbox-general@thread.tacv2',
      messageId: '1',
      verb: 'align.approve',
      user: 'approver',
    });
    expect(invoke.status).toBe(404);
    expect(JSON.parse(invoke.text).error).toBe('No such card of the bot’s.');
  });

  it('unknown routes and malformed JSON', async () => {
    expect((await call('/console/api/nope')).status).toBe(404);
    const broken = await call('/console/api/breaks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"kind":',
    });
    expect(broken.status).toBe(400);
    expect(broken.text).not.toMatch(/SyntaxError|at .*\.js:\d+/);
  });

  it('a refused admin action says why, as the admin UI would', async () => {
    const active = await post('/console/api/align/acme.jiraalign.com/connector.save', {
      id: 1,
      apiToken: 'new-one',
    });
    expect(active.status).toBe(400);
    expect(JSON.parse(active.text).error).toMatch(/^Deactivate the connector first/);
  });
});

describe('the browser files are found from the source tree and from the compiled build', () => {
  const expected = join(REPO_ROOT, 'src/web/console/static');

  it('from src/web/console (tsx) and from a dist/web/console module location', () => {
    expect(consoleAssetsDir()).toBe(expected);
    const fromDist = pathToFileURL(join(REPO_ROOT, 'dist/web/console/assets.js')).href;
    expect(consoleAssetsDir(fromDist)).toBe(expected);
    const renderer = join(REPO_ROOT, 'node_modules/adaptivecards/dist/adaptivecards.min.js');
    expect(adaptiveCardsScript()).toBe(renderer);
    expect(adaptiveCardsScript(fromDist)).toBe(renderer);
  });

  it('the compiled module, run from a build folder inside the package, finds them itself', async () => {
    const source = ts.sys.readFile(join(REPO_ROOT, 'src/web/console/assets.ts'))!;
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022 },
      fileName: 'assets.ts',
    });
    const build = join(REPO_ROOT, '.data', `build-${sandboxPrefix}`);
    const outDir = join(build, 'web', 'console');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'assets.mjs'), outputText);
    try {
      const compiled = (await import(pathToFileURL(join(outDir, 'assets.mjs')).href)) as {
        consoleAssetsDir(): string | undefined;
      };
      expect(compiled.consoleAssetsDir()).toBe(expected);
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
  });
});
