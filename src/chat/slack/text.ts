/** Slack delivers links in command text as <https://x> or <https://x|label>: the command wants the URL. */
export function unwrapSlackLinks(text: string): string {
  return text.replace(/<((?:https?|mailto):[^|>\s]*)(?:\|[^>]*)?>/g, '$1');
}
