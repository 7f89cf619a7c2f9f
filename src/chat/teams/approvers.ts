/**
 * Up-to-date views of approval cards (reference/teams.md §4 `refresh`): an open approval ask lists the approvers'
 * MRIs (`29:…`, bot-specific ids Teams sends in `from.id`, learned from their activities) in `refresh.userIds`,
 * so Teams asks the bot for their view of the card, and a decision — an edit of the card — reaches every viewer.
 */
import type { MessageView } from '../../core/views/view.js';
import type { CardOptions } from './cards.js';
import type { TeamsReferenceStore } from './references.js';

/** The action of an approval button: its value names the ask (run, step, attempt). */
const APPROVE_ACTION = 'align.approve';

/** The value of an open approval ask's buttons, if the view is one. */
export function approvalValue(view: MessageView): string | undefined {
  for (const block of view.blocks) {
    if (block.type !== 'actions') continue;
    const approve = block.buttons.find((b) => b.action === APPROVE_ACTION && !b.url);
    if (approve) return approve.value;
  }
  return undefined;
}

/** The card's refresh for an open approval ask: the MRIs of the approvers the bot has seen in this tenant. */
export async function approvalRefresh(
  view: MessageView,
  tenantId: string,
  approvers: readonly string[],
  references: Pick<TeamsReferenceStore, 'mris'>,
): Promise<CardOptions['refresh'] | undefined> {
  const value = approvalValue(view);
  if (!value || approvers.length === 0) return undefined;
  const userIds = await references.mris(tenantId, [...approvers]);
  return userIds.length > 0 ? { userIds, value } : undefined;
}
