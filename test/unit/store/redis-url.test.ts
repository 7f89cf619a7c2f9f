/** REDIS_URL's forms: one server, a cluster seed list, a Sentinel group; the prefix becomes a hash tag on a cluster. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import {
  describeRedisTarget,
  keyPrefixFor,
  parseRedisUrl,
  RedisUrlError,
} from '../../../src/store/redis-url.js';

describe('parseRedisUrl', () => {
  it('passes one server through to ioredis as written', () => {
    expect(parseRedisUrl('rediss://:p%40ss@cache.example:6380/2')).toEqual({
      kind: 'single',
      url: 'rediss://:p%40ss@cache.example:6380/2',
    });
  });

  it('reads a cluster seed list with credentials, TLS and default ports', () => {
    expect(parseRedisUrl('rediss+cluster://bot:s%3Acret@10.0.0.1:7000,node-b.internal,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'node-b.internal', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: 'bot',
      password: 's:cret',
      tls: true,
    });
  });

  it('reads a Sentinel group and its master name', () => {
    expect(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2/mymaster')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      password: 'pw',
      tls: false,
    });
  });

  it.each([
    ['http://redis.example', /scheme/],
    ['not a url', /not a URL/],
    ['redis+cluster://a:7000,b:notaport', /"b:notaport" is not host:port/],
    ['redis+cluster://a:70000', /is not host:port/],
    ['redis+cluster://a:7000/1', /no path/],
    ['redis+sentinel://s1:26379', /master name/],
  ])('refuses %s', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
    expect(() => parseRedisUrl(url)).toThrow(message);
  });

  it('describes a target without its password', () => {
    const cluster = parseRedisUrl('redis+cluster://u:secret@a:7000,b:7001');
    expect(describeRedisTarget(cluster)).toBe('the cluster nodes a:7000,b:7001');
    expect(describeRedisTarget(parseRedisUrl('redis://:secret@h:6380'))).toBe('h:6380');
    expect(describeRedisTarget(parseRedisUrl('redis+sentinel://:secret@s:1/m'))).not.toContain('secret');
  });
});

describe('the key prefix on a cluster', () => {
  const cluster = parseRedisUrl('redis+cluster://a:7000');
  it('becomes a hash tag, and stays as written elsewhere', () => {
    expect(keyPrefixFor(cluster, 'align')).toBe('{align}');
    expect(keyPrefixFor(cluster, '{align}')).toBe('{align}');
    expect(keyPrefixFor(parseRedisUrl('redis://h:6379'), 'align')).toBe('align');
  });

  it('is what the config hands to every store and queue', () => {
    const env = {
      REDIS_URL: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001',
      ALIGN_BOT_REDIS_PREFIX: 'prod',
    };
    expect(loadConfig(env, '/nonexistent/.env').redisPrefix).toBe('{prod}');
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://x:1/2' }, '/nonexistent/.env')).toThrow(
      /REDIS_URL/,
    );
  });
});
