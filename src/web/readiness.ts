/**
 * /readyz: Redis answers, and (unless ALIGN_BOT_READY_REQUIRES_WORKER=false) at least one worker sent a heartbeat
 * within the last HEARTBEAT_TTL_MS. Each look at Redis is bounded, so a silent Redis makes the probe fail rather
 * than hang. docs/operations.md ("Health and readiness") explains why workers are part of it and when to turn
 * that off.
 */

import type { Heartbeats } from '../store/heartbeats.js';
import { HEARTBEAT_TTL_MS } from '../store/heartbeats.js';
import type { RedisClient } from '../store/redis.js';
import { withTimeout } from '../store/redis.js';

export const READY_CHECK_TIMEOUT_MS = 1_000;

export interface Readiness {
  ready: boolean;
  /** One line for people and probes' logs. */
  text: string;
}

export async function readiness(deps: {
  redis: RedisClient;
  heartbeats: Heartbeats;
  requireWorker: boolean;
  timeoutMs?: number;
}): Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? READY_CHECK_TIMEOUT_MS;
  const workers = await withTimeout(
    deps.redis.ping().then(() => deps.heartbeats.live()),
    timeoutMs,
    'redis check timed out',
  ).catch(() => undefined);
  if (workers === undefined) return { ready: false, text: 'not ready: Redis does not answer' };
  const alive = `${workers} worker${workers === 1 ? '' : 's'} alive`;
  if (workers === 0 && deps.requireWorker)
    return {
      ready: false,
      text: `not ready: no worker has sent a heartbeat in the last ${HEARTBEAT_TTL_MS / 1000} s`,
    };
  return { ready: true, text: `ready: Redis answers, ${alive}` };
}
