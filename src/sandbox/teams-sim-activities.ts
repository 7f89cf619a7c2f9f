/**
 * Activities the simulator sends to the bot, shaped like Teams' (msteams-platform samples, Agents Playground
 * captures): an @mention in a channel post, a 1:1 message, an Action.Execute invoke from a card.
 */
import type { SimConversation, SimUser } from './teams-sim-state.js';

export interface SimBot {
  appId: string;
  name: string;
}

interface Common {
  bot: SimBot;
  serviceUrl: string;
  conversation: SimConversation;
  user: SimUser;
  /** The conversation id as Teams sends it (threaded for channel posts). */
  conversationId: string;
}

export type Activity = Record<string, unknown>;

export function botAccount(bot: SimBot): { id: string; name: string } {
  return { id: `28:${bot.appId}`, name: bot.name };
}

function base(input: Common, type: string, id: string): Activity {
  const now = new Date();
  const channel = input.conversation.type === 'channel';
  return {
    type,
    id,
    timestamp: now.toISOString(),
    localTimestamp: now.toISOString(),
    serviceUrl: input.serviceUrl,
    channelId: 'msteams',
    from: {
      id: input.user.id,
      name: input.user.name,
      ...(input.user.aadObjectId ? { aadObjectId: input.user.aadObjectId } : {}),
    },
    conversation: {
      id: input.conversationId,
      conversationType: input.conversation.type,
      tenantId: input.conversation.tenantId,
      ...(input.conversation.type === 'personal' ? {} : { isGroup: true }),
      ...(input.conversation.name ? { name: input.conversation.name } : {}),
    },
    recipient: botAccount(input.bot),
    locale: 'en-US',
    channelData: {
      tenant: { id: input.conversation.tenantId },
      ...(channel
        ? {
            teamsChannelId: input.conversation.id,
            teamsTeamId: input.conversation.teamId,
            channel: { id: input.conversation.id, name: input.conversation.name },
            team: { id: input.conversation.teamId, name: 'Align Sandbox' },
          }
        : {}),
    },
  };
}

/** A message; in a channel or group chat it starts with `<at>Bot</at>` and carries the mention entity. */
export function messageActivity(input: Common & { id: string; text: string; mention: boolean }): Activity {
  const mentionText = `<at>${input.bot.name}</at>`;
  const entities: unknown[] = [
    { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/London' },
  ];
  if (input.mention) {
    entities.unshift({ type: 'mention', text: mentionText, mentioned: botAccount(input.bot) });
  }
  return {
    ...base(input, 'message', input.id),
    textFormat: 'plain',
    text: input.mention ? `${mentionText} ${input.text}` : input.text,
    attachments: [],
    entities,
  };
}

/**
 * A Universal Action (`Action.Execute`) on a card the bot posted: a click ('manual'), or Teams asking for a user's
 * own view of a card whose `refresh` lists them ('automatic').
 */
export function invokeActivity(
  input: Common & {
    id: string;
    replyToId: string;
    verb: string;
    data: Record<string, unknown>;
    trigger?: 'manual' | 'automatic';
  },
): Activity {
  return {
    ...base(input, 'invoke', input.id),
    name: 'adaptiveCard/action',
    replyToId: input.replyToId,
    value: {
      action: { type: 'Action.Execute', id: `action-${input.verb}`, verb: input.verb, data: input.data },
      trigger: input.trigger ?? 'manual',
    },
    entities: [{ type: 'clientInfo', locale: 'en-US' }],
  };
}

/** The bot was added to a team or chat: the activity that hands it a conversation reference. */
export function installActivity(input: Common & { id: string }): Activity {
  return {
    ...base(input, 'conversationUpdate', input.id),
    membersAdded: [{ id: botAccount(input.bot).id }],
    channelData: {
      ...(base(input, 'conversationUpdate', input.id).channelData as object),
      eventType: input.conversation.type === 'channel' ? 'teamMemberAdded' : undefined,
    },
  };
}
