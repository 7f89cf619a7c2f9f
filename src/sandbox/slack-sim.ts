/**
 * A Slack simulator on loopback HTTP: the Web API methods the bot uses (stored per channel and thread, with Block
 * Kit limits, per-channel post rate and injectable faults such as 429 + Retry-After, or a post carried out and
 * then answered 500 or not at all), the granted scopes in `x-oauth-scopes` on every answer, the history reads
 * (slack-sim-history.ts), and the other direction — signed slash commands and block actions sent to the bot
 * exactly as Slack sends them.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, readBody } from './loopback-server.js';
import { parseArgs, safeJson, validateMessage } from './slack-sim-args.js';
import { type HistoryMethod, MethodWindow, readHistory } from './slack-sim-history.js';
import { SlackSimRequests } from './slack-sim-requests.js';
import { TIER_PER_MINUTE } from './slack-sim-tiers.js';
import type { Fault, SimCall, SimChange, SimEphemeral, SimMessage } from './slack-sim-types.js';

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
  /**
   * Posts per channel: about one per second, with short bursts (Slack's words). A bucket of this many posts per
   * channel (default 4), refilled at one a second; an empty bucket answers 429 with the seconds until the next.
   */
  burstPerChannel?: number;
  /** The bot token's granted scopes (default: the app manifest's, no history scope). */
  scopes?: string[];
  /** conversations.history / replies calls allowed per method per minute (default 1: Tier 1). */
  historyPerMinute?: number;
  /**
   * Enforce Slack's per-method tiers (slack-sim-tiers.ts) with 429 + Retry-After, workspace-wide, at each tier's
   * promised minimum. Off by default: most tests drive more edits a minute than one workspace would see.
   */
  tiers?: boolean;
}

/** The bot scopes of manifests/slack/*.yaml. */
export const SLACK_SIM_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'usergroups:read'];

export class SlackSim extends SlackSimRequests {
  readonly botToken: string;
  readonly appToken: string;
  readonly botUserId = 'UALIGNBOT';
  readonly botId = 'BALIGNBOT';
  readonly ephemerals: SimEphemeral[] = [];
  readonly calls: SimCall[] = [];
  /** User groups (usergroups.users.list): group id → member user ids. */
  readonly usergroups = new Map<string, string[]>();
  /** 'change' (SimChange) after every stored post, edit, ephemeral and response_url answer. */
  readonly events = new EventEmitter();
  /** Socket Mode: the WebSocket URL apps.connections.open hands out (a Socket Mode server of the test's). */
  socketModeUrl?: string;
  /** The bot token's granted scopes, reported in `x-oauth-scopes` (as Slack does) and required by history reads. */
  scopes: string[];
  /** Channels that are private (groups:history); the others are public (channels:history). */
  readonly privateChannels = new Set<string>();
  /** The per-method limit of the history reads. */
  readonly historyLimit: MethodWindow;
  /** Per-method tier windows, when enforced. */
  private readonly tierLimits?: Map<string, MethodWindow>;
  private readonly faults: Fault[] = [];
  private readonly callCounts = new Map<string, number>();
  private readonly postBuckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;
  private tsCounter = 0;

  constructor(options: SlackSimOptions = {}) {
    super(options);
    this.botToken = options.botToken ?? `xoxb-sim-${randomBytes(8).toString('hex')}`;
    this.appToken = options.appToken ?? `xapp-sim-${randomBytes(8).toString('hex')}`;
    this.burst = options.burstPerChannel ?? 4;
    this.scopes = [...(options.scopes ?? SLACK_SIM_SCOPES)];
    this.historyLimit = new MethodWindow(options.historyPerMinute ?? 1);
    if (options.tiers) {
      this.tierLimits = new Map(
        Object.entries(TIER_PER_MINUTE).map(([method, perMinute]) => [method, new MethodWindow(perMinute)]),
      );
    }
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
    this.postBuckets.clear();
    this.historyLimit.reset();
    for (const window of this.tierLimits?.values() ?? []) window.reset();
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
    res.setHeader('x-oauth-scopes', this.scopes.join(','));

    const fault = this.faults.find((f) => f.method === method && f.nth === count);
    if (fault) this.faults.splice(this.faults.indexOf(fault), 1);
    if (fault && !fault.accepted) {
      record(fault.status, fault.error ?? 'ratelimited');
      if (fault.status === 429) return rateLimited(res, fault.retryAfterS ?? 1);
      return json(res, fault.status, { ok: false, error: fault.error ?? 'internal_error' });
    }
    if (method === 'apps.connections.open') return json(res, 200, this.openConnection(req, args, record));
    if (req.headers.authorization !== `Bearer ${this.botToken}` && args.token !== this.botToken) {
      record(200, 'invalid_auth');
      return json(res, 200, { ok: false, error: 'invalid_auth' });
    }
    const tierWait = this.tierLimits?.get(method)?.take(method) ?? 0;
    if (tierWait > 0) {
      record(429, 'ratelimited');
      return rateLimited(res, tierWait);
    }
    const result = this.method(method, args);
    if ('retryAfterS' in result) {
      record(429, 'ratelimited');
      return rateLimited(res, Number(result.retryAfterS));
    }
    if (fault?.accepted) return this.failAfter(fault, result, record, res);
    record(200, result.ok ? undefined : String(result.error));
    json(res, 200, result);
  }

  /** The call was carried out; its answer is a failure, or never comes (until the client hangs up, or 60 s). */
  private failAfter(
    fault: Fault,
    result: Record<string, unknown>,
    record: (status: number, error?: string) => void,
    res: ServerResponse,
  ): void {
    record(fault.status, `accepted:${fault.accepted}${result.ok ? '' : `:${String(result.error)}`}`);
    if (fault.accepted === 'answer') {
      return json(res, fault.status, { ok: false, error: fault.error ?? 'internal_error' });
    }
    const timer = setTimeout(() => json(res, 504, { ok: false, error: 'request_timeout' }), 60_000);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
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
      case 'conversations.history':
      case 'conversations.replies': {
        const retryAfterS = this.historyLimit.take(method);
        if (retryAfterS > 0) return { retryAfterS };
        return readHistory(method as HistoryMethod, args, {
          messages: this.messages,
          scopes: this.scopes,
          isPrivate: (channel) => this.privateChannels.has(channel),
          botId: this.botId,
        });
      }
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
    const waitS = this.takePostToken(channel);
    if (waitS > 0) return { retryAfterS: waitS };
    const message: SimMessage = {
      ts: this.nextTs(),
      channel,
      text: String(args.text ?? ''),
      blocks: (args.blocks as unknown[]) ?? [],
      ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}),
      edits: 0,
      user: this.botUserId,
      ...(isMetadata(args.metadata) ? { metadata: args.metadata } : {}),
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

  /** 0 when the channel's bucket had a post left (and takes it), else the whole seconds until it has one. */
  private takePostToken(channel: string): number {
    const now = Date.now();
    const bucket = this.postBuckets.get(channel) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) / 1000);
    bucket.at = now;
    this.postBuckets.set(channel, bucket);
    if (bucket.tokens < 1) return Math.max(1, Math.ceil(1 - bucket.tokens));
    bucket.tokens -= 1;
    return 0;
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
}

function rateLimited(res: ServerResponse, retryAfterS: number): void {
  res.writeHead(429, { 'retry-after': String(retryAfterS), 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
}

function isMetadata(value: unknown): value is NonNullable<SimMessage['metadata']> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { event_type?: unknown }).event_type === 'string'
  );
}
