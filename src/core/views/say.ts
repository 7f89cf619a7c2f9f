/** A one-block message: most answers on the ack path are a sentence or two. */
import { type Inline, type MessageView, plain } from './view.js';

export function say(text: string | Inline[]): MessageView {
  const inlines = typeof text === 'string' ? [text] : text;
  return { text: plain(inlines), blocks: [{ type: 'text', text: inlines }] };
}
