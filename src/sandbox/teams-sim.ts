/**
 * A Microsoft Teams / Bot Connector simulator on loopback HTTP, in the style of slack-sim.ts.
 * - Bot → Teams: the v3 conversation routes (teams-sim-connector.ts) under a regional service URL, with the bot's
 *   outbound Bearer token required when auth is on, Teams' per-thread limits (429) and faults on demand.
 * - Teams → bot: Teams-shaped activities (an @mention in a channel, a 1:1 message, an Action.Execute invoke)
 *   POSTed to the bot with a JWT signed by the simulator's own key, published as OpenID metadata + JWKS, so a real
 *   CloudAdapter validates it. What the bot answered (status, invoke body) is recorded.
 * - `/_sim/…`: a control API for tests and the sandbox.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { json, LoopbackServer, readBody } from './loopback-server.js';
import {
  type Activity,
  installActivity,
  invokeActivity,
  messageActivity,
  type SimBot,
} from './teams-sim-activities.js';
import { changeOf, connectorCall, type TeamsSimChange } from './teams-sim-connector.js';
import { simControl } from './teams-sim-control.js';
import {
  type SimConversation,
  type SimUser,
  splitConversationId,
  TEAMS_SIM_USERS,
  type TeamsFault,
  type TeamsSimMessage,
  TeamsSimState,
} from './teams-sim-state.js';

export { TEAMS_SIM_USERS, type TeamsSimChange };

import {
  CHANNEL_ISSUER,
  CHANNEL_SCOPE,
  jwkOf,
  type SigningKey,
  SimTokens,
  type TokenOverrides,
} from './teams-jwks.js';

export type { TokenOverrides };

export interface TeamsSimOptions {
  /** The bot's Microsoft App ID (the `aud` of inbound tokens); a random GUID by default. */
  appId?: string;
  botName?: string;
  tenantId?: string;
  /** Require the bot's Bearer token on connector calls and sign inbound activities (default true). */
  auth?: boolean;
  /** Teams' per-thread limits (default on). */
  enforceLimits?: boolean;
  /** Send Retry-After with a limit 429 (unconfirmed for Teams; default off). */
  retryAfterOnLimit?: boolean;
  maxMessageBytes?: number;
}

export const TEAMS_SIM_CHANNEL = '19:sandbox-general@thread.tacv2';
export const TEAMS_SIM_GROUP_CHAT = '19:sandbox-group@thread.v2';

export interface TeamsSimCall {
  method: string;
  op?: string;
  conversationId?: string;
  activityId?: string;
  status: number;
  code?: string;
  at: number;
  body?: unknown;
}

export interface TeamsSimDelivery {
  activity: Activity;
  status: number;
  body: unknown;
  ms: number;
}

export class TeamsSim extends LoopbackServer {
  readonly appId: string;
  readonly tenantId: string;
  readonly bot: SimBot;
  readonly auth: boolean;
  readonly state: TeamsSimState;
  readonly calls: TeamsSimCall[] = [];
  readonly deliveries: TeamsSimDelivery[] = [];
  /** Signs activities to the bot (key published in the JWKS) and the bot's outbound tokens. */
  readonly tokens: SimTokens;
  /** The bot's /api/messages. */
  botUrl?: string;
  /** 'change' (TeamsSimChange) after every stored post (a user's or the bot's), edit and reset. */
  readonly events = new EventEmitter();
  private readonly maxMessageBytes: number;

  constructor(options: TeamsSimOptions = {}) {
    super();
    this.appId = options.appId ?? randomUUID();
    this.tenantId = options.tenantId ?? '00000000-0000-4000-8000-0000000000aa';
    this.bot = { appId: this.appId, name: options.botName ?? 'Align Bot' };
    this.tokens = new SimTokens(this.appId);
    this.auth = options.auth ?? true;
    this.maxMessageBytes = options.maxMessageBytes ?? 100_000;
    this.state = new TeamsSimState(options.enforceLimits ?? true, options.retryAfterOnLimit ?? false);
    this.seed();
  }

  /** Where the bot sends replies (regional, with a path and a trailing slash like the real ones). */
  get serviceUrl(): string {
    return `${this.url}/amer/`;
  }

  get openIdMetadataUrl(): string {
    return `${this.url}/v1/.well-known/openidconfiguration`;
  }

  /** botbuilder's "parameterized" endpoint group pointing at this simulator (reference/teams.md §1). */
  get endpointSettings(): Record<string, string> {
    return {
      ToBotFromChannelOpenIdMetadataUrl: this.openIdMetadataUrl,
      ToBotFromChannelTokenIssuer: CHANNEL_ISSUER,
      ToChannelFromBotLoginUrl: `${this.url}/login/`,
      ToChannelFromBotOAuthScope: CHANNEL_SCOPE,
      OAuthUrl: `${this.url}/oauth`,
      ValidateAuthority: 'false',
    };
  }

