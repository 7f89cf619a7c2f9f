/**
 * Exactly-once posts (issue 12 item 1), the outbox's decision against FakeChat: a post is marked in flight before
 * its call; after an ambiguous failure (accepted then 500, a timeout) the next attempt waits until the first call
 * can no longer land, then looks the post up where the platform can (found → recorded, not posted; absent →
 * posted once) and otherwise re-posts once at most — a second ambiguous failure leaves the mark, posts no third
 * copy, and a later lookup settles it. Lookups take their own pacing slot; an ambiguous edit is simply retried.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDeliveryError, ChatRateLimited } from '../../../src/chat/port.js';
import type { RunView } from '../../../src/core/views/view.js';
import { createLogger } from '../../../src/logger.js';
import { hashMessage, type OutboxDeps, syncRun } from '../../../src/queue/outbox.js';
import { LANDING_GRACE_MS } from '../../../src/queue/post-once.js';
import { ManualClock } from '../helpers/clock.js';
import { FakeChat, type FakeLookupOptions } from '../helpers/fake-chat.js';
import { MemoryDeliveryStore, MemoryPacer, MemoryRunStore } from '../helpers/memory-stores.js';
import { aRun } from '../helpers/runs.js';

const say = (text: string) => ({ text, blocks: [{ type: 'text' as const, text: [text] }] });

let clock: ManualClock;
let chat: FakeChat;
let runs: MemoryRunStore;
let deliveries: MemoryDeliveryStore;
let pacer: MemoryPacer;
let view: RunView;
let events: string[];
let runId: string;

function setUp(lookup?: FakeLookupOptions) {
  chat = new FakeChat({ pacing: { postIntervalMs: 0, updateIntervalMs: 0 }, ...(lookup ? { lookup } : {}) });
}

function deps(): OutboxDeps {
  return {
    runs,
    deliveries,
    pacer,
    chatFor: () => chat,
    viewOf: () => view,
    logger: createLogger('silent'),
    onDelivery: (event) => events.push(event),
    now: () => clock.now(),
  };
}

const sync = () => syncRun(runId, deps());
const flight = async (slot = 'root') => (await deliveries.get(runId)).flights.get(slot);

/** A sync that fails as the platform answered; the error it threw. */
async function failingSync(): Promise<unknown> {
  return sync().then(
    () => expect.fail('the sync should have failed'),
    (error: unknown) => error,
  );
}

beforeEach(async () => {
  clock = new ManualClock();
  runs = new MemoryRunStore(clock);
  deliveries = new MemoryDeliveryStore();
  pacer = new MemoryPacer(clock);
  view = { root: say('root v1'), replies: [] };
  events = [];
  const run = aRun();
  runId = run.id;
  await runs.create(run);
  setUp();
});

describe('a post is marked in flight before its call', () => {
  it('marked with an attempt id, its time and until when it may land; the record replaces the mark', async () => {
    chat.acceptThenFail('post', 'http-500');
    const error = await failingSync();
    expect(error).toMatchObject({ outcome: 'unknown', answered: true });
    const mark = await flight();
    expect(mark).toMatchObject({ at: clock.now(), tries: 1, hash: hashMessage(view.root) });
    expect(mark!.attempt).toMatch(/^[0-9a-f]{12}$/);
    // A 5xx was an answer: nothing more will land, so the outcome is settled now.
    expect(mark!.until).toBe(clock.now());

    await sync();
    expect(await flight()).toBeUndefined();
    expect((await deliveries.get(runId)).root).toBeDefined();
  });

  it('a failure that delivered nothing (429, a refusal) removes the mark: the retry is a first post', async () => {
    chat.rateLimitNext('post', 1000).failNext('post', 'invalid_blocks', false);
    await expect(sync()).rejects.toBeInstanceOf(ChatRateLimited);
    expect(await flight()).toBeUndefined();
    clock.advance(1000);
    await expect(sync()).rejects.toBeInstanceOf(ChatDeliveryError);
    expect(await flight()).toBeUndefined();
    await sync();
    expect(chat.roots()).toHaveLength(1);
  });

  it('after a timeout the next attempt waits out the landing grace; a worker that died waits out the call', async () => {
    chat.acceptThenFail('post', 'timeout');
    await failingSync();
    expect((await flight())!.until).toBe(clock.now() + LANDING_GRACE_MS);
    await expect(sync()).rejects.toMatchObject({ waitMs: LANDING_GRACE_MS });
    expect(chat.count('post')).toBe(1);

    // A mark its worker never settled (killed mid-call): it may land until the call's timeout and the grace.
    await deliveries.markInFlight(runId, 'reply:x', {
      attempt: 'dead00000000',
      at: clock.now(),
      until: clock.now() + chat.callTimeoutMs + LANDING_GRACE_MS,
      tries: 1,
      hash: 'h',
    });
    clock.advance(LANDING_GRACE_MS);
    view = { ...view, replies: [{ key: 'x', message: say('x') }] };
    await expect(sync()).rejects.toMatchObject({ waitMs: chat.callTimeoutMs });
  });
});

