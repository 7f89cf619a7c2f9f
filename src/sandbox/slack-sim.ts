/**
 * A Slack simulator on loopback HTTP: the Web API methods the bot uses (stored per channel and thread, with Block
 * Kit limits, per-channel post rate and injectable faults such as 429 + Retry-After), and the other direction —
 * signed slash commands and block actions sent to the bot exactly as Slack sends them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { checkBlockKit } from './block-kit-limits.js';
import { json, LoopbackServer, readBody } from './loopback-server.js';
import type {
  ClickInput,
  CommandInput,
  Fault,
  SimCall,
  SimChange,
  SimEphemeral,
  SimMessage,
} from './slack-sim-types.js';

export type {
  ClickInput,
  CommandInput,
  Fault,
  SimCall,
  SimChange,
  SimEphemeral,
  SimMessage,
} from './slack-sim-types.js';

export interface SlackSimOptions {
  signingSecret?: string;
  botToken?: string;
  /** The app-level token (xapp-…) that may call apps.connections.open (Socket Mode). */
  appToken?: string;
  teamId?: string;
  /** Posts allowed per channel in a one-second window before 429 (Slack: about one per second, short bursts). */
  burstPerChannel?: number;
}

export class SlackSim extends LoopbackServer {
  readonly signingSecret: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId = 'UALIGNBOT';
  readonly botId = 'BALIGNBOT';
  readonly messages: SimMessage[] = [];
  readonly ephemerals: SimEphemeral[] = [];
  readonly calls: SimCall[] = [];
  readonly responses: Array<{ id: string; body: unknown }> = [];
  /** User groups (usergroups.users.list): group id → member user ids. */
  readonly usergroups = new Map<string, string[]>();
  /** Where signed requests go (the bot's /slack/events). */
  botUrl?: string;
  /** 'change' (SimChange) after every stored post, edit, ephemeral and response_url answer. */
  readonly events = new EventEmitter();
  /** Socket Mode: the WebSocket URL apps.connections.open hands out (a Socket Mode server of the test's). */
  socketModeUrl?: string;
  private readonly faults: Fault[] = [];
  private readonly callCounts = new Map<string, number>();
  private readonly recentPosts = new Map<string, number[]>();
  private readonly burst: number;
  private tsCounter = 0;

  constructor(options: SlackSimOptions = {}) {
    super();
    this.signingSecret = options.signingSecret ?? randomBytes(16).toString('hex');
    this.botToken = options.botToken ?? `xoxb-sim-${randomBytes(8).toString('hex')}`;
    this.appToken = options.appToken ?? `xapp-sim-${randomBytes(8).toString('hex')}`;
    this.teamId = options.teamId ?? 'T0SANDBOX';
    this.burst = options.burstPerChannel ?? 4;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** The next calls of `method` fail as described (e.g. 429 with Retry-After: 1 on the 2nd post). */
  injectFault(fault: Fault): void {
    this.faults.push({ ...fault, nth: (this.callCounts.get(fault.method) ?? 0) + fault.nth });
  }

  channel(channel: string): SimMessage[] {
    return this.messages.filter((m) => m.channel === channel && !m.threadTs);
  }

  thread(channel: string, ts: string): SimMessage[] {
    return this.messages.filter((m) => m.channel === channel && m.threadTs === ts);
  }

  callsOf(method: string): SimCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  reset(): void {
    this.messages.length = 0;
    this.ephemerals.length = 0;
    this.calls.length = 0;
    this.responses.length = 0;
    this.faults.length = 0;
    this.callCounts.clear();
    this.recentPosts.clear();
  }

  // ── the bot → Slack direction ──────────────────────────────────────────────────────────────────────────

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const body = await readBody(req);
    if (url.pathname.startsWith('/api/')) return this.api(url.pathname.slice(5), req, body, res);
    if (url.pathname.startsWith('/response/')) {
      const id = url.pathname.slice(10);
      this.responses.push({ id, body: safeJson(body) });
      this.changed({ kind: 'response', id });
      return json(res, 200, { ok: true });
    }
    if (url.pathname.startsWith('/_sim/')) return this.control(url, req.method ?? 'GET', body, res);
    res.writeHead(404).end();
  }

