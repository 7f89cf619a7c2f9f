/**
 * Issue 9, the chat seam: the whole `/align test` flow through FakeChat, with no Redis, no sockets and no chat
 * platform's code. A command typed by a FakeChat user goes through the ack path (CommandService) into the
 * in-memory run store and queue; the run processor executes the test runbook against a fake Jira that answers
 * over an in-memory HttpPort; the outbox delivers each redraw to FakeChat. The root message is posted once and
 * edited in place until it says passed or failed, and a failed check gets one thread reply with its diagnosis.
 * The last test reads this file's import graph: nothing of src/chat/slack or src/chat/teams is loaded.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConnectorSpec } from '../../../src/core/connector-spec.js';
import { registerSecret } from '../../helpers/leaks.js';
import { jiraCloudSite } from '../helpers/fake-http.js';
import { moduleGraph, pathTo } from '../helpers/module-graph.js';
import { CHANNEL, createWorld, OPERATOR, runIdOf, type World } from '../helpers/world.js';

const ACME_TOKEN = registerSecret('acme-api-token-4f1c9e2b7d', 'acme token');
const GLOBEX_TOKEN = registerSecret('globex-api-token-8a3d6b0e55', 'globex token');
const GLOBEX_STALE = registerSecret('globex-revoked-token-1b9f7c', 'globex stale token');

function cloud(name: string, tokenVar: string): ConnectorSpec {
  return {
    name,
    jira: { url: `https://${name}.atlassian.net`, kind: 'cloud' },
    auth: 'basic',
    email: `sync@${name}.example`,
    secrets: { jira: { env: tokenVar } },
  };
}

function world(): World {
  const w = createWorld({
    connectors: [cloud('acme', 'ACME_TOKEN'), cloud('globex', 'GLOBEX_TOKEN')],
    // globex's variable holds a token Jira no longer accepts.
    env: { ACME_TOKEN, GLOBEX_TOKEN: GLOBEX_STALE },
  });
  for (const [name, token] of [
    ['acme', ACME_TOKEN],
    ['globex', GLOBEX_TOKEN],
  ] as const) {
    jiraCloudSite(w.http, {
      host: `${name}.atlassian.net`,
      cloudId: `cloud-${name}`,
      email: `sync@${name}.example`,
      token,
      clock: w.clock,
    });
  }
  return w;
}

/** Types `/align test <name>` and lets the workers run it to the end. */
async function runTest(w: World, name: string, channel: string) {
  const ack = await w.command(`test ${name}`, OPERATOR, channel);
  expect(ack.text).toMatch(new RegExp(`^Run r-[a-z0-9]+ queued: test ${name}\\.`));
  const runId = runIdOf(ack);
  // The ack wrote the run and its job; nothing is in chat yet.
  expect((await w.runs.get(runId))?.state).toBe('queued');
  expect(w.queues.enqueued).toEqual([runId]);
  expect(w.chat.calls).toEqual([]);

  await w.work();

  const run = (await w.runs.get(runId))!;
  const roots = w.chat.roots(channel);
  expect(roots).toHaveLength(1);
  return { runId, run, root: roots[0]! };
}

describe('/align test through FakeChat, in memory', () => {
  it('a healthy site: one root message, edited in place until it says passed, no thread reply', async () => {
    const w = world();
    const { runId, run, root } = await runTest(w, 'acme', `${CHANNEL}-1`);

    expect(run.state).toBe('succeeded');
    expect(run.outcome?.reason).toBe('passed');
    expect(run.steps.every((s) => s.status === 'pass' || s.status === 'skip')).toBe(true);

    expect(w.chat.count('post')).toBe(1);
    expect(w.chat.count('update', root.ref)).toBeGreaterThanOrEqual(run.steps.length - 1);
    expect(root.versions[0]!.text).toContain('test acme: running');
    expect(root.plain).toContain('✅ test acme: passed');
    expect(root.plain).toContain(runId);
    expect(root.plain).toContain('[pass] Service account credentials work');
    // Each edit changed something: the outbox never sends the same content twice.
    for (let i = 1; i < root.versions.length; i += 1)
      expect(root.versions[i]).not.toEqual(root.versions[i - 1]);
    expect(w.chat.replies(root.ref)).toEqual([]);

    expect(w.audit.of(runId)).toEqual(['test:ok']);
    expect(w.connectors.last.get('acme')?.runId).toBe(runId);
    expect(w.history.samples.map((s) => s.result.status)).toEqual(['ok']);
    expect(w.queues.job(runId).state).toBe('completed');
    expect(w.queues.deliveryErrors).toEqual([]);
  });

  it('a rejected token: the root ends failed with JIRA_AUTH_REJECTED, one thread reply with the fix', async () => {
    const w = world();
    const { runId, run, root } = await runTest(w, 'globex', `${CHANNEL}-2`);

    expect(run.state).toBe('failed');
    expect(run.steps.find((s) => s.id === 'auth')).toMatchObject({
      status: 'fail',
      code: 'JIRA_AUTH_REJECTED',
    });
    expect(run.steps.filter((s) => s.status === 'fail')).toHaveLength(1);

    expect(root.plain).toContain('❌ test globex: failed');
    expect(root.plain).toContain('JIRA_AUTH_REJECTED');
    expect(root.plain).toContain('Causes and fixes are in the thread.');
    expect(w.chat.count('update', root.ref)).toBeGreaterThanOrEqual(1);

    const replies = w.chat.replies(root.ref);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.plain).toContain('JIRA_AUTH_REJECTED');
    expect(replies[0]!.plain).toContain('Fix (on Jira)');
    expect(w.chat.count('post')).toBe(2);
    // The gateway was asked whether this is a scoped token; it rejects it too.
    expect(w.http.sentTo('api.atlassian.com')).toEqual([
      '/ex/jira/cloud-globex/rest/api/2/myself?expand=groups,applicationRoles',
    ]);

    expect(w.audit.of(runId)).toEqual(['test:failed']);
    expect(w.connectors.last.get('globex')?.runId).toBe(runId);
    expect(w.queues.deliveryErrors).toEqual([]);
  });

  it('no secret reaches chat or the run record', async () => {
    const w = world();
    await runTest(w, 'acme', `${CHANNEL}-3`);
    await runTest(w, 'globex', `${CHANNEL}-4`).catch(() => undefined);
    const everything = JSON.stringify([w.chat.calls, [...w.runs.records.values()], w.audit.entries]);
    for (const token of [ACME_TOKEN, GLOBEX_TOKEN, GLOBEX_STALE]) expect(everything).not.toContain(token);
  });

  it('loads no chat platform code: nothing of src/chat/slack or src/chat/teams, no platform SDK, no Redis helper', () => {
    const graph = moduleGraph(fileURLToPath(import.meta.url));
    const platformFiles = [...graph.files].filter((f) => /^src\/chat\/(slack|teams)\//.test(f));
    expect(platformFiles.map((f) => pathTo(graph, f))).toEqual([]);
    expect([...graph.packages].filter((p) => /^(@slack\/|botbuilder)/.test(p))).toEqual([]);
    expect(graph.files.has('test/helpers/bot.ts')).toBe(false);
    expect(graph.files.has('test/helpers/redis.ts')).toBe(false);
    // …while the real ack path, run processor, runbook and outbox are what ran.
    for (const file of [
      'src/app/command-service.ts',
      'src/queue/run-worker.ts',
      'src/queue/execute-test.ts',
      'src/queue/outbox.ts',
      'src/core/runbooks/checks/jira.ts',
      'src/core/views/run-view.ts',
    ])
      expect(graph.files.has(file), file).toBe(true);
  });
});
