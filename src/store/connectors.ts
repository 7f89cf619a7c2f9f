/**
 * Connectors: those from the connectors file (read-only) and those `/align connect` saved in Redis, plus the last
 * result of each.
 */

import type { ConnectorSpec } from '../core/connector-spec.js';
import type { LastResult } from '../core/last-result.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

/** A last result outlives any sensible test interval, and expires with a connector nobody tests any more. */
const LAST_RESULT_TTL_S = 400 * 24 * 3600;

export class ConnectorStore {
  private readonly fromFile: Map<string, ConnectorSpec>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    fileSpecs: ConnectorSpec[] = [],
  ) {
    this.fromFile = new Map(fileSpecs.map((s) => [s.name, s]));
  }

  async get(name: string): Promise<ConnectorSpec | undefined> {
    const file = this.fromFile.get(name);
    if (file) return this.withOverride(file);
    const raw = await this.redis.get(this.keys.connector(name));
    return raw ? (JSON.parse(raw) as ConnectorSpec) : undefined;
  }

  /** Whether a connector of this name exists; the ack path asks this, so file connectors cost no round trip. */
  async exists(name: string): Promise<boolean> {
    return this.fromFile.has(name) || (await this.redis.exists(this.keys.connector(name))) === 1;
  }

  /** A file connector whose credential was rotated: the file stays as written, Redis holds the newer credential. */
  private async withOverride(spec: ConnectorSpec): Promise<ConnectorSpec> {
    const raw = await this.redis.get(`${this.keys.connector(spec.name)}:override`);
    if (!raw) return spec;
    const override = JSON.parse(raw) as Pick<ConnectorSpec, 'secrets' | 'tokenExpiresAt' | 'auth'>;
    return { ...spec, ...override, secrets: { ...spec.secrets, ...override.secrets } };
  }

  /** After a rotation: file connectors get an override, Redis connectors are saved whole. */
  async saveCredential(spec: ConnectorSpec): Promise<void> {
    if (!this.fromFile.has(spec.name)) return this.save(spec);
    const override = {
      auth: spec.auth,
      secrets: spec.secrets,
      ...(spec.tokenExpiresAt ? { tokenExpiresAt: spec.tokenExpiresAt } : {}),
    };
    await this.redis.set(`${this.keys.connector(spec.name)}:override`, JSON.stringify(override));
  }

  async list(): Promise<ConnectorSpec[]> {
    const names = await this.redis.smembers(this.keys.connectors());
    const stored = names.length > 0 ? await this.redis.mget(names.map((n) => this.keys.connector(n))) : [];
    const fromRedis = stored
      .filter((r): r is string => r !== null)
      .map((r) => JSON.parse(r) as ConnectorSpec);
    const merged = new Map<string, ConnectorSpec>(fromRedis.map((s) => [s.name, s]));
    for (const [name, spec] of this.fromFile) merged.set(name, await this.withOverride(spec));
    return [...merged.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async save(spec: ConnectorSpec): Promise<void> {
    if (this.fromFile.has(spec.name))
      throw new Error(`connector ${spec.name} is managed in the connectors file`);
    const stored: ConnectorSpec = { ...spec, source: 'redis' };
    await this.redis
      .multi()
      .set(this.keys.connector(spec.name), JSON.stringify(stored))
      .sadd(this.keys.connectors(), spec.name)
      .exec();
  }

  async setLastResult(name: string, result: LastResult): Promise<void> {
    await this.redis.set(
      `${this.keys.connector(name)}:last`,
      JSON.stringify(result),
      'EX',
      LAST_RESULT_TTL_S,
    );
  }

  async lastResults(names: string[]): Promise<Map<string, LastResult>> {
    if (names.length === 0) return new Map();
    const raw = await this.redis.mget(names.map((n) => `${this.keys.connector(n)}:last`));
    const out = new Map<string, LastResult>();
    raw.forEach((r, i) => {
      if (r) out.set(names[i]!, JSON.parse(r) as LastResult);
    });
    return out;
  }
}