  injectFault(fault: TeamsFault): void {
    this.state.injectFault(fault);
  }

  /** The app was removed from (or blocked in) a conversation: writes get 403 from now on. */
  removeBot(conversationId: string, how: 'removed' | 'blocked' = 'removed'): void {
    const conversation = this.conversation(conversationId);
    if (how === 'removed') conversation.botInRoster = false;
    else conversation.writesBlocked = true;
  }

  reset(): void {
    this.state.reset();
    this.calls.length = 0;
    this.deliveries.length = 0;
    this.changed({ kind: 'reset' });
  }

  private changed(change: TeamsSimChange): void {
    this.events.emit('change', change);
  }

  conversation(id: string): SimConversation {
    const found = this.state.conversations.get(splitConversationId(id).base);
    if (!found) throw new Error(`no such conversation: ${id}`);
    return found;
  }

  /** Root posts of a channel, or all messages of a chat. */
  roots(conversationId: string): TeamsSimMessage[] {
    return this.state.roots(splitConversationId(conversationId).base);
  }

  /** Replies under a channel post; `threadId` may be a root id or a threaded conversation id. */
  thread(channelId: string, threadId: string): TeamsSimMessage[] {
    const root = splitConversationId(threadId).messageId ?? threadId;
    return this.state.replies(splitConversationId(channelId).base, root);
  }

  message(conversationId: string, id: string): TeamsSimMessage | undefined {
    return this.state.find(splitConversationId(conversationId).base, id);
  }

  /** A token as Entra would issue it to the bot for the connector (aud = the channel scope, appid = the bot). */
  botToken(ttlS = 3600): string {
    return this.tokens.botToken(`${this.url}/login/`, ttlS);
  }

  /** An inbound token for an activity, as the Bot Connector signs it; `overrides` make it wrong on purpose. */
  inboundToken(serviceUrl: string, overrides: TokenOverrides = {}): string {
    return this.tokens.inboundToken(serviceUrl, overrides);
  }

  get channelKey(): SigningKey {
    return this.tokens.channelKey;
  }

  // ── Teams → bot ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A user's post that @mentions the bot in a channel (or a group chat): a new thread root, or with `threadId` a
   * reply in that thread (Teams then sends the thread's `;messageid=<root>`, not the reply's own id).
   */
  async mention(input: { text: string; user?: SimUser; conversationId?: string; threadId?: string }) {
    const conversation = this.conversation(input.conversationId ?? TEAMS_SIM_CHANNEL);
    const user = input.user ?? TEAMS_SIM_USERS.admin;
    const post = this.state.store({
      conversation,
      ...(input.threadId ? { threadId: input.threadId } : {}),
      fromBot: false,
      from: { id: user.id, name: user.name },
      text: `<at>${this.bot.name}</at> ${input.text}`,
      attachments: [],
    });
    this.changed({ kind: 'post', conversationId: conversation.id, messageId: post.id });
    const conversationId =
      conversation.type === 'channel'
        ? `${conversation.id};messageid=${post.threadId ?? post.id}`
        : conversation.id;
    const activity = messageActivity({
      ...this.common(conversation, user, conversationId),
      id: post.id,
      text: input.text,
      mention: true,
    });
    return { ...(await this.deliver(activity)), conversationId, activityId: post.id };
  }

  /** A 1:1 message from a user (no mention). */
  async personal(input: { text: string; user?: SimUser }) {
    const user = input.user ?? TEAMS_SIM_USERS.admin;
    const conversation = this.personalChat(user);
    const post = this.state.store({
      conversation,
      fromBot: false,
      from: { id: user.id, name: user.name },
      text: input.text,
      attachments: [],
    });
    this.changed({ kind: 'post', conversationId: conversation.id, messageId: post.id });
    const activity = messageActivity({
      ...this.common(conversation, user, conversation.id),
      id: post.id,
      text: input.text,
      mention: false,
    });
    return { ...(await this.deliver(activity)), conversationId: conversation.id, activityId: post.id };
  }

