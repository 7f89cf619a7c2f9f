/**
 * The Slack app manifests (HTTP: manifest.yaml; Socket Mode: manifest.socket-mode.yaml) against Slack's manifest
 * rules (schema v1, reference/slack.md §7) and against the code: the bot scopes asked for are exactly those the Web
 * API methods called in src/chat/slack/ and the listeners registered there need — a method without a known scope,
 * or a scope nothing uses, fails here. Opt-in scopes (the history scopes: the bot reads history only when it was
 * granted them, checked at start) stay out of the manifests — least privilege — and the README says how to add them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HISTORY_SCOPES } from '../src/chat/slack/history-lookup.js';

const DIR = 'manifests/slack';
const HTTP = 'manifest.yaml';
const SOCKET = 'manifest.socket-mode.yaml';
// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document, checked field by field below
const load = (name: string): any => parse(readFileSync(join(DIR, name), 'utf8'));
// biome-ignore lint/suspicious/noExplicitAny: as above
const manifests: Record<string, any> = { [HTTP]: load(HTTP), [SOCKET]: load(SOCKET) };

/** Keys Slack's manifest schema v1 knows at each level (it sets additionalProperties: false). */
const KNOWN_KEYS: Record<string, string[]> = {
  '': ['_metadata', 'display_information', 'features', 'oauth_config', 'settings'],
  display_information: ['name', 'description', 'long_description', 'background_color'],
  features: ['app_home', 'bot_user', 'shortcuts', 'slash_commands', 'unfurl_domains'],
  'features.bot_user': ['display_name', 'always_online'],
  'features.slash_commands[]': ['command', 'description', 'usage_hint', 'url', 'should_escape'],
  oauth_config: ['redirect_urls', 'scopes', 'token_management_enabled'],
  'oauth_config.scopes': ['bot', 'user', 'bot_optional', 'user_optional'],
  settings: [
    'allowed_ip_address_ranges',
    'event_subscriptions',
    'incoming_webhooks',
    'interactivity',
    'org_deploy_enabled',
    'socket_mode_enabled',
    'token_rotation_enabled',
    'is_hosted',
    'function_runtime',
  ],
  'settings.interactivity': ['is_enabled', 'request_url', 'message_menu_options_url'],
};

/**
 * The bot scopes each Web API method needs (api.slack.com/methods/<method>). chat.postMessage also needs
 * chat:write.public: the bot posts a run's messages into the channel the command came from, invited or not.
 * `null`: called with another token (apps.connections.open: the app-level token, scope connections:write), or
 * needing no scope (auth.test).
 */
const METHOD_SCOPES: Record<string, string[] | null> = {
  'chat.postMessage': ['chat:write', 'chat:write.public'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'usergroups.users.list': ['usergroups:read'],
  'apps.connections.open': null,
  'auth.test': null,
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
};
/**
 * Methods the bot calls only when the app was granted their scopes (src/chat/slack/history-lookup.ts reads the
 * granted scopes at start): their scopes are opt-in, never in the manifests' `bot` list.
 */
const OPT_IN_METHODS = new Set(['conversations.history', 'conversations.replies']);
/** Bolt listeners and what they need: slash commands need `commands`; interactivity needs no scope. */
const LISTENER_SCOPES: Record<string, string[]> = { command: ['commands'], action: [] };

const SLACK_SOURCES = readdirSync('src/chat/slack')
  .filter((name) => name.endsWith('.ts'))
  .map((name) => readFileSync(join('src/chat/slack', name), 'utf8'));

/** Web API methods the code calls: `client.chat.postMessage(`, `client.usergroups.users.list(`, … */
function methodsCalled(): Set<string> {
  const families =
    'admin|api|apps|auth|bookmarks|bots|chat|conversations|dnd|emoji|files|pins|reactions|reminders|search|team|usergroups|users|views|workflows';
  const pattern = new RegExp(`\\.((?:${families})(?:\\.[a-zA-Z]+)+)\\(`, 'g');
  return new Set(SLACK_SOURCES.flatMap((text) => [...text.matchAll(pattern)].map((m) => m[1]!)));
}

/** Bolt listeners the code registers: `app.command(`, `app.action(`, … */
function listenersRegistered(): Set<string> {
  return new Set(
    SLACK_SOURCES.flatMap((text) =>
      [...text.matchAll(/\bapp\.(command|action|event|shortcut|view|options|message)\(/g)].map((m) => m[1]!),
    ),
  );
}

function scopesTheCodeNeeds(): { scopes: Set<string>; optIn: Set<string>; unknown: string[] } {
  const scopes = new Set<string>();
  const optIn = new Set<string>();
  const unknown: string[] = [];
  for (const method of methodsCalled()) {
    if (!(method in METHOD_SCOPES)) unknown.push(`method ${method}`);
    for (const scope of METHOD_SCOPES[method] ?? []) (OPT_IN_METHODS.has(method) ? optIn : scopes).add(scope);
  }
  for (const listener of listenersRegistered()) {
    if (!(listener in LISTENER_SCOPES)) unknown.push(`listener app.${listener}`);
    for (const scope of LISTENER_SCOPES[listener] ?? []) scopes.add(scope);
  }
  return { scopes, optIn, unknown };
}

function unknownKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => unknownKeys(item, `${path}[]`));
  if (!value || typeof value !== 'object' || !(path in KNOWN_KEYS)) return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(KNOWN_KEYS[path]!.includes(key) ? [] : [`${path}.${key}`]),
    ...unknownKeys(child, path ? `${path}.${key}` : key),
  ]);
}

