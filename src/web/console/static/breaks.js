/** The "break it" menu of one simulated site: a switch per failure, with the diagnosis code it provokes. */
import { h } from './dom.js';

const SIDES = { jira: 'Jira', oauth: 'OAuth (application link)', network: 'Network', align: 'Jira Align' };

export function breakMenu(kind, host, breaks, act) {
  const groups = new Map();
  for (const b of breaks) {
    if (!groups.has(b.side)) groups.set(b.side, []);
    groups.get(b.side).push(b);
  }
  const active = breaks.filter((b) => b.active).length;
  return h(
    'details',
    { class: 'break-menu', open: active > 0 },
    h(
      'summary',
      {},
      h('span', { class: 'break-title' }, 'Break it'),
      h('span', { class: 'muted' }, active > 0 ? ` · ${active} broken` : ' · one click per failure'),
    ),
    [...groups.entries()].map(([side, list]) =>
      h(
        'fieldset',
        { class: 'break-group' },
        h('legend', {}, SIDES[side] ?? side),
        list.map((b) =>
          h(
            'label',
            { class: `break-item${b.active ? ' break-on' : ''}` },
            h('input', {
              type: 'checkbox',
              checked: b.active,
              dataset: { key: `break:${kind}:${host}:${b.id}` },
              onchange: (event) =>
                act('/console/api/breaks', { kind, host, id: b.id, on: event.currentTarget.checked }),
            }),
            h('span', {}, b.label),
            h('code', { class: 'code-chip' }, [b.code, ...(b.also ?? [])].join(' + ')),
          ),
        ),
      ),
    ),
  );
}
