/**
 * The connector window's OAuth part (steps 5 and 17–20): Generate New Key, the public key to copy, Authorize,
 * and Jira's "Allow access?" page in "another tab of the same browser" (a dialog here).
 */
import { h } from './dom.js';

export function oauthBlock(ctx, c, path, id) {
  const o = c.oauth;
  return h(
    'div',
    { class: 'oauth-block' },
    h('h4', {}, 'OAuth'),
    h(
      'div',
      { class: 'form-buttons' },
      h(
        'button',
        { type: 'button', class: 'sk-button', onclick: () => ctx.act(path('connector.generate-key'), id) },
        'Generate New Key',
      ),
    ),
    c.publicKey
      ? h(
          'label',
          {},
          'Public key (copy it into Jira’s application link and into Align Bot’s form)',
          h('textarea', {
            id: 'align-public-key',
            readonly: true,
            rows: 5,
            value: c.publicKey,
            spellcheck: 'false',
          }),
          h(
            'button',
            {
              type: 'button',
              class: 'sk-button',
              onclick: async () => {
                await navigator.clipboard?.writeText(c.publicKey).catch(() => undefined);
                ctx.say('Public key copied.');
              },
            },
            'Copy public key',
          ),
        )
      : h('p', { class: 'muted' }, 'No key pair yet: Generate New Key (step 5), then Save (step 6).'),
    h('p', { class: `oauth-status oauth-${o.status}`, role: 'status' }, oauthText(o)),
    h(
      'div',
      { class: 'form-buttons' },
      h(
        'button',
        {
          type: 'button',
          class: 'sk-button sk-primary',
          onclick: () => ctx.act(path('connector.authorize'), id),
        },
        o.status === 'authorized' ? 'Reauthorize Jira OAuth access' : 'Authorize Jira OAuth Access',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'sk-button',
          disabled: o.status !== 'requested',
          onclick: () => requestAccess(ctx, path, id),
        },
        'Request Jira for access',
      ),
    ),
  );
}

/** Step 18–19: Jira's "Allow access?" page, in "another tab of the same browser" — here a dialog. */
async function requestAccess(ctx, path, id) {
  const request = await ctx.act(path('connector.request-access'), id);
  if (!request) return;
  const select = h(
    'select',
    { name: 'email', id: 'jira-login-as' },
    request.accounts.map((email) => h('option', { value: email }, email)),
  );
  const dialog = h(
    'dialog',
    { class: 'sk-dialog jira-tab', 'aria-labelledby': 'allow-h' },
    h('p', { class: 'muted' }, `Jira · ${request.jiraUrl}`),
    h('h2', { id: 'allow-h' }, 'Allow access?'),
    h('label', { for: 'jira-login-as' }, 'Logged into Jira as '),
    select,
    h('p', {}, h('code', {}, request.consumerKey), ' would like to read and write data on your behalf.'),
    h(
      'form',
      { method: 'dialog', class: 'sk-dialog-buttons' },
      h('button', { value: 'deny', class: 'sk-button' }, 'Deny'),
      h('button', { value: 'allow', class: 'sk-button sk-primary' }, 'Allow'),
    ),
  );
  dialog.addEventListener('close', async () => {
    dialog.remove();
    if (dialog.returnValue !== 'allow' && dialog.returnValue !== 'deny') return;
    await ctx.act(path('connector.decide'), {
      ...id,
      email: select.value,
      allow: dialog.returnValue === 'allow',
    });
  });
  document.body.append(dialog);
  dialog.showModal();
}

function oauthText(o) {
  if (o.status === 'authorized')
    return `${o.message ?? 'OAuth set-up complete.'}${o.authorizedAs ? ` (as ${o.authorizedAs})` : ''}`;
  if (o.status === 'requested') return o.message ?? 'Waiting for access to be granted in Jira.';
  if (o.status === 'failed') return o.message ?? 'OAuth failed.';
  return 'Not authorized.';
}