  /**
   * A click on an Action.Execute button of the bot's card `replyToId` in `conversationId` (threaded for channels);
   * with `trigger: 'automatic'`, the refresh Teams sends for a user listed in the card's `refresh.userIds`.
   */
  async invoke(input: {
    conversationId: string;
    replyToId: string;
    verb: string;
    data?: Record<string, unknown>;
    user?: SimUser;
    trigger?: 'manual' | 'automatic';
  }) {
    const conversation = this.conversation(input.conversationId);
    const user = input.user ?? TEAMS_SIM_USERS.admin;
    const activity = invokeActivity({
      ...this.common(conversation, user, input.conversationId),
      id: `f:${this.state.nextId()}`,
      replyToId: input.replyToId,
      verb: input.verb,
      data: input.data ?? {},
      ...(input.trigger ? { trigger: input.trigger } : {}),
    });
    return this.deliver(activity);
  }

  /** The app was installed in a conversation (conversationUpdate): how the bot learns a channel's reference. */
  async install(conversationId = TEAMS_SIM_CHANNEL) {
    const conversation = this.conversation(conversationId);
    const activity = installActivity({
      ...this.common(conversation, TEAMS_SIM_USERS.admin, conversation.id),
      id: `f:${this.state.nextId()}`,
    });
    return this.deliver(activity);
  }

  /** POSTs an activity to the bot; `token: null` sends none, a string sends that one. */
  async deliver(activity: Activity, options: { token?: string | null } = {}) {
    if (!this.botUrl) throw new Error('botUrl is not set');
    const token =
      options.token !== undefined
        ? options.token
        : this.auth
          ? this.inboundToken(String(activity.serviceUrl))
          : null;
    const started = performance.now();
    const res = await request(this.botUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(activity),
    });
    const text = await res.body.text();
    const delivery = {
      activity,
      status: res.statusCode,
      body: parse(text) ?? text,
      ms: performance.now() - started,
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  // ── bot → Teams ─────────────────────────────────────────────────────────────────────────────────────────────

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const raw = await readBody(req);
    if (req.method === 'GET' && url.pathname === '/v1/.well-known/openidconfiguration') {
      return json(res, 200, {
        issuer: CHANNEL_ISSUER,
        authorization_endpoint: `${this.url}/login/`,
        jwks_uri: `${this.url}/v1/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/v1/keys') {
      return json(res, 200, { keys: [jwkOf(this.tokens.channelKey, ['msteams'])] });
    }
    const connector = /^(?:\/[a-z]+)?\/v3\/conversations(\/.*)?$/.exec(url.pathname);
    if (connector) return this.connector(req, connector[1] ?? '', raw, res);
    if (url.pathname.startsWith('/_sim/')) return simControl(this, url, req.method ?? 'GET', raw, res);
    res.writeHead(404).end();
  }

  private connector(req: IncomingMessage, rest: string, raw: string, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const denied = this.auth ? this.tokens.checkBotToken(req.headers.authorization) : undefined;
    const ctx = { state: this.state, bot: this.bot, maxMessageBytes: this.maxMessageBytes };
    const { result, body } = connectorCall(ctx, { method, rest, raw, ...(denied ? { denied } : {}) });
    this.calls.push({
      method,
      ...(result.op ? { op: result.op } : {}),
      ...(result.conversationId ? { conversationId: result.conversationId } : {}),
      ...(result.activityId ? { activityId: result.activityId } : {}),
      status: result.status,
      ...(result.code ? { code: result.code } : {}),
      at: Date.now(),
      body,
    });
    res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', ...result.headers });
    res.end(JSON.stringify(result.body));
    const change = changeOf(result);
    if (change) this.changed(change);
  }

  private common(conversation: SimConversation, user: SimUser, conversationId: string) {
    return { bot: this.bot, serviceUrl: this.serviceUrl, conversation, user, conversationId };
  }

  private personalChat(user: SimUser): SimConversation {
    const id = `a:sim-personal-${user.id.replace(/\W/g, '')}`;
    return (
      this.state.conversations.get(id) ??
      this.state.addConversation({ id, type: 'personal', tenantId: this.tenantId, members: [user] })
    );
  }

  /** Another channel (e.g. in a tenant that is not pinned). */
  addChannel(id: string, tenantId = this.tenantId): SimConversation {
    return this.state.addConversation({
      id,
      type: 'channel',
      tenantId,
      teamId: id,
      name: 'Other',
      members: Object.values(TEAMS_SIM_USERS),
    });
  }

  private seed(): void {
    const users = Object.values(TEAMS_SIM_USERS);
    this.state.addConversation({
      id: TEAMS_SIM_CHANNEL,
      type: 'channel',
      tenantId: this.tenantId,
      teamId: TEAMS_SIM_CHANNEL,
      name: 'General',
      members: users,
    });
    this.state.addConversation({
      id: TEAMS_SIM_GROUP_CHAT,
      type: 'groupChat',
      tenantId: this.tenantId,
      members: users,
    });
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
