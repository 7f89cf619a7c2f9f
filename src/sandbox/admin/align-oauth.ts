/**
 * Jira Align's side of OAuth 1.0a with Jira (steps 17–20), played against the Jira simulator over real HTTP: the
 * request token signed with the connector's private key ("Authorize Jira OAuth Access"), the person's decision
 * on Jira's "Allow access?" page as a logged-in Jira user ("Request Jira for access" → Allow), and the access
 * token. Jira's oauth_problem answers become the messages the connector window shows.
 */
import { request } from 'node:http';
import { signRequest } from '../../atlassian/oauth-signer.js';
import type { JiraSim } from '../jira-sim.js';
import type { JiraSite } from '../jira-site.js';
import { oauthState } from '../oauth-provider.js';
import type { AdminConnector } from './align-admin.js';
import { AdminError } from './jira-admin.js';
import type { SandboxNetwork } from './network.js';

export interface OAuthWorld {
  jira: JiraSim;
  network: SandboxNetwork;
}

const HINTS: Record<string, string> = {
  consumer_key_unknown:
    'Jira knows no application link with this consumer key: the key must be identical on both sides (steps 4 and 13), without spaces or symbols.',
  signature_invalid:
    'Jira could not verify the signature: the public key in Jira’s application link must be exactly this connector’s (steps 5 and 14), and the application URL must have no typo.',
  timestamp_refused: 'Jira’s clock and Jira Align’s disagree by more than five minutes.',
  token_rejected: 'Jira no longer knows the request: start again with Authorize.',
  permission_denied: 'Access was denied on Jira’s “Allow access?” page.',
};

/** Step 17: "Authorize Jira OAuth Access" (or "Reauthorize…"). */
export async function authorize(world: OAuthWorld, c: AdminConnector): Promise<void> {
  const { key, settings } = c;
  if (settings.authType !== 'oauth')
    throw new AdminError('Authentication Type is not OAuth (Save it first).');
  if (!settings.consumerKey) throw new AdminError('Enter the consumer key and Save first.');
  if (!key) throw new AdminError('Generate a key pair first (step 5).');
  const origin = siteOrigin(c);
  const url = `${origin}/plugins/servlet/oauth/request-token`;
  const signed = signRequest({
    method: 'POST',
    url,
    consumerKey: settings.consumerKey,
    privateKey: key.privateKey,
    oauthParams: { oauth_callback: `https://${c.instance.host}/OAuth/Callback` },
  });
  const answer = await call(world, 'POST', url, signed.authorization);
  const token = answer.status === 200 ? answer.form.get('oauth_token') : null;
  c.oauth = token
    ? { status: 'requested', requestToken: token, message: 'Waiting for access to be granted in Jira.' }
    : { status: 'failed', message: failure(answer) };
}

export interface AccessRequest {
  consumerKey: string;
  jiraUrl: string;
  /** The Jira accounts one could be logged in as in "another tab of the same browser". */
  accounts: string[];
}

/** Step 18: "Request Jira for access" opens Jira's "Allow access?" page. */
export function accessRequest(world: OAuthWorld, c: AdminConnector): AccessRequest {
  if (c.oauth.status !== 'requested' || !c.oauth.requestToken)
    throw new AdminError('Click “Authorize Jira OAuth Access” first (step 17).');
  const site = siteOf(world, c);
  return {
    consumerKey: c.settings.consumerKey,
    jiraUrl: siteOrigin(c),
    accounts: site.accounts.map((a) => a.email),
  };
}

/** Step 19: Allow (or Deny) as `email`; then Jira Align exchanges the request token for an access token. */
export async function decideAccess(world: OAuthWorld, c: AdminConnector, email: string, allow: boolean) {
  accessRequest(world, c);
  const site = siteOf(world, c);
  const account = site.accounts.find((a) => a.email.toLowerCase() === email.toLowerCase());
  if (!account) throw new AdminError(`No Jira account ${email}.`);
  const verifier = oauthState(site).decide(c.oauth.requestToken!, account, allow);
  if (!verifier) {
    c.oauth = { status: 'failed', message: failure({ status: 401, form: problem('token_rejected') }) };
    return;
  }
  const url = `${siteOrigin(c)}/plugins/servlet/oauth/access-token`;
  const signed = signRequest({
    method: 'POST',
    url,
    consumerKey: c.settings.consumerKey,
    privateKey: c.key!.privateKey,
    token: c.oauth.requestToken!,
    oauthParams: { oauth_verifier: verifier },
  });
  const answer = await call(world, 'POST', url, signed.authorization);
  const token = answer.status === 200 ? answer.form.get('oauth_token') : null;
  if (!token) {
    c.oauth = { status: 'failed', message: failure(answer) };
    return;
  }
  c.oauth = {
    status: 'authorized',
    accessToken: token,
    authorizedAs: account.email,
    message: 'OAuth set-up complete.',
  };
  if (c.botTokenEnv) process.env[c.botTokenEnv] = token;
}

function siteOrigin(c: AdminConnector): string {
  for (const value of [c.settings.jiraLink, c.settings.apiUrl]) {
    try {
      if (value) return new URL(value).origin;
    } catch {
      // the next one
    }
  }
  throw new AdminError('Fill in Jira Link and Save first.');
}

function siteOf(world: OAuthWorld, c: AdminConnector): JiraSite {
  const host = new URL(siteOrigin(c)).hostname;
  const site = world.jira.sites.get(host);
  if (!site) throw new AdminError(`Jira Align cannot reach ${host}.`);
  return site;
}

interface Answer {
  status: number;
  form: URLSearchParams;
}

function problem(name: string): URLSearchParams {
  return new URLSearchParams({ oauth_problem: name });
}

function failure(answer: Answer): string {
  const name = answer.form.get('oauth_problem');
  if (answer.status === 0) return 'Jira could not be reached.';
  if (!name) return `Jira answered ${answer.status}: OAuth could not be set up.`;
  return `OAuth failed: oauth_problem=${name}. ${HINTS[name] ?? ''}`.trim();
}

/** One request to the Jira simulator as Jira Align (a cloud service on the internet) would send it. */
function call(world: OAuthWorld, method: string, url: string, authorization: string): Promise<Answer> {
  const target = new URL(url);
  if (world.network.dnsBroken(target.hostname) || target.protocol !== 'http:')
    return Promise.resolve({ status: 0, form: new URLSearchParams() });
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: world.jira.port,
        method,
        path: target.pathname + target.search,
        headers: {
          host: target.host,
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': '0',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const challenge = String(res.headers['www-authenticate'] ?? '');
          const fromHeader = /oauth_problem="([^"]+)"/.exec(challenge)?.[1];
          const form = body.trim().startsWith('<') ? new URLSearchParams() : new URLSearchParams(body);
          if (!form.has('oauth_problem') && fromHeader) form.set('oauth_problem', fromHeader);
          resolve({ status: res.statusCode ?? 0, form });
        });
      },
    );
    req.on('error', () => resolve({ status: 0, form: new URLSearchParams() }));
    req.end();
  });
}
