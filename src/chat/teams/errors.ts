/**
 * Bot Connector failures → the chat port's errors. 429 → ChatRateLimited (Retry-After when given, else a jittered
 * exponential backoff); 412, 5xx, timeouts and network errors → retryable; "this conversation is gone" (403
 * BotNotInConversationRoster / MessageWritesBlocked, 404 ConversationNotFound) → permanent, so the outbox stops
 * instead of storming. A 5xx, a timeout or a reset after the request went out leaves the outcome unknown (Teams may
 * have stored the message); a 4xx or a connection that never opened delivered nothing. Nothing from the response
 * body but its error code travels on (it may echo our content).
 */
import { ChatDeliveryError, ChatRateLimited, type DeliveryOutcome } from '../port.js';

export class TeamsDeliveryError extends ChatDeliveryError {
  constructor(
    reason: string,
    permanent: boolean,
    /** HTTP status (0 for a network error) and the connector's error code, for logs and metrics. */
    readonly status: number,
    readonly teamsCode?: string,
    outcome: DeliveryOutcome = 'not-delivered',
  ) {
    super(reason, permanent, outcome, status >= 500);
    this.name = 'TeamsDeliveryError';
  }
}

/** Codes after which the conversation will not take our messages again. */
const GONE = new Set([
  'BotNotInConversationRoster',
  'ConversationBlockedByUser',
  'MessageWritesBlocked',
  'BotDisabledByAdmin',
  'ConversationNotFound',
]);

const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'REQUEST_SEND_ERROR',
]);

/** Network failures before the request reached the connector: nothing was delivered. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  name?: string;
  response?: {
    status?: number;
    bodyAsText?: string | null;
    headers?: { get(name: string): string | undefined };
  };
}

/** `backoffMs` is asked for a delay when a 429 carries no Retry-After. */
export function translateTeamsError(error: unknown, backoffMs: () => number): Error {
  if (error instanceof ChatDeliveryError || error instanceof ChatRateLimited) return error;
  const e = (error ?? {}) as RestErrorLike;
  const status = e.statusCode ?? e.response?.status ?? 0;
  const { code, subCode } = errorCodes(e);
  if (status === 429) return new ChatRateLimited(retryAfterMs(e.response?.headers) ?? backoffMs());
  if (status === 0) {
    const network = (e.code && NETWORK.has(e.code)) || e.name === 'AbortError' || e.name === 'TimeoutError';
    const outcome = e.code && NOT_SENT.has(e.code) ? 'not-delivered' : 'unknown';
    return new TeamsDeliveryError(network ? 'network' : 'unknown', false, 0, safeCode(e.code), outcome);
  }
  if (GONE.has(code ?? '') || GONE.has(subCode ?? '')) {
    return new TeamsDeliveryError('conversation-gone', true, status, subCode ?? code);
  }
  switch (status) {
    case 400:
      return new TeamsDeliveryError('bad-request', true, status, code);
    case 401:
      // Our token was refused: a wrong secret stays wrong, but a token glitch heals; let the attempts bound it.
      return new TeamsDeliveryError('unauthorized', false, status, code);
    case 403:
      return new TeamsDeliveryError('forbidden', true, status, code);
    case 404:
      return new TeamsDeliveryError('message-gone', true, status, code);
    case 412:
      return new TeamsDeliveryError('precondition-failed', false, status, code);
    case 413:
      return new TeamsDeliveryError('too-large', true, status, code);
    case 502:
      return new TeamsDeliveryError('bad-gateway', false, status, code, 'unknown');
    case 504:
      return new TeamsDeliveryError('gateway-timeout', false, status, code, 'unknown');
    case 408:
      return new TeamsDeliveryError('server-error', false, status, code);
    default:
      if (status >= 500) return new TeamsDeliveryError('server-error', false, status, code, 'unknown');
      return new TeamsDeliveryError(`http-${status}`, true, status, code);
  }
}

function errorCodes(e: RestErrorLike): { code?: string; subCode?: string } {
  let body: { error?: { code?: unknown; subCode?: unknown } } | undefined;
  try {
    body = e.response?.bodyAsText ? JSON.parse(e.response.bodyAsText) : undefined;
  } catch {
    body = undefined;
  }
  const code = safeCode(body?.error?.code) ?? safeCode(e.code);
  const subCode = safeCode(body?.error?.subCode);
  return { ...(code ? { code } : {}), ...(subCode ? { subCode } : {}) };
}

function safeCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z_]{1,64}$/.test(value) ? value : undefined;
}

/** Retry-After (seconds or an HTTP date), or Azure's retry-after-ms headers; undefined when absent. */
export function retryAfterMs(
  headers: { get(name: string): string | undefined } | undefined,
  now = Date.now(),
) {
  if (!headers) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(headers.get(name));
    if (headers.get(name) && Number.isFinite(ms) && ms >= 0) return Math.max(ms, 100);
  }
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(seconds * 1000, 100);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(date - now, 100);
}

/** Full-range jittered exponential backoff: attempt 1 → 0.5–1 × base, doubling up to `maxMs`. */
export function backoffDelay(attempt: number, baseMs = 1000, maxMs = 60_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
