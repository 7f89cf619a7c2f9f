/**
 * Slack's per-method rate tiers for the Web API methods that have one (reference/slack.md §4: per method, per app,
 * per workspace, per minute), at the minimum each tier promises: Tier 2 20, Tier 3 50, Tier 4 100 calls a minute.
 * chat.postMessage is special (its per-channel bucket is in slack-sim.ts) and the history reads have their own
 * window (Tier 1 for apps like this one).
 */
export const TIER_PER_MINUTE: Readonly<Record<string, number>> = {
  'chat.update': 50,
  'chat.delete': 50,
  'chat.postEphemeral': 100,
  'chat.scheduleMessage': 50,
  'views.open': 100,
  'views.update': 100,
  'views.push': 100,
  'views.publish': 100,
  'conversations.info': 50,
  'conversations.list': 20,
  'conversations.members': 100,
  'conversations.open': 50,
  'conversations.join': 50,
  'users.info': 100,
  'users.lookupByEmail': 50,
  'reactions.add': 50,
};
