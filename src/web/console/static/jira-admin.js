/**
 * The simulated Jira admin of one site: settings (IP allowlist, CAPTCHA, site name), the service account (product
 * access, admin rights, project permissions, API tokens) and application links (steps 7–15, OAuth tokens).
 */
import { breakMenu } from './breaks.js';
import { field, formatDate, h } from './dom.js';

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
  let editing;

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
      linksSection(site, path),
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

  function linksSection(site, path) {
    return h(
      'section',
      { class: 'card', id: 'jira-links', 'aria-labelledby': 'jira-links-h' },
      h('h3', { id: 'jira-links-h' }, 'Application links'),
      h('p', { class: 'muted' }, 'Settings › Products › Integrations › Application Links'),
      site.appLinks.length === 0 ? h('p', { class: 'muted' }, 'No application links.') : null,
      site.appLinks.map((link) => linkCard(link, path)),
      h(
        'form',
        {
          class: 'inline-form',
          'aria-label': 'Create link',
          onsubmit: async (e) => {
            e.preventDefault();
            const form = e.currentTarget.elements;
            const result = await ctx.act(
              path('link.create'),
              { url: form.namedItem('url').value, name: form.namedItem('name').value },
              'link:new',
            );
            if (result?.warning) {
              editing = result.id;
              ctx.say(`${result.warning} — expected (step 10): continue with the link’s settings.`);
              ctx.redraw();
            }
          },
        },
        h('label', { for: 'link-new-url' }, 'Application URL'),
        field('input', 'link:new:url', {
          id: 'link-new-url',
          name: 'url',
          placeholder: 'https://<name>.jiraalign.com',
          size: 30,
        }),
        field('input', 'link:new:name', {
          name: 'name',
          value: 'Jira Align',
          size: 12,
          'aria-label': 'Application name',
        }),
        h('button', { type: 'submit', class: 'sk-button sk-primary' }, 'Create new link'),
      ),
    );
  }

  function linkCard(link, path) {
    const open = editing === link.id;
    return h(
      'div',
      { class: 'link-card' },
      h(
        'div',
        { class: 'link-head' },
        h('strong', {}, link.name),
        h('span', { class: 'muted' }, ` ${link.url}`),
        h(
          'button',
          {
            type: 'button',
            class: 'sk-button',
            'aria-expanded': String(open),
            onclick: () => {
              editing = open ? undefined : link.id;
              ctx.redraw();
            },
          },
          open ? 'Close' : '✎ Edit',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'sk-button sk-danger',
            onclick: () => ctx.act(path('link.delete'), { id: link.id }),
          },
          'Delete',
        ),
      ),
      h(
        'p',
        {},
        'Incoming authentication: ',
        link.consumer
          ? [
              h('code', {}, link.consumer.key),
              h('span', { class: 'muted' }, ` · key ${link.consumer.fingerprint ?? 'unreadable'}`),
            ]
          : h('span', { class: 'muted' }, 'not configured'),
      ),
      link.oauthTokens.length > 0
        ? h(
            'ul',
            { class: 'plain-list' },
            link.oauthTokens.map((t) =>
              h(
                'li',
                {},
                `OAuth access token for ${t.account}, ${formatDate(t.createdAt)} `,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'link-button',
                    onclick: () => ctx.act(path('oauth.revoke'), { handle: t.handle }),
                  },
                  'Revoke',
                ),
              ),
            ),
          )
        : null,
      open ? linkForm(link, path) : null,
    );
  }

  function linkForm(link, path) {
    const key = `link:${link.id}`;
    return h(
      'form',
      {
        class: 'stack-form',
        'aria-label': `Edit ${link.name}`,
        onsubmit: async (e) => {
          e.preventDefault();
          const form = e.currentTarget.elements;
          const ok = await ctx.act(
            path('link.update'),
            {
              id: link.id,
              name: form.namedItem('name').value,
              consumerKey: form.namedItem('consumerKey').value,
              consumerName: form.namedItem('consumerName').value,
              publicKey: form.namedItem('publicKey').value,
            },
            key,
          );
          if (ok) {
            editing = undefined;
            ctx.redraw();
          }
        },
      },
      h('label', {}, 'Application name', field('input', `${key}:name`, { name: 'name', value: link.name })),
      h('h4', {}, 'Incoming Authentication'),
      h(
        'label',
        {},
        'Consumer Key',
        field('input', `${key}:ck`, { name: 'consumerKey', value: link.consumer?.key ?? '' }),
      ),
      h(
        'label',
        {},
        'Consumer Name',
        field('input', `${key}:cn`, { name: 'consumerName', value: link.consumer?.name ?? 'Jira Align' }),
      ),
      h(
        'label',
        {},
        'Public Key',
        field('textarea', `${key}:pk`, {
          name: 'publicKey',
          rows: 5,
          value: link.consumer?.publicKey ?? '',
          spellcheck: 'false',
        }),
      ),
      h(
        'div',
        { class: 'form-buttons' },
        h('button', { type: 'submit', class: 'sk-button sk-primary' }, 'Save'),
        link.consumer
          ? h(
              'button',
              {
                type: 'button',
                class: 'sk-button',
                onclick: () => ctx.act(path('link.clear-auth'), { id: link.id }),
              },
              'Remove incoming authentication',
            )
          : null,
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
