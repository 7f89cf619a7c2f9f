/** The audit log: a Redis stream with bounded length. Who did what, when, on which connector and run, and how it ended. */

import type { AuditEntry } from '../core/audit-entry.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

const MAX_ENTRIES = 50_000;

export class AuditLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private get key(): string {
    return `${this.keys.prefix}:audit`;
  }

  async append(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    const fields = Object.entries(entry).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
    await this.redis.xadd(this.key, 'MAXLEN', '~', MAX_ENTRIES, '*', ...fields);
  }

  async recent(options: { connector?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = options.limit ?? 20;
    const out: AuditEntry[] = [];
    let end = '+';
    for (let page = 0; page < 20 && out.length < limit; page += 1) {
      const rows = await this.redis.xrevrange(this.key, end, '-', 'COUNT', 200);
      if (rows.length === 0) break;
      for (const [id, fields] of rows) {
        const entry = toEntry(id, fields);
        if (!options.connector || entry.connector === options.connector) out.push(entry);
        if (out.length >= limit) break;
      }
      end = `(${rows[rows.length - 1]![0]}`;
    }
    return out;
  }
}

function toEntry(id: string, fields: string[]): AuditEntry {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
  return {
    at: Number(id.split('-')[0]),
    actor: map.actor ?? '?',
    action: map.action ?? '?',
    outcome: (map.outcome ?? 'ok') as AuditEntry['outcome'],
    ...(map.connector ? { connector: map.connector } : {}),
    ...(map.runId ? { runId: map.runId } : {}),
    ...(map.detail ? { detail: map.detail } : {}),
  };
}
