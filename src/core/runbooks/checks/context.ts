/**
 * What the test checks share: the target, the ports, the limits, and one way to call Jira that waits once on a
 * 429, follows redirects only within the same origin, and notes the clock skew.
 */

import type { TestTarget } from '../../connector-spec.js';
import type { Clock, Credential, EgressPort, HttpAnswer, HttpPort } from '../../ports.js';
import { NetFailure } from '../../ports.js';
import { clockSkewMs, header, retryAfterMs } from './jira-answers.js';
import type { OAuthPort } from './oauth-port.js';
import type { CheckContextBase } from './run-checks.js';

export interface TestLimits {
  /** Per request. */
  requestMs: number;
  /** For the whole test. */
  totalMs: number;
  /** Longest Retry-After worth waiting once. */
  maxRetryWaitMs: number;
}

export const DEFAULT_LIMITS: TestLimits = { requestMs: 10_000, totalMs: 30_000, maxRetryWaitMs: 10_000 };

/** Signs OAuth 1.0a requests and inspects key material; provided by atlassian/ when OAuth checks run. */
export type { OAuthPort } from './oauth-port.js';

export interface TestContext extends CheckContextBase {
  target: TestTarget;
  http: HttpPort;
  egress: EgressPort;
  clock: Clock;
  limits: TestLimits;
  /** https://api.atlassian.com, or a simulator. */
  gatewayUrl: string;
  oauth?: OAuthPort;
}

export function siteUrl(ctx: TestContext): string {
  return (ctx.facts.siteUrl as string | undefined) ?? ctx.target.spec.jira.url;
}

/** Where REST calls go: the configured API URL, the gateway for scoped tokens, or the site. */
export function apiUrl(ctx: TestContext): string {
  return (ctx.facts.apiUrl as string | undefined) ?? ctx.target.spec.jira.apiUrl ?? siteUrl(ctx);
}

export function jiraCredential(ctx: TestContext): Credential | undefined {
  const secret = ctx.target.jiraSecret;
  if (!secret) return undefined;
  const { auth, email } = ctx.target.spec;
  if (auth === 'pat') return { scheme: 'bearer', secret };
  if (email) return { scheme: 'basic', user: email, secret };
  return undefined;
}

export function noCredentialReason(ctx: TestContext): string | undefined {
  if (jiraCredential(ctx)) return undefined;
  const { auth, email } = ctx.target.spec;
  if (auth === 'oauth' && !ctx.target.jiraSecret) {
    return 'Needs credentials: the OAuth access token stays in Jira Align; give Align Bot the service account’s API token (or PAT) to check its rights.';
  }
  if (auth === 'basic' && !email && ctx.target.jiraSecret)
    return 'Needs the service account’s email (--email).';
  return auth === 'pat'
    ? 'Needs credentials: a Personal Access Token (--pat-env VAR).'
    : 'Needs credentials: the service account’s email and API token (--email, --token-env VAR).';
}

export interface JiraCall {
  path: string;
  base?: string;
  auth?: Credential;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

const MAX_SAME_ORIGIN_REDIRECTS = 3;

/**
 * One Jira call. A 429 (or 503 with Retry-After) is waited out once when the wait fits the deadline; a redirect is
 * followed only within the same origin; a redirect elsewhere is returned as is, after the egress guard has
 * cleared its target (a refused target is a NetFailure, like any other refused request).
 */
export async function callJira(ctx: TestContext, call: JiraCall): Promise<HttpAnswer> {
  let url = new URL(call.path, withSlash(call.base ?? apiUrl(ctx))).toString();
  let retried = false;
  for (let hop = 0; ; ) {
    const started = ctx.clock.now();
    const answer = await send(ctx, url, call);
    noteClockSkew(ctx, answer, started);
    const location = header(answer, 'location');
    if (answer.status >= 300 && answer.status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== new URL(url).origin || hop >= MAX_SAME_ORIGIN_REDIRECTS) {
        await checkRedirectTarget(ctx, next);
        return answer;
      }
      url = next.toString();
      hop += 1;
      continue;
    }
    const wait = retried ? undefined : rateLimitWait(ctx, answer);
    if (wait === undefined) return answer;
    retried = true;
    await ctx.clock.sleep(wait);
  }
}

/**
 * A redirect elsewhere is returned, not followed, but the egress guard must accept its target. Whether the target
 * resolves is for the check that goes there to find out: the answer (a renamed site, say) is the finding here.
 */
async function checkRedirectTarget(ctx: TestContext, target: URL): Promise<void> {
  try {
    await ctx.egress.resolve(target.toString());
  } catch (error) {
    if (!(error instanceof NetFailure) || error.code !== 'DNS_FAILURE') throw error;
  }
}

function rateLimitWait(ctx: TestContext, answer: HttpAnswer): number | undefined {
  const limited =
    answer.status === 429 || (answer.status === 503 && header(answer, 'retry-after') !== undefined);
  if (!limited) return undefined;
  const wait = retryAfterMs(answer, ctx.clock.now()) ?? 1000;
  if (wait > ctx.limits.maxRetryWaitMs || ctx.clock.now() + wait >= ctx.deadline) return undefined;
  return wait;
}

async function send(ctx: TestContext, url: string, call: JiraCall): Promise<HttpAnswer> {
  const remaining = ctx.deadline - ctx.clock.now();
  if (remaining <= 0) throw new NetFailure('TIMEOUT', 'The whole test ran out of time.');
  return ctx.http.send({
    method: call.method ?? 'GET',
    url,
    headers: { accept: 'application/json', ...call.headers },
    ...(call.auth ? { auth: call.auth } : {}),
    ...(call.body !== undefined ? { body: call.body } : {}),
    timeoutMs: Math.min(ctx.limits.requestMs, remaining),
  });
}

function noteClockSkew(ctx: TestContext, answer: HttpAnswer, started: number): void {
  if (ctx.facts.clockSkewMs !== undefined) return;
  const skew = clockSkewMs(answer, started);
  if (skew !== undefined) ctx.facts.clockSkewMs = Math.round(skew);
}

function withSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}
