/**
 * What an inbound Teams activity says, in our terms: who sent it (Entra object id), from which tenant, the
 * command text with the bot's @mention removed, and the address to answer it later.
 */
import { type Activity, TurnContext } from 'botbuilder';
import { baseConversationId, type ConversationType, encodeAddress, type TeamsAddress } from './address.js';
import type { TeamsReference } from './references.js';

export interface TeamsUser {
  /** Entra object id: the identity roles are checked against. Absent for guests and anonymous users. */
  aadObjectId?: string;
  /** `29:…`, specific to this bot. */
  id: string;
  name?: string;
}

const MAX_COMMAND_CHARS = 4000;

interface ChannelData {
  tenant?: { id?: string };
  channel?: { id?: string };
  team?: { id?: string };
}

function channelData(activity: Activity): ChannelData {
  return (activity.channelData as ChannelData | undefined) ?? {};
}

export function tenantOf(activity: Activity): string | undefined {
  return channelData(activity).tenant?.id ?? activity.conversation?.tenantId ?? undefined;
}

export function userOf(activity: Activity): TeamsUser {
  const from = activity.from ?? { id: '' };
  return {
    id: String(from.id ?? ''),
    ...(typeof from.aadObjectId === 'string' && from.aadObjectId ? { aadObjectId: from.aadObjectId } : {}),
    ...(typeof from.name === 'string' ? { name: from.name } : {}),
  };
}

export function conversationTypeOf(activity: Activity): ConversationType {
  const type = activity.conversation?.conversationType;
  return type === 'channel' || type === 'groupChat' ? type : 'personal';
}

export function addressOfActivity(activity: Activity): TeamsAddress {
  const type = conversationTypeOf(activity);
  const channelId =
    type === 'channel'
      ? (channelData(activity).channel?.id ?? baseConversationId(activity.conversation.id))
      : undefined;
  return {
    serviceUrl: activity.serviceUrl,
    tenantId: tenantOf(activity) ?? '',
    conversationId: activity.conversation.id,
    conversationType: type,
    ...(channelId ? { channelId } : {}),
  };
}

export function encodedAddressOf(activity: Activity): string {
  return encodeAddress(addressOfActivity(activity));
}

export function referenceOfActivity(activity: Activity): TeamsReference {
  const address = addressOfActivity(activity);
  const teamId = channelData(activity).team?.id;
  return {
    serviceUrl: address.serviceUrl,
    tenantId: address.tenantId,
    conversationId: baseConversationId(address.conversationId),
    conversationType: address.conversationType,
    ...(address.channelId ? { channelId: address.channelId } : {}),
    ...(teamId ? { teamId } : {}),
    botId: String(activity.recipient?.id ?? ''),
    updatedAt: Date.now(),
  };
}

/** The text after the bot's @mention (`<at>Align Bot</at> test acme` → `test acme`), whitespace normalized. */
export function commandTextOf(activity: Activity): string {
  const copy = { ...activity, text: typeof activity.text === 'string' ? activity.text : '' } as Activity;
  let text = copy.recipient?.id ? TurnContext.removeRecipientMention(copy) : copy.text;
  // A mention entity that did not match the recipient (renamed bot, old client) still leads the text.
  text = (text ?? '').replace(/^\s*<at>[^<]{0,200}<\/at>/i, '');
  return text
    .replace(/&nbsp;|\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_COMMAND_CHARS);
}
