/**
 * Slack delivers links in command text as <https://x>, <https://x|label> or <mailto:a@b|a@b>: the command wants
 * the URL, or the bare address (a mailto: user name would reach Jira's Basic Auth as it is).
 */
export function unwrapSlackLinks(text: string): string {
  return text.replace(/<((?:https?|mailto):[^|>\s]*)(?:\|[^>]*)?>/gi, (_, url: string) =>
    url.replace(/^mailto:/i, ''),
  );
}
