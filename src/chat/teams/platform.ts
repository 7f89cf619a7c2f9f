/**
 * Teams as a chat platform: a CloudAdapter on /api/messages, one adapter shared with the worker-side TeamsChat
 * (proactive posts through the Bot Connector), "@Align Bot" for its users. Conversation references and the
 * per-thread rate windows live in Redis, so every process sees the same ones.
 */
import type { ChatPlatform } from '../platform.js';
import { type CredentialsFactory, createTeamsAdapter } from './adapter.js';
import { TEAMS_PLATFORM } from './address.js';
import { TeamsChat } from './client.js';
import { renderTeamsCard, TEAMS_COMMAND_PREFIX, teamsHandlers } from './handlers.js';
import { createTeamsIngress } from './ingress.js';
import { RedisTeamsReferences } from './references.js';
import type { TeamsSettings } from './settings.js';
import { RedisThreadLimiter } from './thread-limiter.js';

export const TEAMS_MESSAGES_PATH = '/api/messages';

function adapterOptions(settings: TeamsSettings): { credentials?: CredentialsFactory } {
  return settings.credentials ? { credentials: settings.credentials } : {};
}

export const teamsPlatform: ChatPlatform<TeamsSettings> = {
  id: TEAMS_PLATFORM,
  commandPrefix: TEAMS_COMMAND_PREFIX,
  async ingress(settings, deps) {
    const references = new RedisTeamsReferences(deps.redis, `${deps.keys.prefix}:teams`);
    const ingress = createTeamsIngress(settings, teamsHandlers(deps, { allowInsecure: settings.sandbox }), {
      render: renderTeamsCard,
      adapter: createTeamsAdapter(settings, adapterOptions(settings)),
      references,
      logger: deps.logger.child({ component: 'teams' }),
      path: TEAMS_MESSAGES_PATH,
    });
    return { routes: { [TEAMS_MESSAGES_PATH]: ingress.listener }, close: async () => undefined };
  },
  chat(settings, deps) {
    return new TeamsChat({
      adapter: createTeamsAdapter(settings, adapterOptions(settings)),
      render: renderTeamsCard,
      references: new RedisTeamsReferences(deps.redis, `${deps.keys.prefix}:teams`),
      limiter: new RedisThreadLimiter(deps.redis, `${deps.keys.prefix}:teams`),
    });
  },
};
