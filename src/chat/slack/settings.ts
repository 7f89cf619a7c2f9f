/** Slack settings from the environment: the app's signing secret and bot token, and the Web API base URL. */
import { PlatformSettingsError } from '../platform.js';

export interface SlackSettings {
  signingSecret: string;
  botToken: string;
  apiUrl: string;
}

const DEFAULT_API_URL = 'https://slack.com/api/';

/** Slack is configured when both credentials are set; one without the other is a mistake worth naming. */
export function readSlackSettings(env: NodeJS.ProcessEnv): SlackSettings | undefined {
  const get = (name: string) => env[name]?.trim() || undefined;
  const signingSecret = get('SLACK_SIGNING_SECRET');
  const botToken = get('SLACK_BOT_TOKEN');
  const apiUrl = get('SLACK_API_URL') ?? DEFAULT_API_URL;
  const problems: string[] = [];
  if (Boolean(signingSecret) !== Boolean(botToken)) {
    const [missing, present] = botToken
      ? ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN']
      : ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'];
    problems.push(
      `${missing}: is missing while ${present} is set — set both for Slack, or neither for the sandbox`,
    );
  }
  if (botToken && !botToken.startsWith('xoxb-'))
    problems.push(
      'SLACK_BOT_TOKEN: must be a bot token (xoxb-…) — copy the Bot User OAuth Token from your Slack app’s OAuth & Permissions page',
    );
  if (!/^https?:\/\/[^\s]+$/.test(apiUrl))
    problems.push(
      'SLACK_API_URL: not an http(s) URL — leave it unset, or give the full URL of a Slack API simulator ending in /api/',
    );
  if (problems.length > 0) throw new PlatformSettingsError(problems);
  if (!signingSecret || !botToken) return undefined;
  return { signingSecret, botToken, apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` };
}
