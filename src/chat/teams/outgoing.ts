/**
 * What the bot sends: a message activity with the view's Adaptive Card (rendered by the card renderer) and its
 * plain-text fallback; and the invoke response bodies Teams expects for Action.Execute (reference/teams.md §4).
 */
import type { MessageView } from '../../core/views/view.js';
import { summaryText } from './cards.js';

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const MESSAGE_RESPONSE_TYPE = 'application/vnd.microsoft.activity.message';
export const ERROR_RESPONSE_TYPE = 'application/vnd.microsoft.error';

/** Turns a platform-neutral view into an Adaptive Card (src/chat/teams/cards.ts renderCard). */
export type CardRenderer = (message: MessageView) => object;

export interface OutgoingMessage {
  type: 'message';
  text?: string;
  textFormat?: 'plain';
  summary?: string;
  attachments?: Array<{ contentType: string; content: object }>;
}

/**
 * A view goes as its card alone, with a one-line `summary` for notifications: a `text` beside the card would be
 * drawn as a second message body (Microsoft's Agents Playground even splits it into two messages, and then
 * answers without a message id, so the card could not be edited).
 */
export function outgoing(message: MessageView | string, render: CardRenderer): OutgoingMessage {
  if (typeof message === 'string') return { type: 'message', text: message, textFormat: 'plain' };
  return {
    type: 'message',
    ...(message.text.trim() ? { summary: summaryText(message) } : {}),
    attachments: [{ contentType: CARD_CONTENT_TYPE, content: render(message) }],
  };
}

/** An `adaptiveCard/action` invoke response body. */
export interface InvokeResponseBody {
  statusCode: number;
  type: string;
  value: unknown;
}

/** Replaces the card for the clicking user only. */
export function cardResponse(card: object): InvokeResponseBody {
  return { statusCode: 200, type: CARD_CONTENT_TYPE, value: card };
}

/** Shows a short message to the clicking user. */
export function messageResponse(text: string): InvokeResponseBody {
  return { statusCode: 200, type: MESSAGE_RESPONSE_TYPE, value: text };
}

export function errorResponse(statusCode: 400 | 500, code: string, message: string): InvokeResponseBody {
  return { statusCode, type: ERROR_RESPONSE_TYPE, value: { code, message } };
}
