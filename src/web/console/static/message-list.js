/** A live list of chat messages: keyed updates that keep the focus and follow the bottom, like Slack's. */

/** Keeps unchanged items in place (and the focus in them); replaces changed ones; adds new ones in order. */
export function reconcile(list, items) {
  const existing = new Map([...list.children].map((el) => [el.dataset.item, el]));
  let previous = null;
  for (const item of items) {
    let el = existing.get(item.key);
    if (el && el.dataset.sig !== item.sig) {
      const focusKey = el.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
      const fresh = stamp(item);
      el.replaceWith(fresh);
      el = fresh;
      if (focusKey) el.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)?.focus({ preventScroll: true });
    } else if (!el) {
      el = stamp(item);
      if (previous) previous.after(el);
      else list.prepend(el);
    }
    existing.delete(item.key);
    previous = el;
  }
  for (const el of existing.values()) el.remove();
  if (list.dataset.stick === '1') list.scrollTop = list.scrollHeight;
}

function stamp(item) {
  const el = item.build();
  el.dataset.item = item.key;
  el.dataset.sig = item.sig;
  return el;
}

export function tsMs(ts) {
  return Math.round(Number(ts) * 1000);
}

export function time(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function initials(name) {
  return name
    .split(/[\s.]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
}
