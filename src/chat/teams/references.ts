/**
 * Conversation references: what the last inbound activity of each conversation said about where to reach it
 * (the service URL can change; Microsoft says always use the latest). Refreshed on every inbound activity, read
 * by workers before a proactive post, and by user for 1:1 chats (private notes). Entries expire after a bounded
 * TTL, so a conversation nobody used for months is forgotten.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../../store/redis.js';
import { baseConversationId, type ConversationType } from './address.js';

export interface TeamsReference {
  serviceUrl: string;
  tenantId: string;
  /** Base conversation id (no `;messageid=`). */
  conversationId: string;
  conversationType: ConversationType;
  channelId?: string;
  teamId?: string;
  /** The bot's id in this conversation (`28:<app id>`). */
  botId: string;
  updatedAt: number;
}

export interface TeamsReferenceStore {
  /** Records a conversation's reference; with `aadObjectId` in a 1:1 chat, also as that user's personal chat. */
  remember(reference: TeamsReference, aadObjectId?: string): Promise<void>;
  /** The latest reference of a conversation (threaded ids are looked up by their channel). */
  conversation(conversationId: string): Promise<TeamsReference | undefined>;
  /** The 1:1 chat of a user with the bot, if the user ever wrote to it. */
  personalChat(tenantId: string, aadObjectId: string): Promise<TeamsReference | undefined>;
  /** Records a user's bot-specific id (`29:…`, their "MRI") and display name, seen on every activity they send. */
  rememberUser(tenantId: string, aadObjectId: string, mri: string, name?: string): Promise<void>;
  /** The MRIs of those users (by Entra object id) the bot has seen, in the order given; unknown ones left out. */
  mris(tenantId: string, aadObjectIds: string[]): Promise<string[]>;
  /** Display names of those users (by Entra object id), as their last activity gave them. */
  names(tenantId: string, aadObjectIds: string[]): Promise<Map<string, string>>;
}

/**
 * What the bot knows of a user of a tenant: their MRI and display name. The name is kept without an MRI: clients
 * other than Teams itself (Microsoft's Agents Playground: `user-id-0`) send ids of another form, and cards still
 * name the person.
 */
interface KnownUser {
  mri?: string;
  name?: string;
}

const MAX_NAME_CHARS = 100;

/** A display name as cards show it: one line, at most 100 characters; it is the sender's own, untrusted text. */
export function cleanDisplayName(name: string | undefined): string | undefined {
  return name?.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_CHARS) || undefined;
}

function knownUser(mri: string, name: string | undefined): KnownUser | undefined {
  const clean = cleanDisplayName(name);
  const valid = MRI.test(mri);
  if (!valid && !clean) return undefined;
  return { ...(valid ? { mri } : {}), ...(clean ? { name: clean } : {}) };
}

