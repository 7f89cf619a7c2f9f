/** The connector a connect run is building: the command's parameters plus what earlier steps found. */

import type { ConnectorSpec } from '../connector-spec.js';
import { suggestConsumerKey } from '../consumer-key.js';
import type { GuidedContext } from './guided.js';

/** The connector as far as the run knows it: the command's parameters plus what earlier steps found. */
export function draftSpec(ctx: GuidedContext): ConnectorSpec {
  const p = ctx.params as {
    name: string;
    jira: string;
    align: string;
    auth: ConnectorSpec['auth'];
    dc?: boolean;
    project?: string;
    email?: string;
  };
  const f = ctx.facts as {
    apiUrl?: string;
    consumerKey?: string;
    publicKey?: string;
    credentialRef?: string;
    credentialExpiry?: string;
  };
  return {
    name: p.name,
    jira: { url: p.jira, kind: p.dc ? 'datacenter' : 'cloud', ...(f.apiUrl ? { apiUrl: f.apiUrl } : {}) },
    align: { url: p.align },
    auth: p.auth,
    ...(p.email ? { email: p.email } : {}),
    ...(p.project ? { project: p.project } : {}),
    ...(p.auth === 'oauth'
      ? {
          oauth: {
            consumerKey: f.consumerKey ?? suggestConsumerKey(p.name),
            ...(f.publicKey ? { publicKey: f.publicKey } : {}),
          },
        }
      : {}),
    ...(f.credentialRef ? { secrets: { jira: { stored: f.credentialRef } } } : {}),
    ...(f.credentialExpiry ? { tokenExpiresAt: f.credentialExpiry } : {}),
  };
}

export async function credential(ctx: GuidedContext) {
  const ref = ctx.facts.credentialRef as string | undefined;
  return ref ? ctx.secret(ref) : undefined;
}

export const oauthOnly = (ctx: GuidedContext) =>
  draftSpec(ctx).auth === 'oauth' ? undefined : 'Basic Auth and PAT skip steps 5–20.';
