/**
 * Driving maintenance windows end to end (issue 13): a clock the test moves, and helpers that advance it to a
 * window's next edge and wake the parked job (BullMQ delays count real time, so the test promotes the job once its
 * run's clock has passed the time it waits for).
 */
import { expect } from 'vitest';
import type { Clock } from '../../../src/core/ports.js';
import type { Run } from '../../../src/core/run.js';
import { localParts } from '../../../src/core/uptime.js';
import type { SimMessage } from '../../../src/sandbox/slack-sim.js';
import { ADMIN, addHealthySite, type BotHarness } from '../../helpers/bot.js';
import { registerSecret } from '../../helpers/leaks.js';
import { waitFor } from '../../helpers/wait.js';

/** Real time plus an offset the test moves forward. */
export class TestClock implements Clock {
  private offset = 0;

  constructor(start = Date.now()) {
    this.offset = start - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  advanceTo(at: number): void {
    if (at > this.now()) this.offset = at - Date.now();
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}

/** `2026-12-05T22:00`: a wall-clock time in `timeZone`, as an admin types it. */
export function localIso(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

/** The next whole minute at or after `epochMs`. */
export function wholeMinute(epochMs: number): number {
  return Math.ceil(epochMs / 60_000) * 60_000;
}

export async function command(bot: BotHarness, text: string, channel: string, userId = ADMIN) {
  const ack = await bot.slack.sendCommand({ text, userId, channelId: channel });
  expect(ack.status).toBe(200);
  const body = ack.body as { text: string };
  return { text: body.text, runId: /\b(r-[a-z0-9]+)\b/.exec(body.text)?.[1] };
}

export async function runOf(bot: BotHarness, runId: string): Promise<Run> {
  return (await bot.web!.runs.get(runId))!;
}

/** Waits until the run's job is parked, then moves the clock to `at` and wakes the job. */
export async function wakeAt(bot: BotHarness, clock: TestClock, runId: string, at: number): Promise<void> {
  const job = await waitFor(
    async () => {
      const j = await bot.web!.queues.runs.getJob(runId);
      return j && (await j.getState()) === 'delayed' ? j : undefined;
    },
    { what: `run ${runId} parked`, timeoutMs: 20_000 },
  );
  clock.advanceTo(at);
  await job.promote();
}

/** Waits for the run to satisfy `probe` (read from Redis). */
export async function until(bot: BotHarness, runId: string, what: string, probe: (run: Run) => boolean) {
  return waitFor(
    async () => {
      const run = await runOf(bot, runId);
      return run && probe(run) ? run : undefined;
    },
    { what, timeoutMs: 20_000 },
  );
}

export function step(run: Run, id: string) {
  return run.steps.find((s) => s.id === id)!;
}

/** The channel's message whose blocks name `marker` (a run id), newest first. */
export function messageWith(bot: BotHarness, channel: string, marker: string): SimMessage | undefined {
  return [...bot.slack.channel(channel)].reverse().find((m) => JSON.stringify(m.blocks).includes(marker));
}

export function text(message: SimMessage | undefined): string {
  return message ? `${message.text}\n${JSON.stringify(message.blocks)}` : '';
}

/** A Jira Cloud site and a Jira Align instance for `name`, saved as a Redis connector with both credentials. */
export async function alignedConnector(bot: BotHarness, name: string) {
  const host = `${name}.atlassian.net`;
  const env: Record<string, string> = {};
  const { site, entry } = addHealthySite(bot.jira, { name, host }, env);
  const alignHost = `${name}.jiraalign.com`;
  const instance = bot.align.addInstance(alignHost);
  const alignToken = registerSecret(`user:1|align-token-of-${name}`, `Jira Align token of ${name}`);
  instance.addUser(alignToken);
  const connector = instance.addConnector(1);
  connector.projects.push({
    projectId: 10000,
    projectKey: 'ALIGN',
    projectName: 'ALIGN project',
    programId: 1,
    errorMessage: null,
  });
  const alignVar = `T_${name.toUpperCase().replace(/-/g, '_')}_ALIGN_TOKEN`;
  process.env[alignVar] = alignToken;
  await bot.web!.connectors.save({
    name,
    jira: { url: entry.jira, kind: 'cloud' },
    align: { url: bot.align.instanceUrl(alignHost), connectorId: 1 },
    auth: 'basic',
    email: entry.email,
    project: entry.project,
    secrets: { jira: entry.secrets.jira, align: { env: alignVar } },
  });
  return { site, instance, connector };
}