function parseKnown(raw: string | null | undefined): KnownUser | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as KnownUser;
    const mri = typeof value.mri === 'string' && MRI.test(value.mri) ? value.mri : undefined;
    const name = typeof value.name === 'string' && value.name ? value.name : undefined;
    return mri || name ? { ...(mri ? { mri } : {}), ...(name ? { name } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

/** Approval cards list at most this many users to refresh; lookups stop there. */
export const MAX_MRIS = 60;
const MRI = /^29:[^\s]{1,256}$/;

export const DEFAULT_REFERENCE_TTL_S = 90 * 86_400;
const MAX_TTL_S = 400 * 86_400;

export class RedisTeamsReferences implements TeamsReferenceStore {
  private readonly ttlS: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    ttlS = DEFAULT_REFERENCE_TTL_S,
  ) {
    this.ttlS = Math.min(Math.max(Math.floor(ttlS), 3600), MAX_TTL_S);
  }

  async remember(reference: TeamsReference, aadObjectId?: string): Promise<void> {
    const value = JSON.stringify({
      ...reference,
      conversationId: baseConversationId(reference.conversationId),
    });
    const batch = this.redis
      .multi()
      .set(this.conversationKey(reference.conversationId), value, 'EX', this.ttlS);
    if (aadObjectId && reference.conversationType === 'personal') {
      batch.set(this.userKey(reference.tenantId, aadObjectId), value, 'EX', this.ttlS);
    }
    await batch.exec();
  }

  async conversation(conversationId: string): Promise<TeamsReference | undefined> {
    return parseReference(await this.redis.get(this.conversationKey(conversationId)));
  }

  async personalChat(tenantId: string, aadObjectId: string): Promise<TeamsReference | undefined> {
    return parseReference(await this.redis.get(this.userKey(tenantId, aadObjectId)));
  }

  async rememberUser(tenantId: string, aadObjectId: string, mri: string, name?: string): Promise<void> {
    const user = knownUser(mri, name);
    if (!user || !aadObjectId) return;
    const key = this.mriKey(tenantId);
    // One field per user of the tenant who ever wrote to or clicked the bot; forgotten with the tenant's silence.
    await this.redis
      .multi()
      .hset(key, aadObjectId.toLowerCase(), JSON.stringify(user))
      .expire(key, this.ttlS)
      .exec();
  }

  async mris(tenantId: string, aadObjectIds: string[]): Promise<string[]> {
    const known = await this.known(tenantId, aadObjectIds, 4 * MAX_MRIS);
    return known.flatMap(([, user]) => (user?.mri ? [user.mri] : [])).slice(0, MAX_MRIS);
  }

  async names(tenantId: string, aadObjectIds: string[]): Promise<Map<string, string>> {
    const known = await this.known(tenantId, aadObjectIds, 100);
    return new Map(known.flatMap(([id, user]) => (user?.name ? [[id, user.name] as [string, string]] : [])));
  }

  private async known(
    tenantId: string,
    aadObjectIds: string[],
    max: number,
  ): Promise<Array<[string, KnownUser | undefined]>> {
    const ids = [...new Set(aadObjectIds)].slice(0, max);
    if (ids.length === 0) return [];
    const found = await this.redis.hmget(this.mriKey(tenantId), ...ids.map((id) => id.toLowerCase()));
    return ids.map((id, i) => [id, parseKnown(found[i])]);
  }

  private mriKey(tenantId: string): string {
    return `${this.prefix}:teams:mri:${digest(tenantId.toLowerCase())}`;
  }

  private conversationKey(conversationId: string): string {
    return `${this.prefix}:teams:ref:${digest(baseConversationId(conversationId))}`;
  }

  private userKey(tenantId: string, aadObjectId: string): string {
    return `${this.prefix}:teams:user:${digest(`${tenantId.toLowerCase()}/${aadObjectId.toLowerCase()}`)}`;
  }
}

/** The same in memory (sandbox, tests). */
export class MemoryTeamsReferences implements TeamsReferenceStore {
  readonly conversations = new Map<string, TeamsReference>();
  readonly users = new Map<string, TeamsReference>();
  readonly known = new Map<string, KnownUser>();

  async remember(reference: TeamsReference, aadObjectId?: string): Promise<void> {
    const stored = { ...reference, conversationId: baseConversationId(reference.conversationId) };
    this.conversations.set(stored.conversationId, stored);
    if (aadObjectId && reference.conversationType === 'personal') {
      this.users.set(`${reference.tenantId.toLowerCase()}/${aadObjectId.toLowerCase()}`, stored);
    }
  }

  async conversation(conversationId: string): Promise<TeamsReference | undefined> {
    return this.conversations.get(baseConversationId(conversationId));
  }

  async personalChat(tenantId: string, aadObjectId: string): Promise<TeamsReference | undefined> {
    return this.users.get(`${tenantId.toLowerCase()}/${aadObjectId.toLowerCase()}`);
  }

  async rememberUser(tenantId: string, aadObjectId: string, mri: string, name?: string): Promise<void> {
    const user = knownUser(mri, name);
    if (user && aadObjectId) this.known.set(`${tenantId.toLowerCase()}/${aadObjectId.toLowerCase()}`, user);
  }

  async mris(tenantId: string, aadObjectIds: string[]): Promise<string[]> {
    return [...new Set(aadObjectIds)]
      .flatMap((id) => this.known.get(`${tenantId.toLowerCase()}/${id.toLowerCase()}`)?.mri ?? [])
      .slice(0, MAX_MRIS);
  }

  async names(tenantId: string, aadObjectIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of aadObjectIds) {
      const name = this.known.get(`${tenantId.toLowerCase()}/${id.toLowerCase()}`)?.name;
      if (name) out.set(id, name);
    }
    return out;
  }
}

/** Conversation ids are long and full of `:;@`: keys use a digest of them. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

function parseReference(raw: string | null): TeamsReference | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as TeamsReference;
    return typeof value.serviceUrl === 'string' && typeof value.conversationId === 'string'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}
