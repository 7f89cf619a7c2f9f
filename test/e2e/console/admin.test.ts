/**
 * The simulated admin consoles' functions (src/sandbox/admin/): what a Jira admin and a Jira Align admin click,
 * checked against what the simulators then answer — the same answers the bot's probes read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_PERMISSIONS } from '../../../src/core/runbooks/checks/jira.js';
import { accessRequest, authorize, decideAccess } from '../../../src/sandbox/admin/align-oauth.js';
import {
  AdminError,
  createApiToken,
  createAppLink,
  renameSite,
  revokeApiToken,
  setTokenExpiry,
  tokensOf,
  updateAppLink,
} from '../../../src/sandbox/admin/jira-admin.js';
import { SandboxWorld } from '../../../src/sandbox/admin/world.js';
import { AlignSim } from '../../../src/sandbox/align-sim.js';
import { JiraSim } from '../../../src/sandbox/jira-sim.js';
import type { JiraSite } from '../../../src/sandbox/jira-site.js';
import { oauthState } from '../../../src/sandbox/oauth-provider.js';
import { rawCall } from '../../helpers/oauth-site.js';

let jira: JiraSim;
let align: AlignSim;
let world: SandboxWorld;

beforeAll(async () => {
  jira = await new JiraSim().start();
  align = await new AlignSim().start();
  world = new SandboxWorld(jira, align, { '*.atlassian.net': '127.0.0.1' }, 2000);
});

afterAll(async () => {
  await Promise.all([jira.stop(), align.stop(), world.stop()]);
});

function site(name: string): JiraSite {
  const host = `${name}.atlassian.net`;
  const s = jira.addSite({ host, baseUrl: jira.siteUrl(host) });
  const account = s.addAccount({
    email: `svc@${name}.example`,
    token: '',
    accountType: 'app',
    appType: 'service',
  });
  s.addProject('ALIGN');
  s.grantAll(account, 'ALIGN', PROJECT_PERMISSIONS);
  return s;
}

async function myself(s: JiraSite, email: string, token: string, host = s.host) {
  const auth = `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;
  return (await rawCall(jira, host, 'GET', '/rest/api/2/myself', { authorization: auth })).status;
}

describe('Jira admin: API tokens', () => {
  it('a created token works until it is revoked; its expiry is enforced; the value is returned once', async () => {
    const s = site('tok');
    const email = 'svc@tok.example';
    const token = createApiToken(s, email, { label: 'Align connector' });
    expect(token.value).toMatch(/^ATATT3x/);
    expect(await myself(s, email, token.value)).toBe(200);
    setTokenExpiry(s, email, token.id, Date.now() - 1000);
    expect(await myself(s, email, token.value)).toBe(401);
    setTokenExpiry(s, email, token.id, undefined);
    expect(await myself(s, email, token.value)).toBe(200);
    revokeApiToken(s, email, token.id);
    expect(await myself(s, email, token.value)).toBe(401);
    expect(() => createApiToken(s, email, { expiresAt: Date.now() + 400 * 24 * 3600_000 })).toThrow(
      AdminError,
    );
  });

  it('the token an account was created with is listed and can be revoked like the others', async () => {
    const s = jira.addSite({ host: 'init.atlassian.net', baseUrl: jira.siteUrl('init.atlassian.net') });
    s.addAccount({ email: 'svc@init.example', token: 'initial-token-value' });
    expect(await myself(s, 'svc@init.example', 'initial-token-value')).toBe(200);
    const [initial] = tokensOf(s.accounts[0]!);
    expect(initial).toMatchObject({ id: 'initial', value: 'initial-token-value' });
    expect(await myself(s, 'svc@init.example', 'initial-token-value')).toBe(200);
    expect(await myself(s, 'svc@init.example', '')).toBe(401);
    revokeApiToken(s, 'svc@init.example', 'initial');
    expect(await myself(s, 'svc@init.example', 'initial-token-value')).toBe(401);
  });

  it('a scoped token works only through the gateway', async () => {
    const s = site('scoped');
    const token = createApiToken(s, 'svc@scoped.example', { scoped: true });
    expect(await myself(s, 'svc@scoped.example', token.value)).toBe(401);
    const auth = `Basic ${Buffer.from(`svc@scoped.example:${token.value}`).toString('base64')}`;
    const viaGateway = await rawCall(
      jira,
      jira.gatewayHost,
      'GET',
      `/ex/jira/${s.cloudId}/rest/api/2/myself`,
      {
        authorization: auth,
      },
    );
    expect(viaGateway.status).toBe(200);
  });
});

describe('Jira admin: site and links', () => {
  it('a renamed site redirects to its new name; renaming back undoes it', async () => {
    const s = site('oldname');
    const renamed = renameSite(jira, s, 'newname');
    expect(renamed.host).toBe('newname.atlassian.net');
    const answer = await rawCall(jira, s.host, 'GET', '/rest/api/2/serverInfo');
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toContain('newname.atlassian.net');
    renameSite(jira, renamed, 'oldname');
    expect(jira.sites.has('newname.atlassian.net')).toBe(false);
    expect((await rawCall(jira, s.host, 'GET', '/rest/api/2/serverInfo')).status).toBe(200);
  });

  it('an application link takes only a public key Jira can read', () => {
    const s = site('links');
    const link = createAppLink(s, 'https://links.jiraalign.com/', 'Jira Align');
    expect(link.rpcUrl).toBe('https://links.jiraalign.com');
    expect(() => createAppLink(s, 'not a url')).toThrow(AdminError);
    expect(() => updateAppLink(s, link.id, { consumerKey: 'k', publicKey: 'not a key' })).toThrow(
      /cannot read/,
    );
    expect(() => updateAppLink(s, link.id, { consumerKey: '', publicKey: 'x' })).toThrow(/Consumer Key/);
  });
});

describe('Jira Align admin', () => {
  function connector(name: string) {
    const instance = align.addInstance(`${name}.jiraalign.com`);
    const c = world.align.add(instance);
    return { instance, c };
  }

  it('Basic Auth: Save, Activate, sync errors follow the Jira token; a changed token needs Deactivate first', () => {
    const s = site('basic');
    const email = 'svc@basic.example';
    const token = createApiToken(s, email, {});
    const { c } = connector('basic');
    world.align.addProject(c, 'ALIGN');
    expect(() => world.align.activate(c)).toThrow(/Jira Link/);
    world.align.save(c, {
      name: 'basic',
      jiraLink: `${jira.siteUrl(s.host)}/browse/`,
      apiUrl: jira.siteUrl(s.host),
      authType: 'basic',
      username: email,
      apiToken: token.value,
    });
    world.align.activate(c);
    world.changed();
    expect(c.connector.projects[0]!.errorMessage).toBeNull();
    revokeApiToken(s, email, token.id);
    world.changed();
    expect(c.connector.projects[0]!.errorMessage).toMatch(/401/);
    const next = createApiToken(s, email, {});
    expect(() => world.align.save(c, { apiToken: next.value })).toThrow(/Deactivate the connector first/);
    world.align.deactivate(c);
    world.align.save(c, { apiToken: next.value });
    world.changed();
    expect(c.connector.projects[0]!.errorMessage).toMatch(/401/);
    world.align.activate(c);
    world.changed();
    expect(c.connector.projects[0]!.errorMessage).toBeNull();
  });

  it('a gray Service Light refuses Activate until Support enables the service', () => {
    const { c } = connector('gray');
    world.align.setServiceLight(c, 'gray');
    expect(() => world.align.activate(c)).toThrow(/Service Light is gray/);
  });

  it('OAuth: Authorize fails while Jira lacks the consumer key, then Request access → Allow completes it', async () => {
    const s = site('oauthco');
    const { instance, c } = connector('oauthco');
    world.align.save(c, {
      name: 'oauthco',
      jiraLink: `${jira.siteUrl(s.host)}/browse/`,
      apiUrl: jira.siteUrl(s.host),
      authType: 'oauth',
      consumerKey: 'jira-align-oauthco',
    });
    const publicPem = world.align.generateKey(c);
    expect(publicPem).toContain('BEGIN PUBLIC KEY');

    await authorize(world, c);
    expect(c.oauth).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('consumer_key_unknown'),
    });

    const link = createAppLink(s, align.instanceUrl(instance.host));
    updateAppLink(s, link.id, { consumerKey: 'jira-align-oauthco', publicKey: publicPem });
    await authorize(world, c);
    expect(c.oauth.status).toBe('requested');
    expect(accessRequest(world, c).accounts).toEqual(['svc@oauthco.example']);
    await decideAccess(world, c, 'svc@oauthco.example', true);
    expect(c.oauth).toMatchObject({ status: 'authorized', authorizedAs: 'svc@oauthco.example' });
    expect(oauthState(s).tokens.get(c.oauth.accessToken!)?.kind).toBe('access');

    world.align.addProject(c, 'ALIGN');
    world.align.activate(c);
    world.changed();
    expect(c.connector.projects[0]!.errorMessage).toBeNull();
    // A new public key in Jira's link drops the tokens issued under the old one.
    world.align.deactivate(c);
    updateAppLink(s, link.id, { publicKey: world.align.generateKey(c) });
    expect(() => world.align.activate(c)).toThrow(/Authorize/);
  });

  it('Deny on Jira’s page leaves OAuth unauthorized', async () => {
    const s = site('denied');
    const { instance, c } = connector('denied');
    world.align.save(c, {
      name: 'denied',
      jiraLink: jira.siteUrl(s.host),
      apiUrl: jira.siteUrl(s.host),
      authType: 'oauth',
      consumerKey: 'jira-align-denied',
    });
    const link = createAppLink(s, align.instanceUrl(instance.host));
    updateAppLink(s, link.id, { consumerKey: 'jira-align-denied', publicKey: world.align.generateKey(c) });
    await authorize(world, c);
    await decideAccess(world, c, 'svc@denied.example', false);
    expect(c.oauth).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('permission_denied'),
    });
  });
});
