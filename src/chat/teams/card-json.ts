/**
 * The Adaptive Card JSON we emit, its limits and its size. Teams renders schema 1.5 at most (reference/teams.md §4).
 */

/** One card element, action or inline as plain JSON. */
export type CardJson = { type: string } & Record<string, unknown>;

export interface AdaptiveCard extends CardJson {
  type: 'AdaptiveCard';
  $schema: typeof CARD_SCHEMA;
  version: typeof CARD_VERSION;
  body: CardJson[];
  refresh?: { action: CardJson; userIds: string[] };
}

export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const CARD_VERSION = '1.5';
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export const CARD_LIMITS = {
  /**
   * Serialized card, UTF-8 bytes. Teams takes ~100 KB per bot message (UTF-16) but Graph and connector paths
   * ~28 KB: 28,000 bytes stays under 28 KiB in UTF-8 and under the 80 KB Teams asks of bots in UTF-16.
   */
  bytes: 28_000,
  /** Characters of one text block, one code block, a header and a button title. */
  textChars: 3000,
  codeChars: 3000,
  headerChars: 150,
  buttonTitle: 75,
  /** Actions per ActionSet: the `adaptivecards` validator's default host config allows 5. */
  actionsPerSet: 5,
  /** Field rows and checklist items drawn before "+N more". */
  fields: 20,
  checklistItems: 60,
  /** refresh.userIds: Teams refreshes at most 60 users automatically. */
  refreshUsers: 60,
} as const;

export interface CardSize {
  utf8: number;
  utf16: number;
}

export function cardSize(card: unknown): CardSize {
  const json = JSON.stringify(card);
  return { utf8: Buffer.byteLength(json, 'utf8'), utf16: json.length * 2 };
}

export function fitsTeams(card: unknown): boolean {
  return cardSize(card).utf8 <= CARD_LIMITS.bytes;
}

/** Bytes one element adds to a card's `body` array (the element plus its comma). */
export function elementBytes(element: CardJson): number {
  return Buffer.byteLength(JSON.stringify(element), 'utf8') + 1;
}