describe('with a lookup (Slack with a history scope)', () => {
  beforeEach(() => setUp({ intervalMs: 60_000 }));

  it('in flight + found: recorded with the found message, not posted again', async () => {
    chat.acceptThenFail('post', 'http-500');
    await failingSync();
    await sync();
    expect(chat.roots()).toHaveLength(1);
    expect(chat.count('post')).toBe(1);
    expect(chat.lookups).toMatchObject([{ tag: { runId, key: 'root' }, result: 'found' }]);
    expect((await deliveries.get(runId)).root).toEqual({
      ref: chat.roots()[0]!.ref,
      hash: hashMessage(view.root),
    });
    expect(events).toEqual(['lookup', 'found']);
  });

  it('in flight + not found (a 500 before Slack took it): posted once', async () => {
    chat.failUnknownNext('post');
    await failingSync();
    expect(await flight()).toMatchObject({ tries: 1 });
    await sync();
    expect(chat.lookups.map((l) => l.result)).toEqual(['absent']);
    expect(chat.roots()).toHaveLength(1);
    expect(chat.count('post')).toBe(1);
    expect(await flight()).toBeUndefined();
  });

  it('a reply is looked up in its thread; a found message with older content is edited at once', async () => {
    view = { root: say('root'), replies: [{ key: 'fail:a', message: say('a v1') }] };
    chat.acceptThenFail('post', 'timeout', 1);
    await failingSync();
    view = { ...view, replies: [{ key: 'fail:a', message: say('a v2') }] };
    clock.advance(LANDING_GRACE_MS);
    await sync();
    const root = chat.roots()[0]!;
    expect(chat.lookups).toMatchObject([
      { tag: { runId, key: 'fail:a' }, thread: root.ref, result: 'found' },
    ]);
    const replies = chat.replies(root.ref);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.view.text).toBe('a v2');
    expect(chat.calls.map((c) => c.kind)).toEqual(['post', 'post', 'update']);
  });

  it('lookups take their own slot per method: a second one waits the interval, a 429 pushes it out', async () => {
    chat.acceptThenFail('post', 'http-500');
    await failingSync();
    const other = aRun();
    await runs.create(other);
    chat.acceptThenFail('post', 'http-500');
    await syncRun(other.id, deps()).catch(() => undefined);

    await sync();
    await expect(syncRun(other.id, deps())).rejects.toMatchObject({ waitMs: 60_000 });
    expect(chat.lookups).toHaveLength(1);
    clock.advance(60_000);
    await syncRun(other.id, deps());
    expect(chat.lookups).toHaveLength(2);
    expect(chat.roots()).toHaveLength(2);

    const limited = aRun();
    await runs.create(limited);
    chat.acceptThenFail('post', 'http-500');
    await syncRun(limited.id, deps()).catch(() => undefined);
    clock.advance(60_000);
    const lookup = chat.lookup!;
    const find = lookup.find;
    lookup.find = async () => {
      throw new ChatRateLimited(90_000);
    };
    await expect(syncRun(limited.id, deps())).rejects.toBeInstanceOf(ChatRateLimited);
    lookup.find = find;
    expect(pacer.pushes.at(-1)).toEqual({ kind: 'lookup', target: 'fake:history', ms: 90_000 });
  });

  it('a lookup that cannot be made here (no scope for this channel) falls back to one re-post', async () => {
    setUp({ unavailable: true });
    chat.acceptThenFail('post', 'http-500');
    await failingSync();
    await sync();
    expect(chat.lookups.map((l) => l.result)).toEqual(['unavailable']);
    expect(chat.roots()).toHaveLength(2);
  });

  it('stuck where lookups cannot tell: looked up again an hour later at the soonest, not at every sync', async () => {
    setUp({ unavailable: true });
    chat.acceptThenFail('post', 'http-500').acceptThenFail('post', 'http-500');
    await failingSync();
    await failingSync();
    await sync();
    await sync();
    clock.advance(30 * 60_000);
    await sync();
    expect(chat.lookups).toHaveLength(2);
    expect(chat.count('post')).toBe(2);
    clock.advance(30 * 60_000);
    await sync();
    expect(chat.lookups).toHaveLength(3);
    expect(events.filter((e) => e === 'unresolved')).toHaveLength(1);
  });
});

