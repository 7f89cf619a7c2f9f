/**
 * Slack refusing one of the app's tokens at start (auth.test for the bot token, apps.connections.open for the
 * app-level token) is a configuration error: it names the variable and the fix, and no retry helps.
 */
import { PlatformSettingsError } from '../platform.js';

/** Slack's answers that mean the token itself is wrong, revoked or of the wrong kind. */
const REFUSED_TOKEN = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'user_removed_from_team',
  'team_disabled',
  'not_allowed_token_type',
  'missing_scope',
]);

const FIXES = {
  SLACK_BOT_TOKEN:
    'copy the Bot User OAuth Token (xoxb-…) from your Slack app’s OAuth & Permissions page, after installing the app to the workspace',
  SLACK_APP_TOKEN:
    'generate an app-level token with the scope connections:write (Basic Information › App-Level Tokens), and turn Socket Mode on (Settings › Socket Mode)',
} as const;

export function platformErrorCode(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === 'string' ? code.slice(0, 60) : undefined;
}

/** A PlatformSettingsError naming `variable` when Slack refused the token, else undefined. */
export function refusedToken(
  error: unknown,
  variable: keyof typeof FIXES,
): PlatformSettingsError | undefined {
  const code = platformErrorCode(error);
  if (!code || !REFUSED_TOKEN.has(code)) return undefined;
  return new PlatformSettingsError([`${variable}: Slack refused it (${code}) — ${FIXES[variable]}`]);
}
