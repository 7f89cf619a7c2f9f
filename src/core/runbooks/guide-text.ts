/**
 * Where to click and what to paste, written once for both guided runbooks (reference/procedure.md). Step numbers
 * follow Atlassian's quick guide, because admins and Atlassian Support talk in them.
 */
import type { ConnectorSpec } from '../connector-spec.js';
import type { Block } from '../views/view.js';

export function alignConnectorWindow(spec: ConnectorSpec): Block {
  const base = spec.align?.url ?? 'https://<name>.jiraalign.com';
  return {
    type: 'text',
    text: [
      'In Jira Align (',
      { link: base },
      '): Administration (gear, bottom left) › Connectors › Jira Settings › Jira Connectors, and open the connector',
      spec.align?.connectorId ? ` with ID ${spec.align.connectorId}.` : '.',
    ],
  };
}

export function jiraAppLinksLink(spec: ConnectorSpec): Block {
  const page = `${spec.jira.url.replace(/\/+$/, '')}/plugins/servlet/applinks/listApplicationLinks`;
  const menu =
    spec.jira.kind === 'datacenter'
      ? 'Settings (cog) › Applications › Application Links'
      : 'Settings (cog) › Products › Application Links';
  return {
    type: 'text',
    text: [
      'In Jira: ',
      menu,
      ' — or open ',
      { link: page, label: 'Application Links' },
      ' (shortcut: press “.” and search “Application Links”).',
    ],
  };
}

export function deactivateBlocks(spec: ConnectorSpec): Block[] {
  return [
    alignConnectorWindow(spec),
    {
      type: 'text',
      text: [
        'Click ',
        { b: 'Deactivate' },
        '. Jira Align applies a changed authentication only when the connector is Deactivated, updated, Saved and Activated again, in that order.',
      ],
    },
  ];
}

export function activateBlocks(spec: ConnectorSpec, basic: boolean): Block[] {
  const blocks: Block[] = [alignConnectorWindow(spec)];
  if (basic) {
    blocks.push({
      type: 'text',
      text: [
        'Optional (step 22): ',
        { b: 'Test Now' },
        ' at the bottom. It does not refresh by itself (close and reopen the window) and takes a few minutes; a failure there is not always a blocker — Align Bot checks the connection itself next.',
      ],
    });
  }
  blocks.push({
    type: 'text',
    text: ['Step 23: click ', { b: 'Activate' }, ' (skip it if the button already reads “Deactivate”).'],
  });
  return blocks;
}

export function credentialLabel(spec: ConnectorSpec, email?: string): string {
  if (spec.auth === 'pat') return `Personal Access Token of the service account${email ? ` (${email})` : ''}`;
  return `Atlassian API token of the service account${email ? ` ${email}` : ''}`;
}

export function createTokenHint(spec: ConnectorSpec): Block {
  return spec.auth === 'pat'
    ? {
        type: 'text',
        text: [
          'Create the PAT logged in as the service account: Jira › Profile › Personal Access Tokens › Create token. Note its expiry date.',
        ],
      }
    : {
        type: 'text',
        text: [
          'Create it logged in as the service account in a private (non-cached) browser window, at ',
          { link: 'https://id.atlassian.com/manage-profile/security/api-tokens', label: 'API tokens' },
          '. Atlassian API tokens expire after at most a year: note the date you pick.',
        ],
      };
}
