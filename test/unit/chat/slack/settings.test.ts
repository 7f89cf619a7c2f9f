/**
 * Slack's settings (issue 11 item 3): HTTP needs the bot token and the signing secret; Socket Mode the bot token and
 * an app-level token, and ignores the signing secret. Every wrong combination names the variable and its fix.
 */
import { describe, expect, it } from 'vitest';
import { PlatformSettingsError } from '../../../../src/chat/platform.js';
import { isSocketMode, readSlackSettings } from '../../../../src/chat/slack/settings.js';

const BOT = 'xoxb-1-abc';
const APP = 'xapp-1-A1-2-def';
const SECRET = 'f'.repeat(32);

function problems(env: Record<string, string>): string[] {
  try {
    readSlackSettings(env);
    return [];
  } catch (error) {
    if (!(error instanceof PlatformSettingsError)) throw error;
    return error.problems;
  }
}

describe('Slack settings', () => {
  it('none: Slack is off (the sandbox)', () => {
    expect(readSlackSettings({})).toBeUndefined();
  });

  it('HTTP: bot token and signing secret', () => {
    const settings = readSlackSettings({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET })!;
    expect(settings).toEqual({ botToken: BOT, signingSecret: SECRET, apiUrl: 'https://slack.com/api/' });
    expect(isSocketMode(settings)).toBe(false);
  });

  it('Socket Mode: bot token and app token; no signing secret needed, and one that is set is not used', () => {
    const settings = readSlackSettings({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP })!;
    expect(settings).toEqual({ botToken: BOT, appToken: APP, apiUrl: 'https://slack.com/api/' });
    expect(isSocketMode(settings)).toBe(true);
    const both = readSlackSettings({
      SLACK_BOT_TOKEN: BOT,
      SLACK_APP_TOKEN: APP,
      SLACK_SIGNING_SECRET: SECRET,
    })!;
    expect(both.signingSecret).toBeUndefined();
    expect(isSocketMode(both)).toBe(true);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: BOT }, /^SLACK_SIGNING_SECRET: is missing .*SLACK_APP_TOKEN for Socket Mode/],
    [{ SLACK_SIGNING_SECRET: SECRET }, /^SLACK_BOT_TOKEN: is missing while SLACK_SIGNING_SECRET is set/],
    [{ SLACK_APP_TOKEN: APP }, /^SLACK_BOT_TOKEN: is missing while SLACK_APP_TOKEN is set .*xoxb-/],
    [
      { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: 'xoxb-2-x' },
      /^SLACK_APP_TOKEN: must be an app-level token \(xapp-…\) — .*connections:write/,
    ],
    [
      { SLACK_BOT_TOKEN: APP, SLACK_APP_TOKEN: APP },
      /^SLACK_BOT_TOKEN: holds an app-level token .*SLACK_APP_TOKEN/,
    ],
    [
      { SLACK_BOT_TOKEN: 'xoxp-user', SLACK_SIGNING_SECRET: SECRET },
      /^SLACK_BOT_TOKEN: must be a bot token \(xoxb-…\)/,
    ],
    [
      { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_API_URL: 'ftp://x' },
      /^SLACK_API_URL: not an http\(s\) URL/,
    ],
    [
      { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_HISTORY_LOOKUPS_PER_MINUTE: '1.5' },
      /^SLACK_HISTORY_LOOKUPS_PER_MINUTE: use a whole number from 0 \(lookups off\) to 1000/,
    ],
  ])('%j is refused, naming the variable and the fix', (env, message) => {
    const found = problems(env);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('history lookups: Slack’s Tier 1 rate unless set; 0 turns them off', () => {
    expect(
      readSlackSettings({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP })!.historyLookupsPerMinute,
    ).toBeUndefined();
    const env = { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP };
    expect(
      readSlackSettings({ ...env, SLACK_HISTORY_LOOKUPS_PER_MINUTE: '50' })!.historyLookupsPerMinute,
    ).toBe(50);
    expect(
      readSlackSettings({ ...env, SLACK_HISTORY_LOOKUPS_PER_MINUTE: '0' })!.historyLookupsPerMinute,
    ).toBe(0);
    expect(problems({ ...env, SLACK_HISTORY_LOOKUPS_PER_MINUTE: '-1' })).toHaveLength(1);
  });

  it('never repeats a token in a problem', () => {
    const env = { SLACK_BOT_TOKEN: 'xapp-secret-value', SLACK_APP_TOKEN: 'xoxb-secret-value' };
    expect(problems(env).join(' ')).not.toMatch(/secret-value/);
  });
});