  private api(method: string, req: IncomingMessage, raw: string, res: ServerResponse): void {
    const args = parseArgs(req.headers['content-type'] ?? '', raw);
    const count = (this.callCounts.get(method) ?? 0) + 1;
    this.callCounts.set(method, count);
    const record = (status: number, error?: string) =>
      this.calls.push({ method, at: Date.now(), args, status, ...(error ? { error } : {}) });

    const fault = this.faults.find((f) => f.method === method && f.nth === count);
    if (fault) {
      this.faults.splice(this.faults.indexOf(fault), 1);
      record(fault.status, fault.error ?? 'ratelimited');
      if (fault.status === 429) {
        res.writeHead(429, {
          'retry-after': String(fault.retryAfterS ?? 1),
          'content-type': 'application/json',
        });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      return json(res, fault.status, { ok: false, error: fault.error ?? 'internal_error' });
    }
    if (method === 'apps.connections.open') return json(res, 200, this.openConnection(req, args, record));
    if (req.headers.authorization !== `Bearer ${this.botToken}` && args.token !== this.botToken) {
      record(200, 'invalid_auth');
      return json(res, 200, { ok: false, error: 'invalid_auth' });
    }
    const result = this.method(method, args);
    if ('retryAfterS' in result) {
      record(429, 'ratelimited');
      res.writeHead(429, { 'retry-after': String(result.retryAfterS), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    record(200, result.ok ? undefined : String(result.error));
    json(res, 200, result);
  }

  /** Socket Mode's handshake: only the app-level token may ask, as in Slack (a bot token gets not_allowed_token_type). */
  private openConnection(
    req: IncomingMessage,
    args: Record<string, unknown>,
    record: (status: number, error?: string) => void,
  ): Record<string, unknown> {
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? String(args.token ?? '');
    const error =
      token === this.botToken
        ? 'not_allowed_token_type'
        : token !== this.appToken
          ? 'invalid_auth'
          : !this.socketModeUrl
            ? 'socket_mode_not_enabled'
            : undefined;
    record(200, error);
    return error ? { ok: false, error } : { ok: true, url: this.socketModeUrl };
  }

  private method(
    method: string,
    args: Record<string, unknown>,
  ): Record<string, unknown> | { retryAfterS: number } {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://sandbox.slack.com/',
          team: 'Sandbox',
          user: 'alignbot',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
        };
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.postEphemeral':
        return this.postEphemeral(args);
      case 'usergroups.users.list': {
        const users = this.usergroups.get(String(args.usergroup ?? ''));
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private postMessage(args: Record<string, unknown>): Record<string, unknown> | { retryAfterS: number } {
    const channel = String(args.channel ?? '');
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const invalid = validateMessage(args);
    if (invalid) return { ok: false, error: invalid };
    if (!this.allowPost(channel)) return { retryAfterS: 1 };
    const message: SimMessage = {
      ts: this.nextTs(),
      channel,
      text: String(args.text ?? ''),
      blocks: (args.blocks as unknown[]) ?? [],
      ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}),
      edits: 0,
      user: this.botUserId,
    };
    if (message.threadTs && !this.messages.some((m) => m.channel === channel && m.ts === message.threadTs)) {
      return { ok: false, error: 'thread_not_found' };
    }
    this.messages.push(message);
    this.changed({
      kind: 'post',
      channel,
      ts: message.ts,
      ...(message.threadTs ? { threadTs: message.threadTs } : {}),
    });
    return {
      ok: true,
      channel,
      ts: message.ts,
      message: { text: message.text, ts: message.ts, bot_id: this.botId },
    };
  }

  private update(args: Record<string, unknown>): Record<string, unknown> {
    const message = this.messages.find((m) => m.channel === args.channel && m.ts === args.ts);
    if (!message) return { ok: false, error: 'message_not_found' };
    const invalid = validateMessage(args);
    if (invalid) return { ok: false, error: invalid };
    message.text = String(args.text ?? '');
    message.blocks = (args.blocks as unknown[]) ?? [];
    message.edits += 1;
    this.changed({ kind: 'update', channel: message.channel, ts: message.ts });
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
  }

  private postEphemeral(args: Record<string, unknown>): Record<string, unknown> {
    const invalid = validateMessage(args);
    if (invalid) return { ok: false, error: invalid };
    this.ephemerals.push({
      channel: String(args.channel),
      user: String(args.user),
      text: String(args.text ?? ''),
      blocks: (args.blocks as unknown[]) ?? [],
      at: Date.now(),
    });
    this.changed({ kind: 'ephemeral', channel: String(args.channel) });
    return { ok: true, message_ts: this.nextTs() };
  }

  private changed(change: SimChange): void {
    this.events.emit('change', change);
  }

  private allowPost(channel: string): boolean {
    const now = Date.now();
    const recent = (this.recentPosts.get(channel) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= this.burst) return false;
    recent.push(now);
    this.recentPosts.set(channel, recent);
    return true;
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private control(url: URL, method: string, raw: string, res: ServerResponse): void {
    const channelMatch = /^\/_sim\/channels\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && channelMatch) {
      const channel = decodeURIComponent(channelMatch[1]!);
      return json(res, 200, {
        messages: this.channel(channel).map((m) => ({ ...m, replies: this.thread(channel, m.ts) })),
        ephemerals: this.ephemerals.filter((e) => e.channel === channel),
      });
    }
    if (method === 'POST' && url.pathname === '/_sim/command') {
      const input = safeJson(raw) as { text?: string; user?: string; channel?: string } | undefined;
      this.sendCommand({
        text: input?.text ?? '',
        userId: input?.user ?? 'UADMIN',
        channelId: input?.channel ?? 'CSANDBOX',
      }).then(
        (answer) => json(res, 200, answer),
        (error: Error) => json(res, 502, { error: error.message }),
      );
      return;
    }
    if (method === 'POST' && url.pathname === '/_sim/click') {
      const input = safeJson(raw) as
        | { channel?: string; ts?: string; action?: string; value?: string; user?: string }
        | undefined;
      if (!input?.ts || !input.action || !input.value)
        return json(res, 400, { error: 'give ts, action and value' });
      this.clickButton({
        channel: input.channel ?? 'CSANDBOX',
        ts: input.ts,
        actionId: input.action,
        value: input.value,
        userId: input.user ?? 'UADMIN',
      }).then(
        async (answer) =>
          json(res, 200, { ...answer, reply: await this.responseFor(answer.responseId, 2000) }),
        (error: Error) => json(res, 502, { error: error.message }),
      );
      return;
    }
    res.writeHead(404).end();
  }

  // ── the Slack → bot direction ──────────────────────────────────────────────────────────────────────────

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

function validateMessage(args: Record<string, unknown>): string | undefined {
  const blocks = args.blocks;
  if (blocks !== undefined && !Array.isArray(blocks)) return 'invalid_blocks_format';
  if ((!blocks || (blocks as unknown[]).length === 0) && !args.text) return 'no_text';
  if (typeof args.text === 'string' && args.text.length > 40_000) return 'msg_too_long';
  return blocks ? checkBlockKit(blocks as unknown[]) : undefined;
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return (safeJson(raw) as Record<string, unknown>) ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] =
      key === 'blocks' || key === 'attachments' || key === 'metadata' ? (safeJson(value) ?? value) : value;
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