function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? [value] : [];
  if (value && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

describe.each(Object.keys(manifests))('Slack manifest %s', (name) => {
  const manifest = manifests[name];

  it('uses only keys of Slack’s manifest schema v1', () => {
    expect(manifest._metadata).toEqual({ major_version: 1, minor_version: 1 });
    expect(unknownKeys(manifest)).toEqual([]);
  });

  it('keeps the display limits: app name ≤ 35, description ≤ 140, bot display name ≤ 80, a hex colour', () => {
    const display = manifest.display_information;
    expect(display.name.length).toBeGreaterThan(0);
    expect(display.name.length).toBeLessThanOrEqual(35);
    expect(display.description.length).toBeLessThanOrEqual(140);
    if (display.long_description !== undefined) {
      expect(display.long_description.length).toBeGreaterThanOrEqual(175);
      expect(display.long_description.length).toBeLessThanOrEqual(4000);
    }
    expect(display.background_color).toMatch(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
    const bot = manifest.features.bot_user.display_name;
    expect(bot.length).toBeGreaterThan(0);
    expect(bot.length).toBeLessThanOrEqual(80);
  });

  it('declares /align as Slack names commands: starts with /, lowercase, no spaces, at most 32 characters', () => {
    const commands = manifest.features.slash_commands;
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.length).toBeLessThanOrEqual(50);
    expect(commands.map((c: { command: string }) => c.command)).toEqual(['/align']);
    for (const command of commands) {
      expect(command.command).toMatch(/^\/[a-z0-9_-]+$/);
      expect(command.command.length).toBeGreaterThanOrEqual(2);
      expect(command.command.length).toBeLessThanOrEqual(32);
      expect(command.description.length).toBeGreaterThan(0);
      expect(command.description.length).toBeLessThanOrEqual(2000);
      expect(command.usage_hint.length).toBeLessThanOrEqual(1000);
      expect(command.should_escape).toBe(false);
    }
  });

  it('asks for exactly the bot scopes the code uses, and for nothing else', () => {
    const { scopes, unknown } = scopesTheCodeNeeds();
    expect(unknown, 'add the scope of each to METHOD_SCOPES / LISTENER_SCOPES').toEqual([]);
    expect(methodsCalled().size).toBeGreaterThanOrEqual(4);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...scopes].sort());
    for (const scope of manifest.oauth_config.scopes.bot) expect(scope.length).toBeLessThanOrEqual(50);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
    expect(manifest.settings.event_subscriptions, 'the bot subscribes to no event').toBeUndefined();
  });

  it('leaves the opt-in history scopes out (least privilege), optional ones included', () => {
    const { optIn } = scopesTheCodeNeeds();
    expect([...optIn].sort()).toEqual([...HISTORY_SCOPES].sort());
    const asked = [...manifest.oauth_config.scopes.bot, ...(manifest.oauth_config.scopes.bot_optional ?? [])];
    for (const scope of optIn) expect(asked).not.toContain(scope);
  });

  it('turns interactivity on (the buttons), one workspace, no token rotation', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.org_deploy_enabled).toBe(false);
    expect(manifest.settings.token_rotation_enabled).toBe(false);
  });
});

describe('the two Slack manifests', () => {
  it('HTTP: every URL is https and points at /slack/events, Socket Mode off', () => {
    const manifest = manifests[HTTP];
    const urls = urlsIn(manifest);
    expect(urls.length).toBe(2);
    for (const url of urls) expect(url).toMatch(/^https:\/\/[a-z0-9.-]+(:\d+)?\/slack\/events$/);
    expect(manifest.features.slash_commands[0].url).toBe(manifest.settings.interactivity.request_url);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('Socket Mode: no URL at all, Socket Mode on', () => {
    const manifest = manifests[SOCKET];
    expect(urlsIn(manifest)).toEqual([]);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('differ only in the URLs and socket_mode_enabled', () => {
    const strip = (manifest: Record<string, unknown>) =>
      JSON.parse(
        JSON.stringify(manifest, (key, value) =>
          key === 'url' || key === 'request_url' || key === 'socket_mode_enabled' ? undefined : value,
        ),
      );
    expect(strip(manifests[SOCKET])).toEqual(strip(manifests[HTTP]));
  });

  it('are the only files in manifests/slack', () => {
    expect(readdirSync(DIR).sort()).toEqual([HTTP, SOCKET].sort());
  });
});

describe('the opt-in scopes', () => {
  it('are each named in the README with what they cost', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Slack app'), readme.indexOf('### Microsoft Teams'));
    for (const scope of HISTORY_SCOPES) expect(section).toContain(`\`${scope}\``);
    expect(section).toContain('SLACK_HISTORY_LOOKUPS_PER_MINUTE');
  });
});

describe('the scope check itself', () => {
  it('finds the Web API methods and listeners of src/chat/slack', () => {
    expect([...methodsCalled()].sort()).toEqual(
      expect.arrayContaining([
        'chat.postEphemeral',
        'chat.postMessage',
        'chat.update',
        'conversations.history',
        'conversations.replies',
        'usergroups.users.list',
      ]),
    );
    expect([...listenersRegistered()].sort()).toEqual(['action', 'command']);
  });
});
