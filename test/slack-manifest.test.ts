/** The Slack app manifest: the fields and limits of Slack's manifest schema v1 that apply to it (reference/slack.md §7). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const manifest = parse(readFileSync('manifests/slack/manifest.yaml', 'utf8'));
const TOP_LEVEL = ['_metadata', 'display_information', 'features', 'oauth_config', 'settings'];

describe('Slack manifest', () => {
  it('has only known top-level keys and a valid display block', () => {
    expect(Object.keys(manifest).every((k) => TOP_LEVEL.includes(k))).toBe(true);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.display_information.background_color).toMatch(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
    expect(manifest.features.bot_user.display_name.length).toBeLessThanOrEqual(80);
  });

  it('declares /align on the events endpoint, with interactivity on the same URL', () => {
    const [command] = manifest.features.slash_commands;
    expect(command.command).toMatch(/^\/[a-z0-9_-]{1,31}$/);
    expect(command.description.length).toBeLessThanOrEqual(2000);
    expect(command.usage_hint.length).toBeLessThanOrEqual(1000);
    expect(command.url).toMatch(/^https:\/\/.+\/slack\/events$/);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: command.url });
  });

  it('asks for exactly the scopes the bot uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      'chat:write',
      'chat:write.public',
      'commands',
      'usergroups:read',
    ]);
  });
});
