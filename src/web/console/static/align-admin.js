/**
 * The simulated Jira Align admin of one instance: Administration › Connectors › Jira Settings › Jira Connectors.
 * The connector window: settings, Generate New Key, Save, Authorize → Request access → Allow, Test Now,
 * Activate/Deactivate, the Service Light, and the synced projects with their sync errors.
 */
import { oauthBlock } from './align-oauth.js';
import { projectsBlock } from './align-projects.js';
import { breakMenu } from './breaks.js';
import { field, h } from './dom.js';

const AUTH = { oauth: 'OAuth', basic: 'Basic Auth', pat: 'Personal Access Token' };

export function alignAdmin(ctx) {
  let selected;
  let openId;
  let testResult;

  function render(state, passwords) {
    const instances = state.align;
    const instance = instances.find((i) => i.host === selected) ?? instances[0];
    if (!instance) return h('p', {}, 'No Jira Align instance.');
    selected = instance.host;
    const path = (action) => `/console/api/align/${encodeURIComponent(instance.host)}/${action}`;
    const open = instance.connectors.find((c) => c.id === openId);
    return h(
      'div',
      { class: 'admin' },
      h(
        'div',
        { class: 'admin-bar' },
        h('label', { for: 'align-instance' }, 'Jira Align'),
        h(
          'select',
          {
            id: 'align-instance',
            onchange: (e) => {
              selected = e.currentTarget.value;
              openId = undefined;
              ctx.redraw();
            },
          },
          instances.map((i) => h('option', { value: i.host, selected: i.host === instance.host }, i.host)),
        ),
        h('span', { class: 'muted' }, instance.url),
      ),
      h(
        'section',
        { class: 'card', id: 'align-connectors', 'aria-labelledby': 'align-connectors-h' },
        h('h3', { id: 'align-connectors-h' }, 'Jira Connectors'),
        h('p', { class: 'muted' }, 'Administration (gear) › Connectors › Jira Settings › Jira Connectors'),
        instance.connectors.length === 0
          ? h('p', { class: 'muted' }, 'No connectors yet.')
          : connectorTable(instance),
        h(
          'button',
          {
            type: 'button',
            class: 'sk-button',
            onclick: async () => {
              const result = await ctx.act(path('connector.add'), {});
              if (result?.id) {
                openId = result.id;
                ctx.redraw();
              }
            },
          },
          'Add',
        ),
      ),
      open ? connectorWindow(instance, open, path, passwords) : null,
      breakMenu('align', instance.host, instance.breaks, ctx.act),
    );
  }

  function connectorTable(instance) {
    return h(
      'table',
      { class: 'table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['ID', 'Name', 'Service Light', 'Status', ''].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        instance.connectors.map((c) =>
          h(
            'tr',
            { class: c.id === openId ? 'row-open' : '' },
            h('td', {}, String(c.id)),
            h('td', {}, c.settings.name),
            h('td', {}, light(c.serviceLight)),
            h('td', {}, c.active ? 'Active' : 'Inactive'),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'sk-button',
                  'aria-expanded': String(c.id === openId),
                  onclick: () => {
                    openId = c.id === openId ? undefined : c.id;
                    testResult = undefined;
                    ctx.redraw();
                  },
                },
                c.id === openId ? 'Close' : 'Open',
              ),
            ),
          ),
        ),
      ),
    );
  }

  function connectorWindow(instance, c, path, passwords) {
    const key = `conn:${instance.host}:${c.id}`;
    const id = { id: c.id };
    const s = c.settings;
    const draftAuth = document.querySelector(`[data-key="${key}:auth"]`)?.value ?? s.authType;
    return h(
      'section',
      { class: 'card connector', id: 'align-connector', 'aria-labelledby': 'align-connector-h' },
      h(
        'h3',
        { id: 'align-connector-h' },
        `Connector ${c.id}: ${s.name} `,
        light(c.serviceLight),
        h('span', { class: `status ${c.active ? 'status-on' : ''}` }, c.active ? 'Active' : 'Inactive'),
      ),
      c.serviceLight === 'gray'
        ? h(
            'p',
            { class: 'notice' },
            'The Service Light is gray: Jira Align Support must enable the service (connector type “Jira Connector”, ID ',
            String(c.id),
            '). ',
            h(
              'button',
              {
                type: 'button',
                class: 'sk-button',
                onclick: () => ctx.act(path('connector.light'), { ...id, light: 'green' }),
              },
              'Support: enable the service',
            ),
          )
        : null,
      h(
        'form',
        {
          class: 'stack-form',
          'aria-label': 'Connector settings',
          onsubmit: (e) => {
            e.preventDefault();
            const f = e.currentTarget.elements;
            const value = (name) => f.namedItem(name)?.value ?? '';
            ctx.act(
              path('connector.save'),
              {
                ...id,
                name: value('name'),
                jiraLink: value('jiraLink'),
                apiUrl: value('apiUrl'),
                authType: value('authType'),
                consumerKey: value('consumerKey'),
                username: value('username'),
                ...(value('apiToken') ? { apiToken: value('apiToken') } : {}),
                ...(value('apiTokenFrom') ? { apiTokenFrom: value('apiTokenFrom') } : {}),
              },
              key,
            );
          },
        },
        h('label', {}, 'Connector Name', field('input', `${key}:name`, { name: 'name', value: s.name })),
        h(
          'label',
          {},
          'Jira Link',
          field('input', `${key}:link`, {
            name: 'jiraLink',
            value: s.jiraLink,
            placeholder: 'https://<site>.atlassian.net/browse/',
          }),
        ),
        h(
          'label',
          {},
          'Jira API URL',
          field('input', `${key}:api`, {
            name: 'apiUrl',
            value: s.apiUrl,
            placeholder: 'https://<site>.atlassian.net',
          }),
        ),
        h(
          'label',
          {},
          'Authentication Type',
          field(
            'select',
            `${key}:auth`,
            { name: 'authType', onchange: () => ctx.redraw() },
            Object.entries(AUTH).map(([v, label]) =>
              h('option', { value: v, selected: v === draftAuth }, label),
            ),
          ),
        ),
        draftAuth === 'oauth'
          ? h(
              'label',
              {},
              'Consumer Key',
              field('input', `${key}:ck`, { name: 'consumerKey', value: s.consumerKey }),
            )
          : [
              draftAuth === 'basic'
                ? h(
                    'label',
                    {},
                    'Jira Username',
                    field('input', `${key}:user`, { name: 'username', value: s.username }),
                  )
                : null,
              h(
                'label',
                {},
                'API Token/Jira Password',
                field('input', `${key}:token`, {
                  name: 'apiToken',
                  type: 'password',
                  autocomplete: 'off',
                  placeholder: c.hasApiToken ? '•••••••• (saved; type to replace)' : '',
                }),
              ),
              h(
                'label',
                {},
                'or paste from your password manager',
                field(
                  'select',
                  `${key}:from`,
                  { name: 'apiTokenFrom' },
                  h('option', { value: '' }, '—'),
                  passwords.map((p) => h('option', { value: p.id }, p.label)),
                ),
              ),
            ],
        h(
          'div',
          { class: 'form-buttons' },
          h('button', { type: 'submit', class: 'sk-button sk-primary' }, 'Save'),
          c.active
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'sk-button sk-danger',
                  onclick: () => ctx.act(path('connector.deactivate'), id),
                },
                'Deactivate',
              )
            : h(
                'button',
                {
                  type: 'button',
                  class: 'sk-button',
                  onclick: () => ctx.act(path('connector.activate'), id),
                },
                'Activate',
              ),
          s.authType !== 'oauth'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'sk-button',
                  onclick: async () => {
                    const result = await ctx.act(path('connector.test-now'), id);
                    testResult = result?.result;
                    ctx.redraw();
                  },
                },
                'Test Now',
              )
            : null,
        ),
        testResult ? h('p', { class: 'notice', role: 'status' }, testResult) : null,
      ),
      s.authType === 'oauth' ? oauthBlock(ctx, c, path, id) : null,
      projectsBlock(ctx, c, path, id, key),
    );
  }

  return {
    render,
    select(host, section) {
      if (host) selected = host;
      ctx.redraw();
      if (section) document.getElementById(section)?.scrollIntoView({ block: 'start' });
    },
  };
}

function light(color) {
  return h('span', { class: `light light-${color}`, title: `Service Light: ${color}` }, `● ${color}`);
}
