/**
 * The OAuth consumer key entered in Jira Align (step 4) and in the Jira application link (step 13). The quick guide
 * says "no spaces or symbols"; we allow letters, digits, "-" and "_", at most 255 characters. Pure.
 */

export const CONSUMER_KEY_MAX = 255;
const ALLOWED = /^[A-Za-z0-9_-]+$/;

export type ConsumerKeyVerdict = { ok: true } | { ok: false; problem: string };

export function checkConsumerKey(key: string): ConsumerKeyVerdict {
  if (key.length === 0) return { ok: false, problem: 'The consumer key is empty.' };
  if (key.length > CONSUMER_KEY_MAX)
    return {
      ok: false,
      problem: `The consumer key has ${key.length} characters; at most ${CONSUMER_KEY_MAX} are allowed.`,
    };
  if (ALLOWED.test(key)) return { ok: true };
  return { ok: false, problem: `The consumer key contains ${describeBad(key)}.` };
}

function describeBad(key: string): string {
  const bad = [...new Set([...key].filter((c) => !ALLOWED.test(c)))];
  const names = bad.slice(0, 5).map((c) => {
    if (c === ' ') return 'a space';
    if (/\s/.test(c)) return 'a tab or line break';
    const code = c.codePointAt(0) ?? 0;
    return code < 0x20 || code === 0x7f ? 'a control character' : `“${c}”`;
  });
  const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
  return `${[...new Set(names)].join(', ')}${more} (only letters, digits, “-” and “_” are allowed)`;
}

/** A valid consumer key derived from a connector name, e.g. "Acme Corp (prod)" → "jira-align-acme-corp-prod". */
export function suggestConsumerKey(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  const key = slug.startsWith('jira-align') ? slug : `jira-align${slug ? `-${slug}` : ''}`;
  return key.slice(0, 64).replace(/[-_]+$/, '');
}
