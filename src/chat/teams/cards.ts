/**
 * MessageView → Adaptive Card (schema 1.5) for Teams. No TextBlock and no FactSet: every string goes into a
 * TextRun, which Teams neither parses as markdown nor turns into a mention, so untrusted text stays inert
 * (cards-inline.ts). A card that would pass CARD_LIMITS.bytes keeps its buttons and drops trailing content behind
 * a note; the report view already pages itself into messages that fit (core/report-view.ts).
 */
import type { MessageView } from '../../core/views/view.js';
import {
  type AdaptiveCard,
  CARD_CONTENT_TYPE,
  CARD_LIMITS,
  CARD_SCHEMA,
  CARD_VERSION,
  type CardJson,
  elementBytes,
} from './card-json.js';
import { blockElements } from './cards-blocks.js';
import { type InlineOptions, richText } from './cards-inline.js';

export interface CardOptions extends InlineOptions {
  /**
   * Open approval asks only: the approvers' user MRIs ("29:…", the ids Teams sends in `from.id`, not Entra object
   * ids) and the ask's button value. Teams then asks the bot (invoke, verb `align.refresh`, same data) for each
   * listed user's own view of the card. Leave it out once the ask is resolved, so nobody's view is asked for again.
   */
  refresh?: { userIds: string[]; value: string };
}

/** Elements drawn from one block; pinned groups (buttons) survive when a card must be cut to size. */
export interface ElementGroup {
  elements: CardJson[];
  pinned: boolean;
  /** A divider came before this group. */
  separator?: boolean;
}

export const REFRESH_VERB = 'align.refresh';
export const CUT_NOTE = '…more in the thread or with the status command.';

export function renderCard(view: MessageView, options: CardOptions = {}): AdaptiveCard {
  const refresh = refreshOf(options.refresh);
  return assemble(viewGroups(view, options), refresh ? { refresh } : {}, options);
}

export function viewGroups(view: MessageView, options: InlineOptions): ElementGroup[] {
  const groups: ElementGroup[] = [];
  let separator = false;
  for (const block of view.blocks) {
    if (block.type === 'divider') {
      separator = groups.length > 0;
      continue;
    }
    const elements = blockElements(block, options);
    if (elements.length === 0) continue;
    groups.push({ elements, pinned: block.type === 'actions', ...(separator ? { separator } : {}) });
    separator = false;
  }
  return groups;
}

/** The card from groups, cut to CARD_LIMITS.bytes if needed. */
export function assemble(
  groups: ElementGroup[],
  extra: Record<string, unknown>,
  options: InlineOptions,
): AdaptiveCard {
  const shell: AdaptiveCard = {
    $schema: CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    ...extra,
    body: [],
  };
  const shellBytes = Buffer.byteLength(JSON.stringify(shell), 'utf8');
  const body = fitToBudget(groups.map(withSeparator), shellBytes, options);
  return { ...shell, body: body.length > 0 ? body : [richText([' '], {}, options)] };
}

export function withSeparator(group: ElementGroup): ElementGroup {
  const [first, ...rest] = group.elements;
  if (!first || !group.separator) return group;
  return { ...group, elements: [{ ...first, separator: true }, ...rest] };
}

function bytesOf(groups: ElementGroup[]): number {
  return groups.reduce((n, g) => n + g.elements.reduce((m, e) => m + elementBytes(e), 0), 0);
}

/**
 * Keeps content in reading order until the budget is spent, then a note; pinned groups (buttons) stay, unless
 * they alone would pass the limit: then the last of them go too. Cutting at the first group that does not fit,
 * rather than skipping it, keeps the card in reading order.
 */
function fitToBudget(groups: ElementGroup[], shellBytes: number, options: InlineOptions): CardJson[] {
  if (shellBytes + bytesOf(groups) <= CARD_LIMITS.bytes) return groups.flatMap((g) => g.elements);
  const note = cutNote(options);
  const room = CARD_LIMITS.bytes - shellBytes - elementBytes(note);
  const { kept, dropped } = trimPinned(groups, room);
  let left = room - bytesOf(kept.filter((g) => g.pinned));
  let cut = false;
  const body: CardJson[] = [];
  for (const group of kept) {
    const size = bytesOf([group]);
    if (group.pinned || (!cut && size <= left)) {
      body.push(...group.elements);
      if (!group.pinned) left -= size;
      continue;
    }
    if (!cut) body.push(note);
    cut = true;
  }
  if (dropped && !cut) body.push(note);
  return body;
}

/** Pinned elements in order while they fit in `room`; once one does not, it and every later one go. */
function trimPinned(groups: ElementGroup[], room: number): { kept: ElementGroup[]; dropped: boolean } {
  let left = room;
  let dropped = false;
  const kept = groups.map((group) => {
    if (!group.pinned) return group;
    const elements = group.elements.filter((element) => {
      const size = elementBytes(element);
      if (dropped || size > left) {
        dropped = true;
        return false;
      }
      left -= size;
      return true;
    });
    return { ...group, elements };
  });
  return { kept, dropped };
}

export function cutNote(options: InlineOptions): CardJson {
  return richText([CUT_NOTE], { subtle: true, size: 'Small' }, options);
}

/** Elements in order while they fit in `budget` bytes; the note stands for whatever had to go. */
export function keepWhileFits(elements: CardJson[], budget: number, note: CardJson): CardJson[] {
  if (elements.reduce((n, e) => n + elementBytes(e), 0) <= budget) return elements;
  let left = budget - elementBytes(note);
  const kept: CardJson[] = [];
  for (const element of elements) {
    const size = elementBytes(element);
    if (size > left) break;
    kept.push(element);
    left -= size;
  }
  return [...kept, note];
}

function refreshOf(refresh: CardOptions['refresh']): AdaptiveCard['refresh'] | undefined {
  if (!refresh) return undefined;
  const userIds = [...new Set(refresh.userIds.map((id) => id.trim()).filter((id) => id))].slice(
    0,
    CARD_LIMITS.refreshUsers,
  );
  if (userIds.length === 0) return undefined;
  return {
    action: { type: 'Action.Execute', verb: REFRESH_VERB, data: { value: refresh.value } },
    userIds,
  };
}

/** The attachment a Teams message carries for a card. */
export function cardAttachment(card: AdaptiveCard): { contentType: string; content: AdaptiveCard } {
  return { contentType: CARD_CONTENT_TYPE, content: card };
}

/**
 * Plain text for an activity's `summary` (notifications, the chat list). Never use a view's text as an activity's
 * `text`: Teams renders that as markdown/HTML, where untrusted text would not be inert.
 */
export function summaryText(view: MessageView, max = 200): string {
  const oneLine = view.text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
