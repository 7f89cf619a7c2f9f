/**
 * What a report run keeps besides its Run record: the results of connectors already tested (so a re-delivered
 * job continues where it stopped), and per channel the snapshot the next report compares with.
 */
import { createHash } from 'node:crypto';
import type { ConnectorResult, ReportSnapshot } from '../core/report.js';
import type { Conversation } from '../core/run.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

const PROGRESS_TTL_S = 2 * 24 * 3600;
const SNAPSHOT_TTL_S = 400 * 24 * 3600;

/** A stable, key-safe name for a conversation: key-safe channel ids as they are, anything else hashed. */
export function conversationId(conversation: Conversation): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(conversation.channel)
    ? `${conversation.platform}-${conversation.channel}`
    : `${conversation.platform}-${createHash('sha256').update(conversation.channel).digest('hex').slice(0, 20)}`;
}

export class ReportStateStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async saveResult(runId: string, result: ConnectorResult): Promise<void> {
    const key = this.keys.reportProgress(runId);
    await this.redis
      .multi()
      .hset(key, result.name, JSON.stringify(result))
      .expire(key, PROGRESS_TTL_S)
      .exec();
  }

  async results(runId: string): Promise<Map<string, ConnectorResult>> {
    const raw = await this.redis.hgetall(this.keys.reportProgress(runId));
    return new Map(Object.entries(raw).map(([name, json]) => [name, JSON.parse(json) as ConnectorResult]));
  }

  async dropResults(runId: string): Promise<void> {
    await this.redis.del(this.keys.reportProgress(runId));
  }

  async snapshot(conversation: Conversation): Promise<ReportSnapshot | undefined> {
    const raw = await this.redis.get(this.keys.reportSnapshot(conversationId(conversation)));
    return raw ? (JSON.parse(raw) as ReportSnapshot) : undefined;
  }

  async saveSnapshot(conversation: Conversation, snapshot: ReportSnapshot): Promise<void> {
    const key = this.keys.reportSnapshot(conversationId(conversation));
    await this.redis.set(key, JSON.stringify(snapshot), 'EX', SNAPSHOT_TTL_S);
  }
}
