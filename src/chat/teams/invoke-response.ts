/**
 * Answers to an `adaptiveCard/action` invoke (a click on an Action.Execute), in the shape Teams expects:
 * `{statusCode, type, value}` (reference/teams.md §4; any other shape shows "Something went wrong").
 *
 * Teams has no ephemeral messages in channels. A card in the invoke response replaces the clicked card for the
 * clicker alone, and only until the message is next updated or reloaded: that is where refusals and the
 * secure-form link go. The private card puts the answer on top and, when given, the card the person clicked
 * below it, so they keep the question and its buttons. It carries no `refresh`, which would make Teams ask again
 * at once and replace the answer.
 */
import type { MessageView } from '../../core/views/view.js';
import type { AdaptiveCard } from './card-json.js';
import { CARD_CONTENT_TYPE, CARD_LIMITS, elementBytes } from './card-json.js';
import { assemble, cutNote, type ElementGroup, keepWhileFits, viewGroups, withSeparator } from './cards.js';
import { type InlineOptions, richText } from './cards-inline.js';

export const MESSAGE_CONTENT_TYPE = 'application/vnd.microsoft.activity.message';
export const ERROR_CONTENT_TYPE = 'application/vnd.microsoft.error';
export const PRIVATE_NOTE = 'Only you can see this.';

export type InvokeAnswer =
  | { statusCode: 200; type: typeof CARD_CONTENT_TYPE; value: AdaptiveCard }
  | { statusCode: 200; type: typeof MESSAGE_CONTENT_TYPE; value: string }
  | { statusCode: 400 | 500; type: typeof ERROR_CONTENT_TYPE; value: { code: string; message: string } };

export interface PrivateCardOptions extends InlineOptions {
  /** The view of the card the person clicked, drawn again under the answer. */
  original?: MessageView;
}

/** The answer takes at most this share of a card's bytes, so it always fits, with room for the clicked card. */
const ANSWER_SHARE = 0.5;

export function privateAnswerCard(answer: MessageView, options: PrivateCardOptions = {}): AdaptiveCard {
  const inner = viewGroups(answer, options).flatMap((g) => withSeparator(g).elements);
  const privateNote = richText([PRIVATE_NOTE], { subtle: true, size: 'Small' }, options);
  const room = CARD_LIMITS.bytes * ANSWER_SHARE - elementBytes(privateNote) - 100; // the Container itself
  const groups: ElementGroup[] = [
    {
      pinned: true,
      elements: [
        {
          type: 'Container',
          style: 'emphasis',
          items: [...keepWhileFits(inner, room, cutNote(options)), privateNote],
        },
      ],
    },
  ];
  if (options.original) {
    const [first, ...rest] = viewGroups(options.original, options);
    if (first) groups.push({ ...first, separator: true }, ...rest);
  }
  return assemble(groups, {}, options);
}

/** Replaces the clicked card, for the clicker only. */
export function cardInvokeResponse(card: AdaptiveCard): InvokeAnswer {
  return { statusCode: 200, type: CARD_CONTENT_TYPE, value: card };
}

/** A private answer as a card: the refusal, note or form link, over the card that was clicked. */
export function privateAnswer(answer: MessageView, options: PrivateCardOptions = {}): InvokeAnswer {
  return cardInvokeResponse(privateAnswerCard(answer, options));
}

/** A short toast instead of a card (the clicked card stays as it was). Plain text only. */
export function toastInvokeResponse(answer: MessageView | string, max = 300): InvokeAnswer {
  const text = (typeof answer === 'string' ? answer : answer.text).replace(/\s+/g, ' ').trim();
  return {
    statusCode: 200,
    type: MESSAGE_CONTENT_TYPE,
    value: text.length <= max ? text : `${text.slice(0, max - 1)}…`,
  };
}

/** Not one of our actions (400) or our own failure (500); Teams shows its generic error to the clicker. */
export function errorInvokeResponse(statusCode: 400 | 500, code: string, message: string): InvokeAnswer {
  return { statusCode, type: ERROR_CONTENT_TYPE, value: { code, message } };
}
