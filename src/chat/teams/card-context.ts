/**
 * What a card needs beyond its view, looked up before rendering: the display names of the people it names
 * (`{user}` inlines hold Entra object ids; Teams gives names on each activity, kept by the reference store), and
 * for an open approval ask, the approvers to refresh it for (approvers.ts).
 */
import type { Inline, MessageView } from '../../core/views/view.js';
import { approvalRefresh } from './approvers.js';
import type { CardOptions } from './cards.js';
import { cleanDisplayName, type TeamsReferenceStore } from './references.js';

export interface CardContext {
  references?: TeamsReferenceStore;
  /** Entra object ids of the approvers; without them no card asks for refreshes. */
  approvers?: readonly string[];
  /** Names already known, e.g. the sender's from the activity at hand: not looked up again. */
  known?: ReadonlyMap<string, string>;
}

/** The `{user}` ids a view names. */
export function userIdsOf(views: MessageView[]): string[] {
  const ids = new Set<string>();
  const scan = (inlines: Inline[] | undefined) => {
    for (const inline of inlines ?? [])
      if (typeof inline === 'object' && 'user' in inline) ids.add(inline.user);
  };
  for (const view of views) {
    for (const block of view.blocks) {
      if (block.type === 'text' || block.type === 'context') scan(block.text);
      else if (block.type === 'fields') for (const field of block.fields) scan(field.value);
      else if (block.type === 'checklist') for (const item of block.items) scan(item.note);
    }
  }
  return [...ids];
}

/**
 * Card options for `view` (plus the other views drawn in the same card, e.g. a private answer's clicked card):
 * names for its people, and `refresh` when `view` is an open approval ask and `refresh` is wanted.
 */
export async function cardOptions(
  view: MessageView,
  tenantId: string,
  context: CardContext,
  options: { refresh?: boolean; also?: MessageView[] } = {},
): Promise<CardOptions> {
  const references = context.references;
  if (!references) return {};
  const known = new Map<string, string>();
  for (const [id, name] of context.known ?? []) {
    const clean = cleanDisplayName(name);
    if (clean) known.set(id, clean);
  }
  const ids = userIdsOf([view, ...(options.also ?? [])]).filter((id) => !known.has(id));
  const [looked, refresh] = await Promise.all([
    ids.length > 0 ? references.names(tenantId, ids).catch(() => new Map<string, string>()) : new Map(),
    options.refresh !== false && context.approvers
      ? approvalRefresh(view, tenantId, context.approvers, references).catch(() => undefined)
      : undefined,
  ]);
  const names = new Map([...known, ...looked]);
  return {
    ...(names.size > 0 ? { userName: (id: string) => names.get(id) } : {}),
    ...(refresh ? { refresh } : {}),
  };
}
