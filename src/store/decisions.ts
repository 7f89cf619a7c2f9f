/**
 * Decisions on waiting steps (Done, Approve, Deny, a submitted secret, expiry, cancel): first write wins (SET NX),
 * so a double click, two approvers or a click racing the deadline record exactly one outcome.
 */

import type { Decision } from '../core/decisions.js';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

export type { Decision, DecisionKind } from '../core/decisions.js';

const TTL_S = 30 * 24 * 3600;

export class DecisionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private key(runId: string, stepId: string, attempt: number): string {
    return `${this.keys.prefix}:decision:${runId}:${stepId}:${attempt}`;
  }

  private cancelKey(runId: string): string {
    return `${this.keys.prefix}:cancel:${runId}`;
  }

  /** Records the decision unless one exists; returns the one that stands. */
  async decide(
    runId: string,
    stepId: string,
    attempt: number,
    decision: Decision,
  ): Promise<{ won: boolean; decision: Decision }> {
    const key = this.key(runId, stepId, attempt);
    const ok = await this.redis.set(key, JSON.stringify(decision), 'EX', TTL_S, 'NX');
    if (ok === 'OK') return { won: true, decision };
    const existing = await this.redis.get(key);
    return { won: false, decision: existing ? (JSON.parse(existing) as Decision) : decision };
  }

  async get(runId: string, stepId: string, attempt: number): Promise<Decision | undefined> {
    const raw = await this.redis.get(this.key(runId, stepId, attempt));
    return raw ? (JSON.parse(raw) as Decision) : undefined;
  }

  async requestCancel(runId: string, by: string): Promise<boolean> {
    const ok = await this.redis.set(
      this.cancelKey(runId),
      JSON.stringify({ by, at: Date.now() }),
      'EX',
      TTL_S,
      'NX',
    );
    return ok === 'OK';
  }

  async cancelledBy(runId: string): Promise<string | undefined> {
    const raw = await this.redis.get(this.cancelKey(runId));
    return raw ? (JSON.parse(raw) as { by: string }).by : undefined;
  }
}
