/**
 * Teams activities → the platform-neutral services. A message is a command (mention stripped by the ingress); an
 * Action.Execute invoke is a click, answered to the clicker alone (Teams has no ephemeral messages in channels):
 * a private card over the clicked one for refusals and notes, a toast when the thread itself will show the result.
 */
import type { IngressDeps } from '../platform.js';
import { parseAddress, toConversation } from './address.js';
import { renderCard } from './cards.js';
import type { TeamsHandlers, TeamsInvokeEvent, TeamsMessageEvent } from './ingress.js';
import { errorInvokeResponse, privateAnswer, toastInvokeResponse } from './invoke-response.js';

export const TEAMS_COMMAND_PREFIX = '@Align Bot';

export function teamsHandlers(deps: IngressDeps, options: { allowInsecure: boolean }): TeamsHandlers {
  const conversationOf = (address: string) => toConversation(parseAddress(address, options));
  return {
    async onMessage(event: TeamsMessageEvent) {
      const view = await deps.commands.handle({
        text: event.text,
        prefix: TEAMS_COMMAND_PREFIX,
        user: {
          platform: 'teams',
          id: event.user.aadObjectId,
          ...(event.user.name ? { name: event.user.name } : {}),
        },
        conversation: conversationOf(event.address),
      });
      return { message: view };
    },
    async onInvoke(event: TeamsInvokeEvent) {
      const value = typeof event.data.value === 'string' ? event.data.value : '';
      if (!event.verb.startsWith('align.') || !value)
        return errorInvokeResponse(400, 'unknown-action', 'That button is not one of Align Bot’s.');
      const answer = await deps.actions.handle({
        action: event.verb,
        value,
        user: {
          platform: 'teams',
          id: event.user.aadObjectId,
          ...(event.user.name ? { name: event.user.name } : {}),
        },
      });
      return answer ? privateAnswer(answer) : toastInvokeResponse('Recorded. The thread shows the result.');
    },
    async onRefused(refusal) {
      await deps.audit.append({
        actor: refusal.user.aadObjectId ?? refusal.user.id ?? 'unknown',
        action: `teams ${refusal.activityType}`,
        outcome: 'denied',
        detail: `${refusal.reason}${refusal.tenantId ? ` (tenant ${refusal.tenantId})` : ''}`,
      });
    },
  };
}

export const renderTeamsCard = (message: Parameters<typeof renderCard>[0]) => renderCard(message);
