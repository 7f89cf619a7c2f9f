/**
 * The simulated Jira admin of one site: settings (IP allowlist, CAPTCHA, site name), the service account (product
 * access, admin rights, project permissions, API tokens) and application links (steps 7–15, OAuth tokens).
 */
import { breakMenu } from './breaks.js';
import { field, formatDate, h } from './dom.js';
import { jiraLinks } from './jira-links.js';

const PERMISSIONS = [
  'BROWSE_PROJECTS',
  'CREATE_ISSUES',
  'EDIT_ISSUES',
  'TRANSITION_ISSUES',
  'ASSIGN_ISSUES',
  'LINK_ISSUES',
  'SCHEDULE_ISSUES',
  'MANAGE_SPRINTS_PERMISSION',
  'ADD_COMMENTS',
];

export function jiraAdmin(ctx) {
  let selected;
  /** The token just created: shown once, until dismissed. */
  let created;
  const links = jiraLinks(ctx);

  function render(state) {
    const sites = state.jira;
    const site = sites.find((s) => s.host === selected) ?? sites[0];
    if (!site) return h('p', {}, 'No Jira site.');
    selected = site.host;
    const path = (action) => `/console/api/jira/${encodeURIComponent(site.host)}/${action}`;
    return h(
      'div',
      { class: 'admin' },
      h(
        'div',
        { class: 'admin-bar' },
        h('label', { for: 'jira-site' }, 'Jira site'),
        h(
          'select',
          {
            id: 'jira-site',
            dataset: { key: 'jira-site' },
            onchange: (e) => {
              selected = e.currentTarget.value;
              created = undefined;
              ctx.redraw();
            },
          },
          sites.map((s) =>
            h(
              'option',
              { value: s.host, selected: s.host === site.host },
              s.host,
              s.renamedTo ? ' (renamed)' : '',
            ),
          ),
        ),
        h('span', { class: 'muted' }, site.url),
      ),
      settings(site, path),
      site.accounts.map((a) => accountSection(site, a, path)),
      links.section(site, path),
      breakMenu('jira', site.host, site.breaks, ctx.act),
    );
  }

  function settings(site, path) {
    return h(
      'section',
      { class: 'card', id: 'jira-settings', 'aria-labelledby': 'jira-settings-h' },
      h('h3', { id: 'jira-settings-h' }, 'Site settings'),
      site.renamedTo
        ? h('p', { class: 'notice' }, `Renamed: ${site.host} now redirects to ${site.renamedTo}.`)
        : null,
      toggle('IP allowlist (Jira Align’s addresses not on it)', site.ipAllowlist, (on) =>
        ctx.act(path('site.allowlist'), { on }),
      ),
      toggle('CAPTCHA after failed logins', site.captcha, (on) => ctx.act(path('site.captcha'), { on })),
      h(
        'form',
        {
          class: 'inline-form',
          onsubmit: (e) => {
            e.preventDefault();
            const name = e.currentTarget.elements.namedItem('name').value;
            ctx.act(path('site.rename'), { name }, 'jira-rename');
          },
        },
        h('label', { for: 'jira-rename' }, 'Site name'),
        field('input', 'jira-rename', {
          id: 'jira-rename',
          name: 'name',
          value: (site.renamedTo ?? site.host).split('.')[0],
          size: 16,
        }),
        h('span', { class: 'muted' }, '.atlassian.net'),
        h('button', { type: 'submit', class: 'sk-button' }, 'Rename'),
      ),
    );
  }

  function accountSection(site, a, path) {
    const id = `jira-account-${a.email.replace(/[^a-z0-9]/gi, '-')}`;
    return h(
      'section',
      { class: 'card', id: a.service ? 'jira-tokens' : id, 'aria-labelledby': `${id}-h` },
      h('h3', { id: `${id}-h` }, a.service ? 'Service account' : 'Account', ': ', a.email),
      toggle('Product access: Jira', a.productAccess, (on) =>
        ctx.act(path('account.product'), { email: a.email, on }),
      ),
      toggle('Jira administrator', a.admin, (on) => ctx.act(path('account.admin'), { email: a.email, on })),
      a.scopedOnly
        ? h('p', { class: 'notice' }, 'This account gets scoped tokens only (api.atlassian.com).')
        : null,
      site.projects.map((p) =>
        h(
          'details',
          { class: 'perms' },
          h(
            'summary',
            {},
            `Permissions in ${p.key} (${(a.permissions[p.key] ?? []).length} of ${PERMISSIONS.length})`,
          ),
          PERMISSIONS.map((perm) =>
            h(
              'label',
              { class: 'check' },
              h('input', {
                type: 'checkbox',
                checked: (a.permissions[p.key] ?? []).includes(perm),
                onchange: (e) =>
                  ctx.act(path('account.permission'), {
                    email: a.email,
                    project: p.key,
                    permission: perm,
                    on: e.currentTarget.checked,
                  }),
              }),
              perm,
            ),
          ),
        ),
      ),
      h('h4', {}, 'API tokens'),
      a.tokens.length === 0
        ? h('p', { class: 'muted' }, 'No API tokens.')
        : h(
            'table',
            { class: 'table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Label', 'Created', 'Expires', '', ''].map((t) => h('th', {}, t)),
              ),
            ),
            h(
              'tbody',
              {},
              a.tokens.map((t) =>
                h(
                  'tr',
                  { class: t.expired ? 'row-expired' : '' },
                  h('td', {}, t.label, t.scoped ? h('span', { class: 'badge' }, 'scoped') : null),
                  h('td', {}, t.createdAt ? formatDate(t.createdAt) : '—'),
                  h(
                    'td',
                    {},
                    t.expiresAt ? `${formatDate(t.expiresAt)}${t.expired ? ' (expired)' : ''}` : 'never',
                  ),
                  h(
                    'td',
                    {},
                    h('input', {
                      type: 'date',
                      'aria-label': `New expiry date of ${t.label}`,
                      value: t.expiresAt ? formatDate(t.expiresAt) : '',
                      onchange: (e) =>
                        ctx.act(path('token.expiry'), {
                          email: a.email,
                          id: t.id,
                          expiresAt: e.currentTarget.value || null,
                        }),
                    }),
                  ),
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'sk-button sk-danger',
                        onclick: () => ctx.act(path('token.revoke'), { email: a.email, id: t.id }),
                      },
                      'Revoke',
                    ),
                  ),
                ),
              ),
            ),
          ),
      created?.email === a.email && created.host === site.host ? shownOnce() : null,
      h(
        'form',
        {
          class: 'inline-form',
          'aria-label': 'Create API token',
          onsubmit: async (e) => {
            e.preventDefault();
            const form = e.currentTarget.elements;
            const result = await ctx.act(
              path('token.create'),
              {
                email: a.email,
                label: form.namedItem('label').value,
                ...(form.namedItem('expires').value ? { expiresAt: form.namedItem('expires').value } : {}),
                scoped: form.namedItem('scoped').checked,
              },
              `token:${a.email}`,
            );
            if (result?.token) {
              created = { ...result.token, email: a.email, host: site.host };
              ctx.redraw();
              document.getElementById('jira-new-token')?.focus();
            }
          },
        },
        field('input', `token:${a.email}:label`, {
          name: 'label',
          placeholder: 'Label, e.g. Jira Align',
          size: 18,
          'aria-label': 'Token label',
        }),
        h(
          'label',
          {},
          'expires ',
          field('input', `token:${a.email}:expires`, { name: 'expires', type: 'date' }),
        ),
        h(
          'label',
          { class: 'check' },
          field('input', `token:${a.email}:scoped`, { name: 'scoped', type: 'checkbox' }),
          'scoped',
        ),
        h('button', { type: 'submit', class: 'sk-button sk-primary' }, 'Create API token'),
      ),
    );
  }

  function shownOnce() {
    return h(
      'div',
      { class: 'shown-once', role: 'status' },
      h(
        'p',
        {},
        h('strong', {}, `Copy your new API token “${created.label}” now.`),
        ' You will not see it again.',
      ),
      h(
        'div',
        { class: 'composer-row' },
        h('input', {
          id: 'jira-new-token',
          readonly: true,
          value: created.value,
          'aria-label': 'New API token',
          onfocus: (e) => e.currentTarget.select(),
        }),
        h(
          'button',
          {
            type: 'button',
            class: 'sk-button',
            onclick: async () => {
              await navigator.clipboard?.writeText(created.value).catch(() => undefined);
              ctx.say('Copied.');
            },
          },
          'Copy',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'link-button',
            onclick: () => {
              created = undefined;
              ctx.redraw();
            },
          },
          'Done',
        ),
      ),
    );
  }

  function toggle(label, on, set) {
    return h(
      'label',
      { class: 'switch' },
      h('input', {
        type: 'checkbox',
        role: 'switch',
        checked: on,
        onchange: (e) => set(e.currentTarget.checked),
      }),
      h('span', {}, label),
    );
  }

  return {
    render,
    /** Shows `host` (a site, or the site a renamed one came from) and scrolls to a section. */
    select(host, section) {
      if (host) selected = host;
      ctx.redraw();
      if (section) document.getElementById(section)?.scrollIntoView({ block: 'start' });
    },
    get selected() {
      return selected;
    },
  };
}
