/**
 * Exactly-once posts in Teams, as far as Teams allows (issue 12 item 1): the Bot Connector gives a bot no way to
 * find a message again, so after an ambiguous failure a post is made once more at most. Through the Teams
 * simulator's accepted-then-500 — the message is stored, the answer is a 500 — on a run's first reply (posted by
 * the outbox) and on its root card (the command's answer, posted by the ingress): nothing is lost, and each
 * ambiguous failure costs one duplicate at most.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../src/core/run.js';
import type { TeamsSimMessage } from '../../../src/sandbox/teams-sim-state.js';
import { type BotHarness, startBot, TEAMS_USERS } from '../../helpers/bot.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { mention, type Sim } from '../teams/drive.js';

let bot: BotHarness;
let sim: Sim;

beforeAll(async () => {
  bot = await startBot({
    prefix: testPrefix('teams-once'),
    teams: true,
    connectors: [
      { name: 'initech', host: 'initech.atlassian.net', setup: (s) => (s.fault = 'anonymous-fallback') },
    ],
  });
  sim = bot.teams!.sim;
});

afterAll(async () => {
  await bot?.stop();
});

/** Mentions the bot in a channel of its own; waits until the run ended and its messages are final. */
async function faultyRun(channelName: string, nthSend: number) {
  const channel = sim.addChannel(`19:${channelName}@thread.tacv2`).id;
  sim.injectFault({ kind: 'accepted-then-500', op: 'send', nth: nthSend });
  const sent = await mention(sim, 'test initech', TEAMS_USERS.operator, channel);
  const runId = /\b(r-[a-z0-9]+)\b/.exec(JSON.stringify(sim.thread(channel, sent.activityId)))?.[1];
  expect(runId, JSON.stringify(sent)).toBeDefined();
  const run = await waitFor(
    async () => {
      const r = await bot.worker!.runs.get(runId!);
      return r?.state === 'failed' ? r : undefined;
    },
    { what: 'the run to end', timeoutMs: 30_000 },
  );
  const thread = () => sim.thread(channel, sent.activityId).filter((m) => m.fromBot);
  await waitFor(() => complete(run, thread()), {
    what: 'a final root card and one reply per failed check',
    timeoutMs: 30_000,
  });
  await new Promise((r) => setTimeout(r, 1500));
  const copies = new Map<string, number>();
  for (const message of thread()) copies.set(keyOf(message), (copies.get(keyOf(message)) ?? 0) + 1);
  console.info(
    `[once] teams accepted-then-500 on send #${nthSend}: ${[...copies].map(([k, n]) => `${k} ×${n}`).join(', ')}`,
  );
  return { run, copies };
}

/** The root card's text names the command; a reply's starts with its check's title. */
function keyOf(message: TeamsSimMessage): string {
  return message.text.includes('test initech') ? 'root' : message.text.split(':')[0]!;
}

function complete(run: Run, thread: TeamsSimMessage[]): boolean {
  if (!thread.some((m) => m.text.includes('test initech: failed'))) return false;
  const failed = run.steps.filter((s) => s.status === 'fail');
  return failed.length > 0 && failed.every((s) => thread.some((m) => keyOf(m) === s.title));
}

describe('Teams: accepted then 500', () => {
  it('on the first reply: the outbox posts it once more at most; nothing lost', {
    timeout: 60_000,
  }, async () => {
    // Send #1 is the root card answering the mention, #2 the outbox's first reply.
    const { run, copies } = await faultyRun('once-reply', 2);
    expect(copies.get('root')).toBe(1);
    const replies = [...copies].filter(([key]) => key !== 'root');
    expect(replies).toHaveLength(run.steps.filter((s) => s.status === 'fail').length);
    expect(replies.filter(([, n]) => n === 2)).toHaveLength(1);
    expect(replies.every(([, n]) => n <= 2)).toBe(true);
  });

  it('on the root card that answers the command: one more root at most, the outbox’s is the one kept final', {
    timeout: 60_000,
  }, async () => {
    const { copies } = await faultyRun('once-root', 1);
    expect(copies.get('root')).toBeLessThanOrEqual(2);
    expect([...copies].filter(([key]) => key !== 'root').every(([, n]) => n === 1)).toBe(true);
  });
});
