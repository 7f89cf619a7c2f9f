/** Drives guided runs through the Slack simulator: find the open ask of a step, click its buttons, fill its form. */
import { request } from 'undici';
import type { SimMessage, SlackSim } from '../../src/sandbox/slack-sim.js';
import { waitFor } from './wait.js';

export interface Ask {
  message: SimMessage;
  attempt: number;
  value: string;
  actions: string[];
}

interface Button {
  action_id?: string;
  value?: string;
  url?: string;
}

function buttonsOf(message: SimMessage): Button[] {
  return (message.blocks as Array<{ type: string; elements?: Button[] }>)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);
}

/** The thread reply that currently asks about `stepId` (it has buttons). */
export async function openAsk(
  slack: SlackSim,
  channel: string,
  runId: string,
  stepId: string,
  timeoutMs = 15_000,
  minAttempt = 0,
): Promise<Ask> {
  return waitFor(
    () => {
      for (const message of [...slack.messages].reverse()) {
        if (message.channel !== channel || !message.threadTs) continue;
        const buttons = buttonsOf(message);
        const mine = buttons.find(
          (b) => b.value?.startsWith(`${runId}|${stepId}|`) && Number(b.value.split('|')[2]) >= minAttempt,
        );
        if (mine?.value) {
          return {
            message,
            value: mine.value,
            attempt: Number(mine.value.split('|')[2]),
            actions: buttons.map((b) => b.action_id ?? ''),
          };
        }
      }
      return undefined;
    },
    { timeoutMs, what: `an open ask for ${stepId}` },
  );
}

export async function click(slack: SlackSim, ask: Ask, action: string, userId: string) {
  const answer = await slack.clickButton({
    channel: ask.message.channel,
    ts: ask.message.ts,
    actionId: `align.${action}`,
    value: ask.value,
    userId,
  });
  const reply = (await slack.responseFor(answer.responseId, 1500)) as
    | { text?: string; blocks?: unknown[] }
    | undefined;
  return { status: answer.status, reply };
}

/** Clicks "Open the secure form" as `userId` and returns the one-time URL the bot answered with. */
export async function formLink(
  slack: SlackSim,
  ask: Ask,
  userId: string,
): Promise<{ url?: string; text?: string }> {
  const { reply } = await click(slack, ask, 'secret', userId);
  const buttons = ((reply?.blocks ?? []) as Array<{ type: string; elements?: Button[] }>).flatMap(
    (b) => b.elements ?? [],
  );
  return { url: buttons.find((b) => b.url)?.url, text: reply?.text };
}

/** A browser without JavaScript: GET the form (keeping its cookie), POST the value with the CSRF token. */
export class FormClient {
  private cookie = '';

  async open(url: string) {
    const res = await request(url, { headers: this.cookie ? { cookie: this.cookie } : {} });
    const setCookie = res.headers['set-cookie'];
    if (setCookie) this.cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;
    const html = await res.body.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    return { status: res.statusCode, html, csrf };
  }

  async submit(url: string, fields: Record<string, string>) {
    const page = await this.open(url);
    return this.post(url, { csrf: page.csrf ?? '', ...fields });
  }

  async post(url: string, fields: Record<string, string>) {
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: res.statusCode, html: await res.body.text() };
  }
}
