/**
 * What the bot answers one Teams user alone, kept for the console's Teams tab. Teams has no ephemeral messages in
 * channels: an Action.Execute invoke is answered with a card that replaces the clicked card for the clicker only,
 * until the message is next edited, or with a toast. A card whose `refresh` lists a user is likewise replaced by
 * that user's own view (an automatic invoke). Both are kept here per user and message, with the edit count they
 * belong to; a later edit shows the shared card again.
 */

export type InvokeTrigger = 'manual' | 'automatic';

export interface UserView {
  user: string;
  conversationId: string;
  messageId: string;
  /** The message's edit count when the answer came. */
  edits: number;
  trigger: InvokeTrigger;
  /** The card this user sees instead; undefined: the bot gave no view (a refresh that answered otherwise). */
  card?: unknown;
  at: number;
}

/** How the console shows the body of an invoke answer. */
export type InvokeOutcome =
  | { kind: 'card'; card: unknown }
  | { kind: 'toast'; text: string }
  | { kind: 'error'; text: string };

const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
const MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';
/** What Teams shows for an invoke answer it cannot use. */
export const SOMETHING_WENT_WRONG = 'Something went wrong. Please try again.';
const MAX_VIEWS = 500;

/** Reads an invoke answer (`{statusCode, type, value}`, reference/teams.md §4) the way Teams does. */
export function invokeOutcome(status: number, body: unknown): InvokeOutcome {
  const answer = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (status !== 200 || answer.statusCode !== 200) {
    const error = answer.value as { message?: unknown } | undefined;
    const detail = typeof error?.message === 'string' ? ` (${error.message.slice(0, 200)})` : '';
    return { kind: 'error', text: `${SOMETHING_WENT_WRONG}${detail}` };
  }
  if (answer.type === CARD_TYPE && isCard(answer.value)) return { kind: 'card', card: answer.value };
  if (answer.type === MESSAGE_TYPE && typeof answer.value === 'string')
    return { kind: 'toast', text: answer.value.slice(0, 500) };
  return { kind: 'error', text: SOMETHING_WENT_WRONG };
}

function isCard(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'AdaptiveCard';
}

/** The newest view per user and message. */
export class UserViews {
  private readonly views = new Map<string, UserView>();
  private readonly pending = new Set<string>();

  private static key(user: string, conversationId: string, messageId: string): string {
    return `${user}\n${conversationId}\n${messageId}`;
  }

  set(view: UserView): void {
    const key = UserViews.key(view.user, view.conversationId, view.messageId);
    this.views.delete(key);
    this.views.set(key, view);
    for (const oldest of this.views.keys()) {
      if (this.views.size <= MAX_VIEWS) break;
      this.views.delete(oldest);
    }
  }

  get(user: string, conversationId: string, messageId: string): UserView | undefined {
    return this.views.get(UserViews.key(user, conversationId, messageId));
  }

  /** A user's views that still apply: their message has not been edited since. */
  current(
    user: string,
    editsOf: (conversationId: string, messageId: string) => number | undefined,
  ): UserView[] {
    return [...this.views.values()].filter(
      (v) => v.user === user && v.card !== undefined && editsOf(v.conversationId, v.messageId) === v.edits,
    );
  }

  /** Runs `task` unless the same key is already running (two pages asking for one refresh). */
  async once(key: string, task: () => Promise<void>): Promise<boolean> {
    if (this.pending.has(key)) return false;
    this.pending.add(key);
    try {
      await task();
      return true;
    } finally {
      this.pending.delete(key);
    }
  }
}

/** The card's `refresh` when it asks for `mri`'s own view: an Action.Execute, and the user listed (or no list). */
export function refreshFor(
  card: unknown,
  mri: string,
): { verb: string; data: Record<string, unknown> } | undefined {
  const refresh = (card as { refresh?: { action?: Record<string, unknown>; userIds?: unknown } } | undefined)
    ?.refresh;
  const action = refresh?.action;
  if (!refresh || action?.type !== 'Action.Execute' || typeof action.verb !== 'string') return undefined;
  // Without userIds Teams refreshes for everyone in a small channel; an empty list means manual refresh only.
  if (refresh.userIds !== undefined && !(Array.isArray(refresh.userIds) && refresh.userIds.includes(mri)))
    return undefined;
  const data = typeof action.data === 'object' && action.data !== null ? action.data : {};
  return { verb: action.verb, data: data as Record<string, unknown> };
}

/** The Adaptive Card a message carries, if any. */
export function cardOf(attachments: unknown[]): unknown {
  const found = attachments.find((a) => (a as { contentType?: unknown })?.contentType === CARD_TYPE) as
    | { content?: unknown }
    | undefined;
  return found?.content;
}
