/**
 * The small Teams pieces: the address codec (round trip, https only, inert to garbage), settings from the
 * environment (botbuilder's names, the endpoint group as a whole, tenant pinning required), connector error
 * translation, the thread limiter (memory and Redis agree on 7/1 s and 8/2 s), the Redis reference store (TTL).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatRateLimited } from '../src/chat/port.js';
import {
  addressOf,
  baseConversationId,
  encodeAddress,
  homeOf,
  newPostAddress,
  parseAddress,
  type TeamsAddress,
  threadedId,
  toConversation,
} from '../src/chat/teams/address.js';
import { backoffDelay, retryAfterMs, translateTeamsError } from '../src/chat/teams/errors.js';
import { RedisTeamsReferences } from '../src/chat/teams/references.js';
import { teamsSettingsFromEnv } from '../src/chat/teams/settings.js';
import {
  MemoryThreadLimiter,
  RedisThreadLimiter,
  TEAMS_THREAD_LIMITS,
} from '../src/chat/teams/thread-limiter.js';
import { deleteKeys, keysOf, REDIS_URL, testPrefix } from './helpers/redis.js';

const CHANNEL = '19:abc@thread.tacv2';
const ADDRESS: TeamsAddress = {
  serviceUrl: 'https://smba.trafficmanager.net/amer/',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  conversationId: `${CHANNEL};messageid=1776390257332`,
  conversationType: 'channel',
  channelId: CHANNEL,
};

describe('address codec', () => {
  it('round-trips; the Conversation keeps the channel id without its thread', () => {
    expect(parseAddress(encodeAddress(ADDRESS))).toEqual(ADDRESS);
    // The Conversation keeps the channel (schedules, snapshots and pacing key on it) and the thread apart.
    const conversation = toConversation({ ...ADDRESS, contact: 'aad-1' });
    expect(conversation).toMatchObject({ platform: 'teams', channel: CHANNEL, thread: '1776390257332' });
    expect(addressOf(conversation)).toEqual({ ...ADDRESS, conversationId: CHANNEL, contact: 'aad-1' });
    expect(homeOf(addressOf(conversation), conversation.thread)).toBe(ADDRESS.conversationId);
    expect(homeOf(addressOf(conversation), undefined)).toBe(CHANNEL);
    expect(() => homeOf(addressOf(conversation), 'x;messageid=y')).toThrow(/thread/);
    const chat = toConversation({ ...ADDRESS, conversationId: 'a:chat', conversationType: 'personal' });
    expect(chat).not.toHaveProperty('thread');
    expect(parseAddress(encodeAddress({ ...ADDRESS, channelId: undefined as never, contact: 'c' }))).toEqual({
      ...ADDRESS,
      channelId: undefined,
      contact: 'c',
    });
    expect(newPostAddress(ADDRESS)).toMatchObject({ conversationId: CHANNEL, channelId: CHANNEL });
    expect(threadedId(ADDRESS.conversationId, '9')).toBe(`${CHANNEL};messageid=9`);
    expect(baseConversationId(ADDRESS.conversationId)).toBe(CHANNEL);
  });

  it('refuses garbage, a non-https service URL (except loopback, or anything in the sandbox) and odd fields', () => {
    const bad = (a: Partial<TeamsAddress>) => encodeAddress({ ...ADDRESS, ...a });
    expect(() => parseAddress('teams1:!!!')).toThrow(/not decodable|wrong fields/);
    expect(() => parseAddress('slack:x')).toThrow(/prefix/);
    expect(() => parseAddress(bad({ serviceUrl: 'http://evil.example/' }))).toThrow(/https/);
    expect(() => parseAddress(bad({ serviceUrl: 'https://u:p@evil.example/' }))).toThrow(/https/);
    expect(() => parseAddress(bad({ tenantId: 'a b' }))).toThrow(/tenant/);
    expect(() => parseAddress(bad({ conversationType: 'meeting' as never }))).toThrow(/type/);
    expect(parseAddress(bad({ serviceUrl: 'http://127.0.0.1:1/amer/' })).serviceUrl).toBe(
      'http://127.0.0.1:1/amer/',
    );
    expect(parseAddress(bad({ serviceUrl: 'http://sandbox:1/' }), { allowInsecure: true }).serviceUrl).toBe(
      'http://sandbox:1/',
    );
    expect(() => addressOf({ platform: 'slack', channel: 'C1' })).toThrow();
  });
});

describe('settings from the environment', () => {
  const base = { MicrosoftAppId: 'app-id', MicrosoftAppPassword: 'pw', ALIGN_BOT_TEAMS_TENANTS: 'T1, t2' };

  it('nothing configured: Teams off; the sandbox: auth off', () => {
    expect(teamsSettingsFromEnv({}, { sandbox: false })).toBeUndefined();
    expect(teamsSettingsFromEnv({}, { sandbox: true })).toMatchObject({ sandbox: true, tenants: [] });
  });

  it('reads botbuilder’s names, lower-cases tenants and passes the endpoint group through', () => {
    const settings = teamsSettingsFromEnv(
      {
        ...base,
        ToBotFromChannelOpenIdMetadataUrl:
          'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
        ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
        ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
        ToChannelFromBotOAuthScope: 'https://api.botframework.us',
        OAuthUrl: 'https://tokengcch.botframework.azure.us/',
        ValidateAuthority: 'true',
      },
      { sandbox: false },
    );
    expect(settings).toMatchObject({
      sandbox: false,
      appId: 'app-id',
      appType: 'MultiTenant',
      tenants: ['t1', 't2'],
    });
    expect(Object.keys(settings!.endpoints)).toHaveLength(6);
  });

  it('names every problem: no secret, a partial endpoint group, MultiTenant without pinned tenants', () => {
    expect(() =>
      teamsSettingsFromEnv({ MicrosoftAppId: 'a', ToBotFromChannelTokenIssuer: 'x' }, { sandbox: false }),
    ).toThrow(/MicrosoftAppPassword[\s\S]*set them all[\s\S]*ALIGN_BOT_TEAMS_TENANTS/);
    expect(() =>
      teamsSettingsFromEnv({ ...base, MicrosoftAppType: 'SingleTenant' }, { sandbox: false }),
    ).toThrow(/MicrosoftAppTenantId/);
    expect(() => teamsSettingsFromEnv({ ...base, MicrosoftAppType: 'Weird' }, { sandbox: false })).toThrow(
      /MicrosoftAppType/,
    );
  });

  it('a SingleTenant bot is pinned to its own tenant by default', () => {
    const settings = teamsSettingsFromEnv(
      {
        MicrosoftAppId: 'a',
        MicrosoftAppPassword: 'p',
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppTenantId: 'TEN',
      },
      { sandbox: false },
    );
    expect(settings?.tenants).toEqual(['ten']);
  });
});

describe('error translation', () => {
  const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name] });
  const rest = (status: number, body?: unknown, h: Record<string, string> = {}) => ({
    statusCode: status,
    response: { status, bodyAsText: body ? JSON.stringify(body) : '', headers: headers(h) },
  });

  it('429: Retry-After in seconds, as a date, in ms, or the backoff', () => {
    expect(translateTeamsError(rest(429, undefined, { 'retry-after': '2' }), () => 1)).toEqual(
      new ChatRateLimited(2000),
    );
    expect(
      retryAfterMs(headers({ 'retry-after': new Date(Date.now() + 5000).toUTCString() })),
    ).toBeGreaterThan(3000);
    expect(retryAfterMs(headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect((translateTeamsError(rest(429), () => 1234) as ChatRateLimited).retryAfterMs).toBe(1234);
  });

  it('gone, permanent and retryable cases; no body text leaks into the reason', () => {
    const gone = translateTeamsError(
      rest(403, { error: { code: 'BotNotInConversationRoster', message: '<secret?>' } }),
      () => 1,
    );
    expect(gone).toMatchObject({ reason: 'conversation-gone', permanent: true });
    expect(gone.message).not.toContain('secret');
    expect(
      translateTeamsError(
        rest(403, { error: { code: 'Forbidden', subCode: 'MessageWritesBlocked' } }),
        () => 1,
      ),
    ).toMatchObject({ reason: 'conversation-gone', permanent: true });
    expect(
      translateTeamsError(rest(404, { error: { code: 'ConversationNotFound' } }), () => 1),
    ).toMatchObject({ reason: 'conversation-gone' });
    expect(translateTeamsError(rest(413), () => 1)).toMatchObject({ reason: 'too-large', permanent: true });
    expect(translateTeamsError(rest(503), () => 1)).toMatchObject({
      reason: 'server-error',
      permanent: false,
    });
    expect(translateTeamsError({ code: 'ECONNRESET' }, () => 1)).toMatchObject({
      reason: 'network',
      permanent: false,
    });
  });

  it('backoff doubles from 0.5–1 × base up to the cap', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(backoffDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('thread limiter', () => {
  let redis: Redis;
  const prefix = testPrefix('teamswire');

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await deleteKeys(prefix);
    redis.disconnect();
  });

  async function burst(limiter: { take(k: string): Promise<number> }, key: string, n: number) {
    const waits: number[] = [];
    for (let i = 0; i < n; i++) waits.push(await limiter.take(key));
    return waits;
  }

  it('memory: 7 at once, then a wait of about a second; 8 per 2 s; other threads unaffected', async () => {
    let now = 1_000_000;
    const limiter = new MemoryThreadLimiter(TEAMS_THREAD_LIMITS, () => now);
    const waits = await burst(limiter, 'a', 8);
    expect(waits.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(waits[7]).toBe(1000);
    expect(await limiter.take('b')).toBe(0);
    now += 1000;
    expect(await limiter.take('a')).toBe(0);
    expect(await limiter.take('a')).toBe(1000);
    await limiter.block('b', 5000);
    expect(await limiter.take('b')).toBe(5000);
  });

  it('Redis: the same answers, shared by every process', async () => {
    const one = new RedisThreadLimiter(redis, prefix, TEAMS_THREAD_LIMITS);
    const two = new RedisThreadLimiter(redis, prefix, TEAMS_THREAD_LIMITS);
    const waits = [...(await burst(one, 'thread', 4)), ...(await burst(two, 'thread', 4))];
    expect(waits.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(waits[7]).toBeGreaterThan(800);
    await two.block('other', 3000);
    expect(await one.take('other')).toBeGreaterThan(2500);
  });
});

describe('Redis reference store', () => {
  let redis: Redis;
  const prefix = testPrefix('teamsrefs');

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await deleteKeys(prefix);
    redis.disconnect();
  });

  it('refreshes by conversation (threads share their channel) and by user for 1:1 chats, with a bounded TTL', async () => {
    const store = new RedisTeamsReferences(redis, prefix, 10 * 365 * 86_400);
    const reference = {
      serviceUrl: ADDRESS.serviceUrl,
      tenantId: ADDRESS.tenantId,
      conversationId: ADDRESS.conversationId,
      conversationType: 'channel' as const,
      channelId: CHANNEL,
      botId: '28:app',
      updatedAt: 1,
    };
    await store.remember(reference);
    await store.remember({ ...reference, serviceUrl: 'https://smba.trafficmanager.net/emea/', updatedAt: 2 });
    expect(await store.conversation(`${CHANNEL};messageid=5`)).toMatchObject({
      conversationId: CHANNEL,
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
    });
    await store.remember({ ...reference, conversationId: 'a:chat', conversationType: 'personal' }, 'AAD-1');
    expect(await store.personalChat(ADDRESS.tenantId.toUpperCase(), 'aad-1')).toMatchObject({
      conversationId: 'a:chat',
    });
    const keys = (await keysOf(prefix)).filter((k) => k.startsWith(`${prefix}:teams:`));
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(400 * 86_400);
    }
  });
});
