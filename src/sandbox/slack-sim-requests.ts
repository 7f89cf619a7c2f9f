/**
 * The Slack simulator's Slack → bot direction: signed slash commands and block actions, sent to the bot exactly as
 * Slack sends them, and what the bot answered to their response_urls. SlackSim (slack-sim.ts) adds the Web API.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { LoopbackServer } from './loopback-server.js';
import { safeJson } from './slack-sim-args.js';
import type { ClickInput, CommandInput, SimMessage } from './slack-sim-types.js';

export abstract class SlackSimRequests extends LoopbackServer {
  readonly signingSecret: string;
  readonly teamId: string;
  readonly messages: SimMessage[] = [];
  readonly responses: Array<{ id: string; body: unknown }> = [];
  /** Where signed requests go (the bot's /slack/events). */
  botUrl?: string;

  constructor(options: { signingSecret?: string; teamId?: string }) {
    super();
    this.signingSecret = options.signingSecret ?? randomBytes(16).toString('hex');
    this.teamId = options.teamId ?? 'T0SANDBOX';
  }

  sign(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    const signature = createHmac('sha256', this.signingSecret)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex');
    return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': String(timestamp) };
  }

  /** Sends a slash command the way Slack does: form-encoded, exact content type, signed. */
  async sendCommand(input: CommandInput & { timestamp?: number }) {
    return this.deliver(new URLSearchParams(this.commandPayload(input)).toString(), input.timestamp);
  }

  /** A slash command's fields, as Slack sends them (form fields over HTTP, a JSON payload in Socket Mode). */
  commandPayload(input: CommandInput): Record<string, string> {
    return {
      token: 'legacy-verification-token',
      team_id: this.teamId,
      team_domain: 'sandbox',
      channel_id: input.channelId ?? 'CSANDBOX',
      channel_name: 'align-sandbox',
      user_id: input.userId ?? 'UADMIN',
      user_name: input.userName ?? 'sandbox.admin',
      command: input.command ?? '/align',
      text: input.text,
      api_app_id: 'ASANDBOX',
      is_enterprise_install: 'false',
      response_url: `${this.url}/response/${randomBytes(6).toString('hex')}`,
      trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    };
  }

  /** Sends a block_actions payload for a button in a stored message; `responseId` keys what the bot answers. */
  async clickButton(input: ClickInput) {
    const { payload, responseId } = this.actionPayload(input);
    const answer = await this.deliver(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    return { ...answer, responseId };
  }

  /** A block_actions payload for a button in a stored message, and the id of its response_url. */
  actionPayload(input: ClickInput): { payload: Record<string, unknown>; responseId: string } {
    const message = this.messages.find((m) => m.channel === input.channel && m.ts === input.ts);
    const responseId = randomBytes(6).toString('hex');
    const payload = {
      type: 'block_actions',
      team: { id: this.teamId, domain: 'sandbox' },
      user: {
        id: input.userId,
        username: input.userName ?? input.userId,
        name: input.userName ?? input.userId,
        team_id: this.teamId,
      },
      api_app_id: 'ASANDBOX',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: input.ts, channel_id: input.channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
      channel: { id: input.channel, name: 'align-sandbox' },
      message: message
        ? {
            type: 'message',
            ts: message.ts,
            text: message.text,
            blocks: message.blocks,
            thread_ts: message.threadTs,
          }
        : undefined,
      response_url: `${this.url}/response/${responseId}`,
      actions: [
        {
          type: 'button',
          action_id: input.actionId,
          block_id: 'b',
          value: input.value,
          action_ts: String(Date.now() / 1000),
          text: { type: 'plain_text', text: input.actionId },
        },
      ],
      state: { values: {} },
    };
    return { payload, responseId };
  }

  /** What the bot sent to a response_url (ephemeral answers to a click), waiting briefly for it. */
  async responseFor(responseId: string, timeoutMs = 5000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.responses.find((r) => r.id === responseId);
      if (found) return found.body;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  }

  /** Posts a signed form body to the bot; returns status, parsed body and latency. */
  async deliver(body: string, timestamp?: number, headers: Record<string, string> = {}) {
    if (!this.botUrl) throw new Error('botUrl is not set');
    const started = performance.now();
    const res = await request(this.botUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...this.sign(body, timestamp),
        ...headers,
      },
      body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: safeJson(text) ?? text, ms: performance.now() - started };
  }
}
