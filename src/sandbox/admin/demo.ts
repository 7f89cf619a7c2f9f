/**
 * The sandbox's demo connectors as Jira Align holds them (saved, active, syncing), and the OAuth demo's
 * application link and access token, so the consoles open on a world already in use.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlignConnector, AlignInstance } from '../align-sim.js';
import type { JiraSite } from '../jira-site.js';
import { oauthState } from '../oauth-provider.js';
import { type Break, JIRA_BREAKS } from './breaks.js';
import type { SandboxWorld } from './world.js';

export interface DemoConnector {
  name: string;
  site: JiraSite;
  jiraUrl: string;
  alignUrl: string;
  instance: AlignInstance;
  connector: AlignConnector;
  email: string;
  /** The Jira API token Jira Align holds (Basic Auth). */
  token: string;
}

/** A Basic Auth connector, saved and active, using the service account's token. */
export function seedBasic(world: SandboxWorld, demo: DemoConnector): void {
  world.align.adopt(demo.instance, demo.connector, {
    settings: {
      name: demo.name,
      jiraLink: `${demo.jiraUrl}/browse/`,
      apiUrl: demo.jiraUrl,
      authType: 'basic',
      consumerKey: '',
      username: demo.email,
    },
    apiToken: demo.token,
    active: true,
  });
}

/**
 * An OAuth connector: key pair, application link with its incoming consumer, an access token allowed by the
 * service account. Align Bot holds a copy of that token in `tokenEnv` (and gets the new one on reauthorization).
 * Returns the connectors-file fields.
 */
export function seedOAuth(world: SandboxWorld, demo: DemoConnector, tokenEnv: string, dataDir: string) {
  const record = world.align.adopt(demo.instance, demo.connector, {
    settings: {
      name: demo.name,
      jiraLink: `${demo.jiraUrl}/browse/`,
      apiUrl: demo.jiraUrl,
      authType: 'oauth',
      consumerKey: `jira-align-${demo.name}`,
      username: '',
    },
    botTokenEnv: tokenEnv,
  });
  const publicPem = world.align.generateKey(record);
  const link = demo.site.addAppLink(demo.alignUrl, 'Jira Align');
  link.consumer = { key: record.settings.consumerKey, name: 'Jira Align', publicKey: publicPem };
  const accessToken = oauthState(demo.site).issueAccessToken(record.settings.consumerKey, demo.email);
  record.oauth = {
    status: 'authorized',
    accessToken,
    authorizedAs: demo.email,
    message: 'OAuth set-up complete.',
  };
  record.active = true;
  process.env[tokenEnv] = accessToken;
  const publicKeyFile = join(dataDir, `${demo.name}-align-public.pem`);
  writeFileSync(publicKeyFile, publicPem);
  return { consumerKey: record.settings.consumerKey, publicKeyFile };
}

/** Applies "break it" clicks by id (a demo broken in a known way). */
export async function applyBreaks(world: SandboxWorld, site: JiraSite, ids: string[]): Promise<void> {
  for (const id of ids) {
    const found: Break<JiraSite> | undefined = JIRA_BREAKS.find((b) => b.id === id);
    if (!found) throw new Error(`unknown break ${id}`);
    await found.apply(world, site);
  }
}
