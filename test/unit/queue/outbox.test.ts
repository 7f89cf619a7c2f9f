/**
 * The outbox's sync decision (src/queue/outbox.ts) against FakeChat and in-memory stores: post the root once,
 * edit only what changed, post each reply once in the root's thread, take a pacing slot before each call, let a
 * 429 push the slot out for everyone and deliver nothing twice on the retry, and stop on a permanent error.
 */
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDeliveryError, ChatRateLimited } from '../../../src/chat/port.js';
import type { RunView } from '../../../src/core/views/view.js';
import { createLogger } from '../../../src/logger.js';
import type { OutboxJob } from '../../../src/queue/names.js';
import { hashMessage, type OutboxDeps, outboxProcessor, syncRun } from '../../../src/queue/outbox.js';
import { PaceWait } from '../../../src/queue/pacer.js';
import { ManualClock } from '../helpers/clock.js';
import { FakeChat } from '../helpers/fake-chat.js';
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
let deps: OutboxDeps;
let runId: string;

beforeEach(async () => {
  clock = new ManualClock();
  chat = new FakeChat({ pacing: { postIntervalMs: 1000, updateIntervalMs: 1000 } });
  runs = new MemoryRunStore(clock);
  deliveries = new MemoryDeliveryStore();
  pacer = new MemoryPacer(clock);
  view = { root: say('root v1'), replies: [] };
  events = [];
  deps = {
    runs,
    deliveries,
    pacer,
    chatFor: (platform) => (platform === chat.platform ? chat : undefined),
    viewOf: () => view,
    logger: createLogger('silent'),
    onDelivery: (event) => events.push(event),
  };
  const run = aRun();
  runId = run.id;
  await runs.create(run);
});

/** Syncs after the pacing intervals have passed, as a later outbox job would. */
async function syncLater() {
  clock.advance(1000);
  await syncRun(runId, deps);
}

describe('outbox: what a sync sends', () => {
  it('posts the root once; a sync with nothing changed sends nothing', async () => {
    await syncRun(runId, deps);
    await syncLater();
    await syncLater();
    expect(chat.calls.map((c) => c.kind)).toEqual(['post']);
    const root = chat.roots()[0]!;
    expect(root.plain).toContain('root v1');
    expect((await deliveries.get(runId)).root).toEqual({ ref: root.ref, hash: hashMessage(view.root) });
    expect(events).toEqual(['post']);
  });

  it('edits the root in place when its content changed', async () => {
    await syncRun(runId, deps);
    view = { root: say('root v2'), replies: [] };
    await syncLater();
    expect(chat.calls.map((c) => c.kind)).toEqual(['post', 'update']);
    expect(chat.roots()).toHaveLength(1);
    expect(chat.roots()[0]!.plain).toContain('root v2');
    expect(chat.count('update', chat.roots()[0]!.ref)).toBe(1);
  });

  it('posts each reply once in the root’s thread and edits one only when it changed', async () => {
    view = {
      root: say('root'),
      replies: [
        { key: 'fail:a', message: say('a failed') },
        { key: 'fail:b', message: say('b failed') },
      ],
    };
    // Replies are posts in the same conversation: each waits for its own slot, and each paced retry goes on
    // where the last stopped.
    await expect(syncRun(runId, deps)).rejects.toBeInstanceOf(PaceWait);
    await expect(syncLater()).rejects.toBeInstanceOf(PaceWait);
    await syncLater();
    const root = chat.roots()[0]!;
    expect(chat.replies(root.ref).map((r) => r.view.text)).toEqual(['a failed', 'b failed']);
    expect(chat.replies(root.ref)[0]!.thread).toEqual(root.ref);

    view = { ...view, replies: [view.replies[0]!, { key: 'fail:b', message: say('b failed, again') }] };
    await syncLater();
    const replies = chat.replies(root.ref);
    expect(replies).toHaveLength(2);
    expect(replies[1]!.plain).toContain('b failed, again');
    expect(chat.calls.map((c) => c.kind)).toEqual(['post', 'post', 'post', 'update']);
  });

  it('posts a note for everyone in the channel itself, outside the thread the command came from', async () => {
    const conversation = { platform: chat.platform, channel: 'C-UNIT', thread: 'T-COMMAND' };
    const run = aRun({ conversation });
    runId = run.id;
    await runs.create(run);
    view = {
      root: say('root'),
      replies: [
        { key: 'note', inChannel: true, message: say('hold edits') },
        { key: 'ask', message: say('deactivate?') },
      ],
    };
    await expect(syncRun(runId, deps)).rejects.toBeInstanceOf(PaceWait);
    await expect(syncLater()).rejects.toBeInstanceOf(PaceWait);
    await syncLater();
    const [root, note] = chat.roots();
    expect(root!.conversation).toEqual(conversation);
    expect(note!.plain).toContain('hold edits');
    expect(note!.conversation).toEqual({ platform: chat.platform, channel: 'C-UNIT' });
    expect(chat.replies(root!.ref).map((r) => [r.plain, r.conversation])).toEqual([
      [expect.stringContaining('deactivate?'), conversation],
    ]);
  });

  it('sends nothing for a run that is gone or a platform without a port', async () => {
    await syncRun('r-nosuchrun', deps);
    await runs.create(aRun({ id: 'r-elsewhere', conversation: { platform: 'other', channel: 'C' } }));
    await syncRun('r-elsewhere', deps);
    expect(chat.calls).toEqual([]);
  });
});

