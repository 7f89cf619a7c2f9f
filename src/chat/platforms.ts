/** The chat platforms Align Bot speaks. Adding one is a folder under src/chat/ and one line here. */
import { type PlatformEntry, platformEntry } from './platform.js';
import { readSlackSettings } from './slack/settings.js';
import { readTeamsSettings } from './teams/settings.js';

export const PLATFORMS: readonly PlatformEntry[] = [
  platformEntry({
    id: 'slack',
    readSettings: readSlackSettings,
    load: async () => (await import('./slack/platform.js')).slackPlatform,
  }),
  platformEntry({
    id: 'teams',
    readSettings: readTeamsSettings,
    load: async () => (await import('./teams/platform.js')).teamsPlatform,
  }),
];
