/**
 * What a report run keeps besides its Run record: the results of connectors already tested (so a re-delivered
 * job continues where it stopped, and the report is built from them without holding them), the rows while the
 * report is built, its table pages until the outbox posts them, and per channel the snapshot the next report
 * compares with.
 */
import { createHash } from 'node:crypto';
import type { ConnectorResult, ConnectorStatus, ReportRow, ReportSnapshot } from '../core/report.js';
import type { Conversation } from '../core/run.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

const PROGRESS_TTL_S = 2 * 24 * 3600;
const SNAPSHOT_TTL_S = 400 * 24 * 3600;
/** Pages wait for the outbox, which posts them within minutes; a day's margin for an outage. */
const PAGES_TTL_S = 2 * 24 * 3600;
/** Rows read back per round trip while the table is cut into pages. */
const ROWS_CHUNK = 200;
const STATUSES: ConnectorStatus[] = ['fail', 'warn', 'ok'];

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

  /** Names of the connectors already tested by this run. */
  async tested(runId: string): Promise<Set<string>> {
    return new Set(await this.redis.hkeys(this.keys.reportProgress(runId)));
  }

  /** The results of `names` this run recorded (those it did not test are absent). */
  async resultsOf(runId: string, names: string[]): Promise<Map<string, ConnectorResult>> {
    if (names.length === 0) return new Map();
    const raw = await this.redis.hmget(this.keys.reportProgress(runId), ...names);
    const out = new Map<string, ConnectorResult>();
    raw.forEach((json, i) => {
      if (json) out.set(names[i]!, JSON.parse(json) as ConnectorResult);
    });
    return out;
  }

  async dropResults(runId: string): Promise<void> {
    await this.redis.del(this.keys.reportProgress(runId));
  }

  /**
   * Appends rows to the list of their status: read back failing first, each list in the order written. The lists
   * are one build's own (execute-report.ts names each build), so two workers building the same run never mix rows.
   */
  async appendRows(buildId: string, rows: ReportRow[]): Promise<void> {
    if (rows.length === 0) return;
    const tx = this.redis.multi();
    for (const status of STATUSES) {
      const of = rows.filter((r) => r.status === status).map((r) => JSON.stringify(r));
      if (of.length === 0) continue;
      const key = this.keys.reportRows(buildId, status);
      tx.rpush(key, ...of).expire(key, PROGRESS_TTL_S);
    }
    await tx.exec();
  }

  /** The rows appended, failing first, a chunk at a time. */
  async *rows(buildId: string): AsyncGenerator<ReportRow[]> {
    for (const status of STATUSES) {
      const key = this.keys.reportRows(buildId, status);
      for (let at = 0; ; at += ROWS_CHUNK) {
        const chunk = await this.redis.lrange(key, at, at + ROWS_CHUNK - 1);
        if (chunk.length === 0) break;
        yield chunk.map((json) => JSON.parse(json) as ReportRow);
        if (chunk.length < ROWS_CHUNK) break;
      }
    }
  }

  async dropRows(buildId: string): Promise<void> {
    await this.redis.del(...this.rowKeys(buildId));
  }

  private rowKeys(buildId: string): string[] {
    return STATUSES.map((s) => this.keys.reportRows(buildId, s));
  }

  async savePage(runId: string, page: number, rows: ReportRow[]): Promise<void> {
    const key = this.keys.reportPages(runId);
    await this.redis.multi().hset(key, String(page), JSON.stringify(rows)).expire(key, PAGES_TTL_S).exec();
  }

  /** A run that posts nothing (changes only, none) leaves no pages behind. */
  async dropPages(runId: string): Promise<void> {
    await this.redis.del(this.keys.reportPages(runId));
  }

  async page(runId: string, page: number): Promise<ReportRow[] | undefined> {
    const raw = await this.redis.hget(this.keys.reportPages(runId), String(page));
    return raw ? (JSON.parse(raw) as ReportRow[]) : undefined;
  }

  async snapshot(conversation: Conversation): Promise<ReportSnapshot | undefined> {
    const raw = await this.redis.get(this.keys.reportSnapshot(conversationId(conversation)));
    return raw ? (JSON.parse(raw) as ReportSnapshot) : undefined;
  }

  async saveSnapshot(conversation: Conversation, snapshot: ReportSnapshot): Promise<void> {
    const key = this.keys.reportSnapshot(conversationId(conversation));
    await this.redis.set(key, JSON.stringify(snapshot), 'EX', SNAPSHOT_TTL_S);
  }

  /** The snapshot a run made, kept apart until the run's report is saved (a re-delivered run compares the same). */
  async savePendingSnapshot(runId: string, snapshot: ReportSnapshot): Promise<void> {
    await this.redis.set(
      this.keys.reportPendingSnapshot(runId),
      JSON.stringify(snapshot),
      'EX',
      PROGRESS_TTL_S,
    );
  }

  /** Makes the run's pending snapshot the channel's; nothing when it already did. */
  async promoteSnapshot(runId: string, conversation: Conversation): Promise<void> {
    const pending = this.keys.reportPendingSnapshot(runId);
    const raw = await this.redis.get(pending);
    if (!raw) return;
    await this.redis
      .multi()
      .set(this.keys.reportSnapshot(conversationId(conversation)), raw, 'EX', SNAPSHOT_TTL_S)
      .del(pending)
      .exec();
  }
}
