/** REDIS_URL's forms: one server, a cluster seed list, a Sentinel group; the prefix becomes a hash tag on a cluster. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
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

describe('odd REDIS_URL values (review)', () => {
  const load = (url: string) => () => loadConfig({ REDIS_URL: url }, '/nonexistent/.env');

  it('never echoes any part of a password that holds an unencoded / (base64 passwords do)', () => {
    for (const url of [
      'redis+cluster://:topsecret/x+y=@h:7000',
      'redis+sentinel://:topsecret/x@s1:26379/mymaster',
      'redis+cluster://bot:topsecret?x@h:7000',
    ]) {
      let message = '';
      try {
        const target = parseRedisUrl(url);
        expect(target.kind).not.toBe('single');
        expect(JSON.stringify(describeRedisTarget(target))).not.toContain('topsecret');
        continue;
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toContain('topsecret');
    }
  });

  it('reads a list-form password with /, @ and : as written, as a single URL would be read', () => {
    expect(parseRedisUrl('redis+cluster://bot:a/b@c:d@h:7000')).toMatchObject({
      nodes: [{ host: 'h', port: 7000 }],
      username: 'bot',
      password: 'a/b@c:d',
    });
  });

  it.each([
    ['a master name with a bad % escape', 'redis+sentinel://s1:26379/%zz'],
    ['a single-server password with a bad % escape', 'redis://:p%zz@127.0.0.1:6379'],
    ['a single-server database that is not a number', 'redis://127.0.0.1:6379/abc'],
    ['a single server without a host', 'redis://'],
    ['an empty cluster seed list', 'redis+cluster://'],
    ['a cluster URL with ?options', 'redis+cluster://h:7000?tls=true'],
  ])('%s is a REDIS_URL config error', (_label, url) => {
    expect(load(url)).toThrow(ConfigError);
    expect(load(url)).toThrow(/REDIS_URL/);
  });

  it('says what is wrong with a list form instead of calling its own scheme unknown', () => {
    expect(load('redis+cluster://h:7000?tls=true')).not.toThrow(/scheme redis\+cluster:\/\/ is not one of/);
    expect(load('redis+cluster://')).not.toThrow(/scheme redis\+cluster:\/\/ is not one of/);
  });

  it('keeps a huge bad value out of the message', () => {
    const huge = `redis+cluster://${'x'.repeat(100_000)}:notaport`;
    let message = '';
    try {
      loadConfig({ REDIS_URL: huge }, '/nonexistent/.env');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/REDIS_URL/);
    expect(message.length).toBeLessThan(2000);
  });

  it('accepts /0 on a cluster URL, the one database a cluster has', () => {
    expect(parseRedisUrl('redis+cluster://h:7000/0')).toMatchObject({ kind: 'cluster' });
  });

  it('takes a value with spaces or a line break around it as the URL inside (ioredis alone crashed on " redis://")', () => {
    expect(loadConfig({ REDIS_URL: ' redis://127.0.0.1:6379\n' }, '/nonexistent/.env').redisUrl).toBe(
      'redis://127.0.0.1:6379',
    );
  });

  it('refuses tabs or line breaks inside, which URL parsing drops but ioredis reads as a socket path', () => {
    const url = '\u0000redis://:topsecret@127.0.0.1:6379';
    for (const bad of [url, 'redis://:top\tsecret@127.0.0.1:6379', 'red\tis://:topsecret@127.0.0.1:6379']) {
      expect(load(bad)).toThrow(ConfigError);
      expect(load(bad)).not.toThrow(/topsecret|top\tsecret/);
    }
  });

  it('writes IPv6 nodes in brackets when it names them, so the port stays readable', () => {
    const target = parseRedisUrl('redis+cluster://[::1]:7000,[fd00::5]:7001');
    expect(describeRedisTarget(target)).toBe('the cluster nodes [::1]:7000,[fd00::5]:7001');
  });

  it('takes host names with underscores in a list, as a single URL does (Compose names: app_redis_1)', () => {
    expect(parseRedisUrl('redis://app_redis_1:6379')).toMatchObject({ kind: 'single' });
    expect(parseRedisUrl('redis+cluster://app_redis_1:7000,app_redis_2:7000')).toMatchObject({
      nodes: [
        { host: 'app_redis_1', port: 7000 },
        { host: 'app_redis_2', port: 7000 },
      ],
    });
  });
});
