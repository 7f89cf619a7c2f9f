/**
 * Slack mrkdwn → DOM nodes, as Slack draws what the bot sends: *bold*, _italic_, ~strike~, `code`, ```blocks```,
 * <url|label> links, <@U…> mentions, <#C…|name> channels, <!here> and friends, and the escaped entities &amp;
 * &lt; &gt;. Text is only ever set as text; a link keeps only an http(s) or mailto address.
 */
import { h } from './dom.js';

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

export function decodeEntities(text) {
  return text.replace(/&(amp|lt|gt);/g, (m) => ENTITIES[m]);
}

const WORD = /[A-Za-z0-9]/;
const MARKS = { '*': 'strong', _: 'em', '~': 's' };

/**
 * ctx: { userName(id) → string, onLink(url, event) → void (may preventDefault) }
 * Returns an array of nodes.
 */
export function mrkdwn(text, ctx = {}) {
  const nodes = [];
  const parts = String(text).split(/```/);
  parts.forEach((part, i) => {
    const inCode = i % 2 === 1 && i < parts.length - 1;
    if (inCode) nodes.push(h('pre', { class: 'sk-pre' }, decodeEntities(part.replace(/^\n/, ''))));
    else nodes.push(...inline(i % 2 === 1 ? `\`\`\`${part}` : part, ctx));
  });
  return nodes;
}

function inline(s, ctx) {
  const out = [];
  let buffer = '';
  const flush = () => {
    if (buffer) out.push(document.createTextNode(decodeEntities(buffer)));
    buffer = '';
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > i + 1 && !s.slice(i + 1, end).includes('\n')) {
        flush();
        out.push(h('code', { class: 'sk-code' }, decodeEntities(s.slice(i + 1, end))));
        i = end + 1;
        continue;
      }
    }
    if (c === '<') {
      const end = s.indexOf('>', i + 1);
      if (end > i + 1) {
        flush();
        out.push(angle(s.slice(i + 1, end), ctx));
        i = end + 1;
        continue;
      }
    }
    if (MARKS[c] && (i === 0 || !WORD.test(s[i - 1])) && s[i + 1] && s[i + 1] !== ' ') {
      const end = closing(s, i, c);
      if (end > 0) {
        flush();
        out.push(h(MARKS[c], {}, inline(s.slice(i + 1, end), ctx)));
        i = end + 1;
        continue;
      }
    }
    buffer += c;
    i += 1;
  }
  flush();
  return out;
}

/** The index of the mark that closes the one at `start` on the same line, or -1. */
function closing(s, start, mark) {
  for (let j = start + 2; j < s.length; j += 1) {
    if (s[j] === '\n') return -1;
    if (s[j] === mark && s[j - 1] !== ' ' && (j === s.length - 1 || !WORD.test(s[j + 1]))) return j;
  }
  return -1;
}

function angle(body, ctx) {
  const [target, label] = splitOnce(body, '|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return h('span', { class: 'sk-mention' }, `@${label ?? ctx.userName?.(id) ?? id}`);
  }
  if (target.startsWith('#')) return h('span', { class: 'sk-mention' }, `#${label ?? target.slice(1)}`);
  if (target.startsWith('!')) {
    const special = target.slice(1).split('^')[0];
    const shown = label ?? (['here', 'channel', 'everyone'].includes(special) ? `@${special}` : special);
    return h('span', { class: 'sk-mention' }, decodeEntities(shown));
  }
  const url = decodeEntities(target);
  const text = decodeEntities(label ?? target);
  if (!/^(https?:|mailto:)/i.test(url)) return document.createTextNode(`<${decodeEntities(body)}>`);
  return h(
    'a',
    {
      href: url,
      target: '_blank',
      rel: 'noopener noreferrer',
      class: 'sk-link',
      onclick: (event) => ctx.onLink?.(url, event),
    },
    text,
  );
}

function splitOnce(s, sep) {
  const at = s.indexOf(sep);
  return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + 1)];
}
