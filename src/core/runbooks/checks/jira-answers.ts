/**
 * Known failure signatures of Jira's answers, in one place (reference/atlassian.md §1.6). Each check asks
 * here first, then reads the success body itself.
 */
import type { DiagnosisCode } from '../../diagnosis.js';
import type { HttpAnswer } from '../../ports.js';

export interface Classified {
  code: DiagnosisCode;
  detail: string;
}

const IP_REJECTED = 'not on the allowed list';

export function header(answer: HttpAnswer, name: string): string | undefined {
  return answer.headers[name.toLowerCase()];
}

export function looksLikeHtml(answer: HttpAnswer): boolean {
  const type = header(answer, 'content-type') ?? '';
  return type.includes('text/html') || /^\s*<(!doctype|html)/i.test(answer.body);
}

export function parseJson<T>(answer: HttpAnswer): T | undefined {
  try {
    return JSON.parse(answer.body) as T;
  } catch {
    return undefined;
  }
}

/** Signatures that mean the same thing whatever endpoint answered. `authSent`: credentials were on the request. */
export function classifyJiraAnswer(answer: HttpAnswer, authSent: boolean): Classified | undefined {
  const loginReason = header(answer, 'x-seraph-loginreason') ?? '';
  const denied = header(answer, 'x-authentication-denied-reason') ?? '';
  if (answer.body.includes(IP_REJECTED)) {
    return {
      code: 'JIRA_IP_NOT_ALLOWLISTED',
      detail: `Jira answered ${answer.status}: ${excerpt(errorMessages(answer))}`,
    };
  }
  if (/CAPTCHA/i.test(denied) || loginReason.includes('AUTHENTICATION_DENIED')) {
    return {
      code: 'JIRA_CAPTCHA_REQUIRED',
      detail: `Jira answered ${answer.status} with X-Seraph-LoginReason: ${loginReason || '—'}${denied ? `, X-Authentication-Denied-Reason: ${excerpt(denied.split(';')[0] ?? denied)}` : ''}.`,
    };
  }
  if (answer.status === 401 && authSent) {
    return { code: 'JIRA_AUTH_REJECTED', detail: `Jira answered 401: ${excerpt(errorMessages(answer))}` };
  }
  if (authSent && answer.status < 300 && loginReason.includes('AUTHENTICATED_FAILED')) {
    return {
      code: 'JIRA_AUTH_ANONYMOUS_FALLBACK',
      detail: `${pathOf(answer.url)} answered ${answer.status} with X-Seraph-LoginReason: AUTHENTICATED_FAILED: the credentials were ignored.`,
    };
  }
  if (answer.status === 429 || (answer.status === 503 && header(answer, 'retry-after'))) {
    return {
      code: 'JIRA_RATE_LIMITED',
      detail: `Jira answered ${answer.status} with Retry-After: ${header(answer, 'retry-after') ?? '—'}.`,
    };
  }
  if (answer.status >= 500) {
    return {
      code: 'CONNECTION_REFUSED',
      detail: `Jira answered ${answer.status}: the service behind ${hostOf(answer.url)} is not available.`,
    };
  }
  if (answer.status === 200 && looksLikeHtml(answer)) {
    return {
      code: 'JIRA_LOGIN_PAGE',
      detail: `${pathOf(answer.url)} answered an HTML page instead of JSON.`,
    };
  }
  return undefined;
}

/** Jira's error bodies: {"errorMessages":[…]} or {"message":…}; otherwise the start of the text. */
export function errorMessages(answer: HttpAnswer): string {
  const json = parseJson<{ errorMessages?: string[]; message?: string }>(answer);
  const messages = json?.errorMessages?.filter(Boolean) ?? [];
  if (messages.length > 0) return messages.join(' ');
  if (typeof json?.message === 'string') return json.message;
  return looksLikeHtml(answer) ? 'an HTML page' : answer.body.trim() || '(empty body)';
}

export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Retry-After in seconds, or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(answer: HttpAnswer, now: number): number | undefined {
  const value = header(answer, 'retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Remote clock minus ours, from the Date header; undefined without one. */
export function clockSkewMs(answer: HttpAnswer, requestStartedAt: number): number | undefined {
  const value = header(answer, 'date');
  if (!value) return undefined;
  const remote = Date.parse(value);
  if (Number.isNaN(remote)) return undefined;
  const midpoint = requestStartedAt + answer.ms / 2;
  return remote - midpoint;
}
