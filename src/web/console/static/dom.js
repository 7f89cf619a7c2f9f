/**
 * Building DOM nodes without innerHTML: every piece of text goes in as a text node, every attribute through
 * setAttribute or a property, so text from the bot, Jira or a user can never become markup.
 */

/** h('button', { class: 'x', onclick: fn, disabled: true }, 'text', childNode, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'value' || name === 'checked' || name === 'selected') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replaces a container's content, keeping what the person typed, where the focus was and the scroll position. */
export function rerender(container, build) {
  const kept = new Map();
  for (const field of container.querySelectorAll('[data-key]')) {
    if (field.dataset.dirty === '1')
      kept.set(field.dataset.key, { value: field.value, checked: field.checked });
  }
  const active = document.activeElement;
  const focusKey = active && container.contains(active) ? active.dataset.key : undefined;
  const selection =
    focusKey && typeof active.selectionStart === 'number'
      ? [active.selectionStart, active.selectionEnd]
      : undefined;
  const scroll = container.scrollTop;
  // Built while the old nodes are still there: a builder may read what the person has chosen so far.
  const fresh = build();
  clear(container);
  append(container, [fresh]);
  for (const field of container.querySelectorAll('[data-key]')) {
    const saved = kept.get(field.dataset.key);
    if (!saved) continue;
    if (field.type === 'checkbox') field.checked = saved.checked;
    else field.value = saved.value;
    field.dataset.dirty = '1';
  }
  container.scrollTop = scroll;
  if (focusKey) {
    const again = container.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
    if (again) {
      again.focus({ preventScroll: true });
      if (selection && typeof again.setSelectionRange === 'function') again.setSelectionRange(...selection);
    }
  }
}

/** An input whose value survives re-renders once the person changed it. */
export function field(tag, key, attrs = {}, ...children) {
  const el = h(tag, { ...attrs, dataset: { ...(attrs.dataset ?? {}), key } }, ...children);
  const mark = () => {
    el.dataset.dirty = '1';
  };
  el.addEventListener('input', mark);
  el.addEventListener('change', mark);
  return el;
}

/** Forgets edits under a key prefix (after a successful save, the server's values show again). */
export function forget(container, prefix) {
  for (const el of container.querySelectorAll('[data-key]')) {
    if (el.dataset.key.startsWith(prefix)) delete el.dataset.dirty;
  }
}

export function formatTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}
