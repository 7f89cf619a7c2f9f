/**
 * Teams as a chat platform: a CloudAdapter on /api/messages, one adapter shared with the worker-side TeamsChat
 * (proactive posts through the Bot Connector), "@Align Bot" for its users. Conversation references, users' MRIs,
 * conversations that are gone and the per-thread and per-tenant rate windows live in Redis, so every process sees
 * the same ones.
 */
import { AuditLog } from '../../store/audit.js';
import type { ChatPlatform } from '../platform.js';
import { type CredentialsFactory, createTeamsAdapter } from './adapter.js';
import { TEAMS_PLATFORM } from './address.js';
import { TeamsChat } from './client.js';
import { RedisGoneConversations } from './gone.js';
import { renderTeamsCard, TEAMS_COMMAND_PREFIX, teamsHandlers } from './handlers.js';
import { createTeamsIngress } from './ingress.js';
import { RedisTeamsReferences } from './references.js';
import type { TeamsSettings } from './settings.js';
import { RedisThreadLimiter, TEAMS_TENANT_LIMITS, withMargin } from './thread-limiter.js';

export const TEAMS_MESSAGES_PATH = '/api/messages';

function adapterOptions(settings: TeamsSettings): { credentials?: CredentialsFactory } {
  return settings.credentials ? { credentials: settings.credentials } : {};
}

export const teamsPlatform: ChatPlatform<TeamsSettings> = {
  id: TEAMS_PLATFORM,
  commandPrefix: TEAMS_COMMAND_PREFIX,
  async ingress(settings, deps) {
    const prefix = `${deps.keys.prefix}:teams`;
    const references = new RedisTeamsReferences(deps.redis, prefix);
    const handlers = teamsHandlers(deps, { allowInsecure: settings.sandbox, references });
    const ingress = createTeamsIngress(settings, handlers, {
      render: renderTeamsCard,
      adapter: createTeamsAdapter(settings, adapterOptions(settings)),
      references,
      gone: new RedisGoneConversations(deps.redis, prefix),
      limiter: new RedisThreadLimiter(deps.redis, prefix),
      logger: deps.logger.child({ component: 'teams' }),
      path: TEAMS_MESSAGES_PATH,
    });
    return { routes: { [TEAMS_MESSAGES_PATH]: ingress.listener }, close: async () => undefined };
  },
  chat(settings, deps) {
    const prefix = `${deps.keys.prefix}:teams`;
    const audit = new AuditLog(deps.redis, deps.keys);
    const logger = deps.logger.child({ component: 'teams' });
    return new TeamsChat({
      adapter: createTeamsAdapter(settings, adapterOptions(settings)),
      render: renderTeamsCard,
      references: new RedisTeamsReferences(deps.redis, prefix),
      approvers: deps.roles?.approvers ?? [],
      gone: new RedisGoneConversations(deps.redis, prefix),
      onGone: async (event) => {
        logger.warn({ ...event }, 'teams: conversation gone; deliveries to it stop');
        await audit
          .append({
            actor: 'align-bot',
            action: 'teams conversation gone',
            outcome: 'failed',
            detail: `${event.code} in ${event.conversationId} (tenant ${event.tenantId}); ${event.told ? `told ${event.told} in their 1:1 chat` : 'nobody could be told in Teams'}`,
          })
          .catch((error: Error) => logger.warn({ err: error.message }, 'teams: gone not audited'));
      },
      limiter: new RedisThreadLimiter(deps.redis, prefix),
      tenantLimiter: new RedisThreadLimiter(deps.redis, prefix, withMargin(TEAMS_TENANT_LIMITS)),
    });
  },
};
