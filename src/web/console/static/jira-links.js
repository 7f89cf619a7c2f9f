/** The simulated Jira admin's application links (steps 7–15): create, name, incoming authentication, OAuth tokens. */
import { field, formatDate, h } from './dom.js';

export function jiraLinks(ctx) {
  /** The link whose edit form is open. */
  let editing;

  function section(site, path) {
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

  return { section };
}
