/**
 * Slack settings from the environment. Two ways to receive commands and clicks:
 * - HTTP (the default): Slack POSTs to /slack/events; SLACK_SIGNING_SECRET verifies every request.
 * - Socket Mode (SLACK_APP_TOKEN, an `xapp-` app-level token with `connections:write`): the bot opens a WebSocket
 *   to Slack, so nothing inbound is needed. Slack authenticates the connection by the app token, so no request is
 *   signed and the signing secret is neither needed nor used (set or not, it is ignored).
 * Either way SLACK_BOT_TOKEN (`xoxb-`) is what the bot posts with, and workers need it too.
 * SLACK_HISTORY_LOOKUPS_PER_MINUTE paces the lookups that resolve an ambiguous post when the app was granted a
 * history scope (default 1: Tier 1, Slack's limit for apps outside the Marketplace; 0 turns lookups off).
 */
import { PlatformSettingsError } from '../platform.js';

export interface SlackSettings {
  botToken: string;
  apiUrl: string;
  /** HTTP mode: verifies the requests to /slack/events. */
  signingSecret?: string;
  /** Socket Mode: the app-level token that opens the connection. When set, there is no HTTP route. */
  appToken?: string;
  /** History lookups per minute per method after an ambiguous post (0: off, whatever the scopes; default 1). */
  historyLookupsPerMinute?: number;
}

const DEFAULT_API_URL = 'https://slack.com/api/';

const APP_TOKEN_FIX =
  'generate one under Basic Information › App-Level Tokens › Generate Token and Scopes, with the scope connections:write';
const BOT_TOKEN_FIX = 'copy the Bot User OAuth Token (xoxb-…) from your Slack app’s OAuth & Permissions page';

export function isSocketMode(settings: SlackSettings): boolean {
  return settings.appToken !== undefined;
}

/** Slack is configured by a bot token with a signing secret (HTTP) or an app token (Socket Mode). */
export function readSlackSettings(env: NodeJS.ProcessEnv): SlackSettings | undefined {
  const get = (name: string) => env[name]?.trim() || undefined;
  const signingSecret = get('SLACK_SIGNING_SECRET');
  const appToken = get('SLACK_APP_TOKEN');
  const botToken = get('SLACK_BOT_TOKEN');
  const apiUrl = get('SLACK_API_URL') ?? DEFAULT_API_URL;
  const lookups = get('SLACK_HISTORY_LOOKUPS_PER_MINUTE');
  const historyLookupsPerMinute = lookups === undefined ? undefined : Number(lookups);
  const problems = [
    ...pairingProblems(signingSecret, appToken, botToken),
    ...tokenProblems(appToken, botToken),
  ];
  if (historyLookupsPerMinute !== undefined && !validLookupRate(historyLookupsPerMinute))
    problems.push(
      'SLACK_HISTORY_LOOKUPS_PER_MINUTE: use a whole number from 0 (lookups off) to 1000 — 1 is Slack’s Tier 1 for apps outside the Marketplace, 50 its Tier 3',
    );
  if (!/^https?:\/\/[^\s]+$/.test(apiUrl))
    problems.push(
      'SLACK_API_URL: not an http(s) URL — leave it unset, or give the full URL of a Slack API simulator ending in /api/',
    );
  if (problems.length > 0) throw new PlatformSettingsError(problems);
  if (!botToken || !(appToken || signingSecret)) return undefined;
  const base = {
    botToken,
    apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    ...(historyLookupsPerMinute !== undefined ? { historyLookupsPerMinute } : {}),
  };
  return appToken ? { ...base, appToken } : { ...base, signingSecret: signingSecret! };
}

function validLookupRate(perMinute: number): boolean {
  return Number.isInteger(perMinute) && perMinute >= 0 && perMinute <= 1000;
}

/** A bot token needs a way in (signing secret or app token), and either of those needs a bot token. */
function pairingProblems(signingSecret?: string, appToken?: string, botToken?: string): string[] {
  if (botToken && !signingSecret && !appToken)
    return [
      'SLACK_SIGNING_SECRET: is missing while SLACK_BOT_TOKEN is set — set it (Basic Information › App Credentials › Signing Secret) for HTTP, or set SLACK_APP_TOKEN for Socket Mode; set neither token for the sandbox',
    ];
  if (!botToken && appToken)
    return [
      `SLACK_BOT_TOKEN: is missing while SLACK_APP_TOKEN is set — Socket Mode needs both (the app token connects, the bot token posts): ${BOT_TOKEN_FIX}`,
    ];
  if (!botToken && signingSecret)
    return [
      'SLACK_BOT_TOKEN: is missing while SLACK_SIGNING_SECRET is set — set both for Slack, or neither for the sandbox',
    ];
  return [];
}

function tokenProblems(appToken?: string, botToken?: string): string[] {
  const problems: string[] = [];
  if (botToken?.startsWith('xapp-'))
    problems.push(
      'SLACK_BOT_TOKEN: holds an app-level token (xapp-…) — put that one in SLACK_APP_TOKEN, and the Bot User OAuth Token (xoxb-…, OAuth & Permissions) here',
    );
  else if (botToken && !botToken.startsWith('xoxb-'))
    problems.push(`SLACK_BOT_TOKEN: must be a bot token (xoxb-…) — ${BOT_TOKEN_FIX}`);
  if (appToken && !appToken.startsWith('xapp-'))
    problems.push(`SLACK_APP_TOKEN: must be an app-level token (xapp-…) — ${APP_TOKEN_FIX}`);
  return problems;
}
