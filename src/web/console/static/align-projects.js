/** The connector's synced projects (step 24) with their sync status, a forced sync error, add and remove. */
import { field, h } from './dom.js';

export function projectsBlock(ctx, c, path, id, key) {
  return h(
    'div',
    { class: 'projects' },
    h('h4', {}, 'Synced projects'),
    c.projects.length === 0
      ? h('p', { class: 'muted' }, 'No project synced yet (step 24).')
      : h(
          'table',
          { class: 'table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Project', 'Sync status', ''].map((t) => h('th', {}, t)),
            ),
          ),
          h(
            'tbody',
            {},
            c.projects.map((p) =>
              h(
                'tr',
                {},
                h('td', {}, h('code', {}, p.key)),
                h(
                  'td',
                  { class: p.errorMessage ? 'sync-error' : 'sync-ok' },
                  p.errorMessage ?? (c.active ? 'Synced' : 'Not syncing (inactive)'),
                ),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'link-button',
                      onclick: () =>
                        ctx.act(path('project.error'), {
                          ...id,
                          key: p.key,
                          ...(p.forced
                            ? {}
                            : { message: 'Field mapping: the Jira field “Team” is required.' }),
                        }),
                    },
                    p.forced ? 'Clear the sync error' : 'Add a sync error',
                  ),
                  ' ',
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'link-button',
                      onclick: () => ctx.act(path('project.remove'), { ...id, key: p.key }),
                    },
                    'Remove',
                  ),
                ),
              ),
            ),
          ),
        ),
    h(
      'form',
      {
        class: 'inline-form',
        'aria-label': 'Sync a project',
        onsubmit: (e) => {
          e.preventDefault();
          ctx.act(
            path('project.add'),
            { ...id, key: e.currentTarget.elements.namedItem('key').value },
            `${key}:project`,
          );
        },
      },
      field('input', `${key}:project`, {
        name: 'key',
        placeholder: 'ALIGN',
        size: 10,
        'aria-label': 'Jira project key',
      }),
      h('button', { type: 'submit', class: 'sk-button' }, 'Sync project'),
    ),
  );
}
