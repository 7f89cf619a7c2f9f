/**
 * A Teams conversation address: everything a worker needs to post without the inbound activity — the regional
 * service URL, the tenant, the conversation id, in a channel the channel's own id, and who to tell when the
 * conversation is gone (the Entra object id of the person whose command set it up). Encoded as one opaque string
 * (`teams1:` + base64url JSON) that travels in Conversation.address. A Conversation keeps the channel's (or
 * chat's) own id in `channel` and in its address, and the thread a command came from (the root message id of the
 * `;messageid=` suffix) in `thread`, so a schedule made in a thread posts to the channel.
 */
import type { Conversation } from '../../core/run.js';

/** This platform's id in Person, Conversation and the outbox. */
export const TEAMS_PLATFORM = 'teams';

export type ConversationType = 'personal' | 'groupChat' | 'channel';

export interface TeamsAddress {
  serviceUrl: string;
  tenantId: string;
  conversationId: string;
  conversationType: ConversationType;
  /** Channels only: the base channel id `19:…@thread.tacv2`. */
  channelId?: string;
  /** Entra object id of the person to tell privately when this conversation is gone (a command's sender). */
  contact?: string;
}

export class TeamsAddressError extends Error {
  readonly code = 'TEAMS_ADDRESS';
  constructor(reason: string) {
    super(`not a Teams conversation address: ${reason}`);
    this.name = 'TeamsAddressError';
  }
}

const PREFIX = 'teams1:';
const TYPES: ConversationType[] = ['personal', 'groupChat', 'channel'];
const ID = /^[^\s]{1,512}$/;
const TENANT = /^[A-Za-z0-9._-]{1,64}$/;
const CONTACT = /^[A-Za-z0-9._-]{1,64}$/;
/** A thread root: a message id (digits in Teams, anything without whitespace or `;` elsewhere). */
const THREAD = /^[^\s;]{1,128}$/;

export function encodeAddress(address: TeamsAddress): string {
  const fields = [
    address.serviceUrl,
    address.tenantId,
    address.conversationId,
    address.conversationType,
    ...(address.channelId || address.contact ? [address.channelId ?? ''] : []),
    ...(address.contact ? [address.contact] : []),
  ];
  return PREFIX + Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/**
 * Parses and checks an encoded address. The service URL must be https (the bot's Bearer token goes there), or
 * http on loopback (simulators); `allowInsecure` accepts any http:// one (the sandbox, where auth is off).
 */
export function parseAddress(encoded: string, options: { allowInsecure?: boolean } = {}): TeamsAddress {
  if (!encoded.startsWith(PREFIX) || encoded.length > 4096)
    throw new TeamsAddressError('wrong prefix or size');
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(encoded.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new TeamsAddressError('not decodable');
  }
  if (
    !Array.isArray(fields) ||
    fields.length < 4 ||
    fields.length > 6 ||
    !fields.every((f) => typeof f === 'string')
  ) {
    throw new TeamsAddressError('wrong fields');
  }
  const [serviceUrl, tenantId, conversationId, type, channelId, contact] = fields as string[];
  const address: TeamsAddress = {
    serviceUrl: checkServiceUrl(serviceUrl!, options.allowInsecure ?? false),
    tenantId: check(tenantId!, TENANT, 'tenant id'),
    conversationId: check(conversationId!, ID, 'conversation id'),
    conversationType: checkType(type!),
  };
  if (channelId) address.channelId = check(channelId, ID, 'channel id');
  if (contact !== undefined) address.contact = check(contact, CONTACT, 'contact');
  return address;
}

/**
 * The Conversation a run keeps: the channel or chat id in `channel` and in the address (no thread), and the
 * root message id of a threaded conversation id in `thread`.
 */
export function toConversation(address: TeamsAddress): Conversation {
  const thread = threadRootOf(address.conversationId);
  const base = { ...address, conversationId: baseConversationId(address.conversationId) };
  return {
    platform: TEAMS_PLATFORM,
    channel: address.channelId ?? base.conversationId,
    address: encodeAddress(base),
    ...(thread ? { thread } : {}),
  };
}

/**
 * Where a conversation's messages go: into its thread when it has one (`<channel>;messageid=<thread>`), else the
 * conversation id itself — for a channel, that means a new top-level post.
 */
export function homeOf(address: TeamsAddress, thread: string | undefined): string {
  if (!thread || address.conversationType !== 'channel') return address.conversationId;
  if (!THREAD.test(thread)) throw new TeamsAddressError('bad thread');
  return threadedId(address.channelId ?? address.conversationId, thread);
}

export function addressOf(
  conversation: Conversation,
  options: { allowInsecure?: boolean } = {},
): TeamsAddress {
  if (conversation.platform !== TEAMS_PLATFORM || !conversation.address) {
    throw new TeamsAddressError('the conversation carries no Teams address');
  }
  return parseAddress(conversation.address, options);
}

/** The address of a new top-level post in the same channel (a chat stays itself). */
export function newPostAddress(address: TeamsAddress): TeamsAddress {
  if (address.conversationType !== 'channel') return address;
  const channelId = address.channelId ?? baseConversationId(address.conversationId);
  return { ...address, conversationId: channelId, channelId };
}

/** `19:x@thread.tacv2;messageid=1` → `19:x@thread.tacv2`. */
export function baseConversationId(conversationId: string): string {
  return conversationId.replace(/;messageid=[^;]*$/, '');
}

/** The root message id of a threaded conversation id, if it has one. */
export function threadRootOf(conversationId: string): string | undefined {
  return /;messageid=([^;]+)$/.exec(conversationId)?.[1];
}

/** The conversation id that posts into the thread under `rootId` (Teams threads by this suffix, not replyToId). */
export function threadedId(channelId: string, rootId: string): string {
  return `${baseConversationId(channelId)};messageid=${rootId}`;
}

function checkServiceUrl(value: string, allowInsecure: boolean): string {
  if (!isAllowedServiceUrl(value, allowInsecure)) throw new TeamsAddressError('service URL must be https');
  return value;
}

/** https, or http on loopback (simulators), or any http with `allowInsecure` (the sandbox); no credentials or query. */
export function isAllowedServiceUrl(value: string, allowInsecure = false): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password || url.search || url.hash) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && (allowInsecure || isLoopbackUrl(value)));
}

export function isLoopbackUrl(value: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(value).hostname);
  } catch {
    return false;
  }
}

function check(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new TeamsAddressError(`bad ${what}`);
  return value;
}

function checkType(value: string): ConversationType {
  if (!TYPES.includes(value as ConversationType)) throw new TeamsAddressError('bad conversation type');
  return value as ConversationType;
}
