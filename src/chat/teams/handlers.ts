/**
 * Teams activities → the platform-neutral services. A message is a command (mention stripped by the ingress),
 * answered in its thread; a command that starts a run is answered with the run's root card, which the outbox
 * then edits in place. An Action.Execute invoke is a click, answered to the clicker alone (Teams has no ephemeral
 * messages in channels): refusals, notes and the secure-form link as a private card over the clicked one (drawn
 * as it stands now, so the clicker keeps the question), a toast when the thread itself will show the result.
 * `align.refresh` (an approval card's refresh) answers with the ask's current card.
 */
import type { Conversation, Person } from '../../core/run.js';
import type { MessageView } from '../../core/views/view.js';
import type { IngressDeps } from '../platform.js';
import { parseAddress, TEAMS_PLATFORM, toConversation } from './address.js';
import { type CardContext, cardOptions } from './card-context.js';
import { type CardOptions, REFRESH_VERB, renderCard } from './cards.js';
import type {
  IdentifiedUser,
  TeamsHandlers,
  TeamsInvokeEvent,
  TeamsMessageEvent,
  TeamsReply,
} from './ingress.js';
import {
  cardInvokeResponse,
  errorInvokeResponse,
  type InvokeAnswer,
  privateAnswer,
  toastInvokeResponse,
} from './invoke-response.js';
import type { TeamsReferenceStore } from './references.js';

export const TEAMS_COMMAND_PREFIX = '@Align Bot';

export interface TeamsHandlerOptions {
  allowInsecure: boolean;
  /** People's names for cards, and approvers' MRIs for the refresh of approval cards. */
  references?: TeamsReferenceStore;
}

function personOf(user: IdentifiedUser): Person {
  return { platform: TEAMS_PLATFORM, id: user.aadObjectId, ...(user.name ? { name: user.name } : {}) };
}

export function teamsHandlers(deps: IngressDeps, options: TeamsHandlerOptions): TeamsHandlers {
  const conversationOf = (event: { address: string; user: IdentifiedUser }): Conversation =>
    toConversation({
      ...parseAddress(event.address, options),
      // Who to tell privately if the conversation later turns out to be gone.
      contact: event.user.aadObjectId,
    });
  const logger = deps.logger.child({ component: 'teams' });
  const context = (): CardContext => ({
    ...(options.references ? { references: options.references } : {}),
    approvers: deps.roles.approvers,
  });
  return {
    async onMessage(event: TeamsMessageEvent): Promise<TeamsReply> {
      const answer = await deps.commands.answer({
        text: event.text,
        prefix: TEAMS_COMMAND_PREFIX,
        user: personOf(event.user),
        conversation: conversationOf(event),
        answerWithRoot: true,
      });
      const runId = answer.runId;
      const sender = event.user.name ? new Map([[event.user.aadObjectId, event.user.name]]) : undefined;
      const card = await cardOptions(
        answer.view,
        event.tenantId,
        { ...context(), ...(sender ? { known: sender } : {}) },
        { refresh: false },
      );
      if (!runId) return { message: answer.view, card };
      return {
        message: answer.view,
        card,
        delivered: (ref) =>
          deps.commands.rootDelivered(runId, ref, answer.view).catch((error: Error) => {
            logger.warn({ runId, err: error.message }, 'teams: root card not recorded');
          }),
        failed: (failure) =>
          deps.commands.rootFailed(runId, failure, answer.view).catch((error: Error) => {
            logger.warn({ runId, err: error.message }, 'teams: root reservation not released');
          }),
      };
    },
    async onInvoke(event: TeamsInvokeEvent): Promise<InvokeAnswer> {
      const value = typeof event.data.value === 'string' ? event.data.value : '';
      if (!event.verb.startsWith('align.') || !value || value.length > 200)
        return errorInvokeResponse(400, 'unknown-action', 'That button is not one of Align Bot’s.');
      if (event.verb === REFRESH_VERB) return refreshed(deps, context(), value, event.tenantId);
      const answer = await deps.actions.handle({ action: event.verb, value, user: personOf(event.user) });
      if (!answer) return toastInvokeResponse('Recorded. The thread shows the result.');
      const clicked = await deps.actions.askView(value).catch(() => undefined);
      const original = clicked ? [clicked.view] : [];
      const card = await cardOptions(answer, event.tenantId, context(), { refresh: false, also: original });
      return privateAnswer(answer, { ...card, ...(clicked ? { original: clicked.view } : {}) });
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

/** An approval card's refresh: the ask's current card; still refreshing while the ask is open. */
async function refreshed(
  deps: IngressDeps,
  context: CardContext,
  value: string,
  tenantId: string,
): Promise<InvokeAnswer> {
  const ask = await deps.actions.askView(value);
  if (!ask) return errorInvokeResponse(400, 'unknown-ask', 'That question no longer exists.');
  return cardInvokeResponse(
    renderCard(ask.view, await cardOptions(ask.view, tenantId, context, { refresh: ask.open })),
  );
}

export const renderTeamsCard = (message: MessageView, options?: CardOptions) => renderCard(message, options);