describe('without a lookup (Slack without a history scope, Teams)', () => {
  it('in flight, no lookup: one re-post, recorded; a duplicate at most', async () => {
    chat.acceptThenFail('post', 'http-500');
    await failingSync();
    await sync();
    expect(chat.roots()).toHaveLength(2);
    expect((await deliveries.get(runId)).root!.ref).toEqual(chat.roots()[1]!.ref);
    expect(await flight()).toBeUndefined();
  });

  it('the re-post fails ambiguously too: no third copy, the mark stays (stuck), replies wait, logged once', async () => {
    view = { root: say('root'), replies: [{ key: 'fail:a', message: say('a') }] };
    chat.acceptThenFail('post', 'http-500').acceptThenFail('post', 'timeout');
    await failingSync();
    await failingSync();
    clock.advance(LANDING_GRACE_MS);
    await sync();
    await sync();
    expect(chat.count('post')).toBe(2);
    expect(chat.tagged(runId, 'fail:a')).toHaveLength(0);
    expect(await flight()).toMatchObject({ tries: 2, stuck: true });
    expect(events.filter((e) => e === 'unresolved')).toHaveLength(1);

    // A later deployment that can look posts up settles it, and the run's messages follow.
    chat.withLookup({ intervalMs: 0 });
    await sync();
    expect(chat.count('post')).toBe(3);
    expect(chat.tagged(runId, 'root')).toHaveLength(2);
    expect(chat.tagged(runId, 'fail:a')).toHaveLength(1);
    expect(await flight()).toBeUndefined();
  });

  it('a re-post that is refused (429) puts the first mark back: still one re-post allowed, no more', async () => {
    chat.acceptThenFail('post', 'http-500').rateLimitNext('post', 500);
    await failingSync();
    await expect(sync()).rejects.toBeInstanceOf(ChatRateLimited);
    expect(await flight()).toMatchObject({ tries: 1 });
    clock.advance(500);
    await sync();
    expect(chat.roots()).toHaveLength(2);
  });

  it('a reply whose re-post failed ambiguously too is skipped; the other replies go on', async () => {
    view = {
      root: say('root'),
      replies: ['a', 'b'].map((k) => ({ key: k, message: say(`reply ${k}`) })),
    };
    // The root goes through; reply a and its one re-post are both accepted, then answered 500.
    chat.acceptThenFail('post', 'http-500', 1).acceptThenFail('post', 'http-500');
    await failingSync();
    await failingSync();
    await sync();
    expect((await flight('reply:a'))?.stuck).toBe(true);
    const root = chat.roots()[0]!;
    expect(chat.tagged(runId, 'a')).toHaveLength(2);
    expect(chat.tagged(runId, 'b')).toHaveLength(1);
    expect(chat.replies(root.ref)).toHaveLength(3);
    expect((await deliveries.get(runId)).replies.has('b')).toBe(true);
  });

  it('an ambiguous edit is simply retried: edits are idempotent', async () => {
    await sync();
    view = { root: say('root v2'), replies: [] };
    chat.acceptThenFail('update', 'timeout');
    await failingSync();
    await sync();
    expect(chat.count('update')).toBe(2);
    expect(chat.count('post')).toBe(1);
    expect(chat.roots()[0]!.view.text).toBe('root v2');
    expect((await deliveries.get(runId)).root!.hash).toBe(hashMessage(view.root));
  });
});