describe('outbox: pacing and rate limits', () => {
  it('takes a slot per conversation for posts; a fresh message’s first edit waits a full interval', async () => {
    await syncRun(runId, deps);
    view = { root: say('root v2'), replies: [] };
    await expect(syncRun(runId, deps)).rejects.toBeInstanceOf(PaceWait);
    expect(chat.count('update')).toBe(0);
    await syncLater();
    expect(chat.count('update')).toBe(1);
  });

  it('a 429 on a post pushes the conversation’s slot out by Retry-After, and the retry posts once', async () => {
    chat.rateLimitNext('post', 5000);
    await expect(syncRun(runId, deps)).rejects.toBeInstanceOf(ChatRateLimited);
    expect(pacer.pushes).toEqual([{ kind: 'post', target: 'fake:C-UNIT', ms: 5000 }]);
    expect((await deliveries.get(runId)).root).toBeUndefined();
    expect(events).toEqual(['rate_limited']);

    clock.advance(4000);
    await expect(syncRun(runId, deps)).rejects.toMatchObject({ waitMs: 1000 });
    clock.advance(1000);
    await syncRun(runId, deps);
    expect(chat.calls.map((c) => c.kind)).toEqual(['post']);
  });

  it('a 429 on an edit pushes that message’s slot out; nothing delivered is sent again', async () => {
    chat.pacing.postIntervalMs = 0;
    view = { root: say('root v1'), replies: [{ key: 'r1', message: say('reply') }] };
    await syncRun(runId, deps);
    const root = chat.roots()[0]!;
    view = { ...view, root: say('root v2') };
    chat.rateLimitNext('update', 3000);
    clock.advance(1000);
    await expect(syncRun(runId, deps)).rejects.toBeInstanceOf(ChatRateLimited);
    expect(pacer.pushes.at(-1)).toEqual({ kind: 'update', target: `fake:${root.ref.id}`, ms: 3000 });
    clock.advance(3000);
    await syncRun(runId, deps);
    expect(chat.calls.map((c) => c.kind)).toEqual(['post', 'post', 'update']);
    expect(chat.roots()[0]!.plain).toContain('root v2');
  });

  it('a 429 part-way through the replies: the retry posts only the ones not yet delivered', async () => {
    view = {
      root: say('root'),
      replies: ['a', 'b', 'c'].map((k) => ({ key: k, message: say(`reply ${k}`) })),
    };
    chat.pacing.postIntervalMs = 0;
    // The root and reply a go through; reply b is answered 429.
    chat.rateLimitNext('post', 100, 2);
    await expect(syncRun(runId, deps)).rejects.toBeInstanceOf(ChatRateLimited);
    expect(chat.calls.map((c) => c.view.text)).toEqual(['root', 'reply a']);
    await expect(syncRun(runId, deps)).rejects.toBeInstanceOf(PaceWait);
    clock.advance(100);
    await syncRun(runId, deps);
    expect(chat.calls.map((c) => c.view.text)).toEqual(['root', 'reply a', 'reply b', 'reply c']);
    expect(chat.replies(chat.roots()[0]!.ref).map((r) => r.view.text)).toEqual([
      'reply a',
      'reply b',
      'reply c',
    ]);
  });
});

describe('outbox processor: what becomes of a failed sync job', () => {
  function outboxJob() {
    const moves: number[] = [];
    const job = {
      data: { kind: 'sync', runId },
      moveToDelayed: async (at: number) => {
        moves.push(at);
      },
    } as unknown as Job<OutboxJob>;
    return { job, moves };
  }

  it('a 429 parks the job until Retry-After has passed (DelayedError), without using an attempt', async () => {
    const { job, moves } = outboxJob();
    chat.rateLimitNext('post', 7000);
    const before = Date.now();
    await expect(outboxProcessor(deps)(job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(moves).toHaveLength(1);
    expect(moves[0]!).toBeGreaterThanOrEqual(before + 7000);
  });

  it('a full pacing slot parks the job for the time left', async () => {
    await syncRun(runId, deps);
    view = { root: say('root v2'), replies: [] };
    clock.advance(400);
    const { job, moves } = outboxJob();
    const before = Date.now();
    await expect(outboxProcessor(deps)(job)).rejects.toBeInstanceOf(DelayedError);
    expect(moves[0]! - before).toBeGreaterThanOrEqual(600);
    expect(moves[0]! - before).toBeLessThan(600 + 1000);
  });

  it('a permanent delivery error stops: UnrecoverableError, counted as failed', async () => {
    chat.failNext('post', 'channel_not_found', true);
    const { job } = outboxJob();
    await expect(outboxProcessor(deps)(job)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(events).toEqual(['failed']);
    expect(chat.calls).toEqual([]);
  });

  it('a temporary delivery error is thrown as is, for the job’s retries', async () => {
    chat.failNext('post', 'internal_error', false);
    const { job } = outboxJob();
    await expect(outboxProcessor(deps)(job)).rejects.toBeInstanceOf(ChatDeliveryError);
    clock.advance(1000);
    await outboxProcessor(deps)(job);
    expect(chat.count('post')).toBe(1);
  });
});
