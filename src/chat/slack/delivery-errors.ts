/**
 * Web API failures → the chat port's errors, telling "not delivered" (429, an `ok:false` answer, a 4xx, a
 * connection that never opened) from "outcome unknown" (a timeout, a 5xx, a connection reset after the request
 * went out): after the latter Slack may have posted the message, so the outbox must not post it again blindly.
 */
import {
  ErrorCode,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  type WebAPIRequestError,
} from '@slack/web-api';
import { ChatDeliveryError, ChatRateLimited } from '../port.js';

/** Errors after which retrying cannot help. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'msg_too_long',
  'no_text',
  'cant_update_message',
  'message_not_found',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'user_not_in_channel',
]);

/** `ok:false` answers after which Slack may have done part of the work ("some aspect … succeeded"). */
const MAYBE_DONE = new Set(['fatal_error', 'internal_error']);

/** Network failures before any byte of the request reached Slack. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function translateSlackError(error: unknown): Error {
  const code = (error as { code?: string } | undefined)?.code;
  switch (code) {
    case ErrorCode.RateLimitedError:
      return new ChatRateLimited(Math.max(1, (error as WebAPIRateLimitedError).retryAfter) * 1000);
    case ErrorCode.PlatformError:
      return platformError((error as WebAPIPlatformError).data.error);
    case ErrorCode.HTTPError: {
      const status = (error as WebAPIHTTPError).statusCode;
      if (status === 429) return new ChatRateLimited(1000);
      if (status >= 500) return new ChatDeliveryError(`http-${status}`, false, 'unknown', true);
      return new ChatDeliveryError(`http-${status}`, false);
    }
    case ErrorCode.RequestError:
      return requestError((error as WebAPIRequestError).original);
  }
  // A 429 without a usable Retry-After: the client gives up with a plain Error.
  if (error instanceof Error && error.message.startsWith('Retry header did not contain')) {
    return new ChatRateLimited(1000);
  }
  return new ChatDeliveryError(code ?? (error as Error | undefined)?.message ?? 'unknown', false);
}

function platformError(reason: string): Error {
  if (reason === 'ratelimited') return new ChatRateLimited(1000);
  if (MAYBE_DONE.has(reason)) return new ChatDeliveryError(reason, false, 'unknown', true);
  return new ChatDeliveryError(reason, PERMANENT.has(reason));
}

/** fetch failed: a timeout (our AbortSignal) or a network error, whose code is on the cause. */
function requestError(original: Error | undefined): ChatDeliveryError {
  if (original?.name === 'TimeoutError' || original?.name === 'AbortError') {
    return new ChatDeliveryError('timeout', false, 'unknown');
  }
  const cause = (original as { cause?: { code?: unknown } } | undefined)?.cause;
  const network = typeof cause?.code === 'string' ? cause.code.slice(0, 40) : undefined;
  if (network && NOT_SENT.has(network)) return new ChatDeliveryError(`network:${network}`, false);
  return new ChatDeliveryError(`network:${network ?? 'error'}`, false, 'unknown');
}
