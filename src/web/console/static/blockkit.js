/**
 * Block Kit → DOM, for the block types Align Bot sends (src/chat/slack/render.ts): header, section (mrkdwn or
 * plain text, fields), context, actions (buttons: primary / danger styles, confirm dialogs, link buttons) and
 * divider. A block of another type is shown as such, never guessed at.
 */
import { h } from './dom.js';
import { decodeEntities, mrkdwn } from './mrkdwn.js';

/**
 * ctx: { userName(id), onLink(url, event), onButton(button, element) }
 * button = { actionId, value, url, style, confirm }
 */
export function renderBlocks(blocks, fallbackText, ctx) {
  if (!Array.isArray(blocks) || blocks.length === 0)
    return [h('div', { class: 'sk-section' }, textObject({ type: 'mrkdwn', text: fallbackText ?? '' }, ctx))];
  return blocks.map((block) => renderBlock(block, ctx));
}

function renderBlock(block, ctx) {
  switch (block?.type) {
    case 'header':
      return h('div', { class: 'sk-header', role: 'heading', 'aria-level': '3' }, plain(block.text));
    case 'section':
      return h(
        'div',
        { class: 'sk-section' },
        block.text ? h('div', { class: 'sk-text' }, textObject(block.text, ctx)) : null,
        Array.isArray(block.fields)
          ? h(
              'div',
              { class: 'sk-fields' },
              block.fields.map((f) => h('div', { class: 'sk-field' }, textObject(f, ctx))),
            )
          : null,
      );
    case 'context':
      return h(
        'div',
        { class: 'sk-context' },
        (block.elements ?? []).map((e) =>
          e.type === 'image'
            ? h('span', { class: 'sk-context-image', title: e.alt_text ?? '' }, '▣')
            : h('span', {}, textObject(e, ctx)),
        ),
      );
    case 'actions':
      return h(
        'div',
        { class: 'sk-actions', role: 'group' },
        (block.elements ?? []).map((e) => (e.type === 'button' ? button(e, ctx) : unsupported(e.type))),
      );
    case 'divider':
      return h('hr', { class: 'sk-divider' });
    default:
      return unsupported(block?.type);
  }
}

function textObject(t, ctx) {
  if (!t) return [];
  if (t.type === 'plain_text') return [plain(t)];
  // verbatim only turns off Slack's auto-linking of bare URLs, which this renderer never does.
  return mrkdwn(t.text ?? '', ctx);
}

/** plain_text is shown as written (Slack decodes the three entities there too). */
function plain(t) {
  return document.createTextNode(decodeEntities(typeof t === 'string' ? t : (t?.text ?? '')));
}

function button(e, ctx) {
  const style = e.style === 'primary' ? ' sk-primary' : e.style === 'danger' ? ' sk-danger' : '';
  const spec = {
    actionId: e.action_id ?? '',
    value: e.value ?? '',
    url: e.url,
    style: e.style,
    confirm: e.confirm,
  };
  const label = plain(e.text);
  const focusKey = `btn:${spec.actionId}:${spec.value}:${spec.url ?? ''}`;
  if (e.url && /^https?:/i.test(e.url)) {
    // A link button opens its URL in a new tab, and Slack still tells the app about the click.
    return h(
      'a',
      {
        class: `sk-button${style}`,
        href: e.url,
        target: '_blank',
        rel: 'noopener',
        dataset: { key: focusKey },
        onclick: () => ctx.onButton?.(spec),
      },
      label,
      h('span', { class: 'sk-external', 'aria-hidden': 'true' }, ' ↗'),
    );
  }
  return h(
    'button',
    {
      type: 'button',
      class: `sk-button${style}`,
      dataset: { key: focusKey },
      onclick: (event) => ctx.onButton?.(spec, event.currentTarget),
    },
    label,
  );
}

function unsupported(type) {
  return h('div', { class: 'sk-unsupported' }, `[${String(type ?? 'unknown')} block]`);
}

/** Slack's confirmation dialog: resolves true for the confirm button, false for deny or Escape. */
export function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const title = plain(confirm.title ?? { text: 'Are you sure?' });
    const dialog = h(
      'dialog',
      { class: 'sk-dialog', 'aria-labelledby': 'sk-dialog-title' },
      h('h2', { id: 'sk-dialog-title' }, title),
      h('p', {}, confirm.text ? textObject(confirm.text, {}) : ''),
      h(
        'form',
        { method: 'dialog', class: 'sk-dialog-buttons' },
        h('button', { value: 'no', class: 'sk-button' }, plain(confirm.deny ?? { text: 'Cancel' })),
        h(
          'button',
          { value: 'yes', class: `sk-button ${confirm.style === 'danger' ? 'sk-danger' : 'sk-primary'}` },
          plain(confirm.confirm ?? { text: 'Yes' }),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'yes');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
