/**
 * The simulators the Data Center and Jira Align checks run against, asserted over real HTTP: the applinks REST
 * resources (admin only, applinks' error entities, Jira's reading of public keys), Data Center's differences
 * (Bearer ignored before 8.14, myself without accountId, project/{key}), and the Jira Align simulator. Also the
 * SPKI fingerprint, against node-forge as an independent implementation.
 */
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPublicKey } from '../../../src/atlassian/rsa-keys.js';

const spkiFingerprint = (text: string): string | undefined => {
  const inspection = inspectPublicKey(text);
  return inspection.kind === 'private-key' || inspection.kind === 'malformed'
    ? undefined
    : inspection.fingerprint;
};

import { AlignSim } from '../../../src/sandbox/align-sim.js';
import { legacyApplinks } from '../../../src/sandbox/applinks.js';
import { JiraSim } from '../../../src/sandbox/jira-sim.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

function call(
  port: number,
  host: string,
  path: string,
  init: { method?: string; auth?: string; body?: string } = {},
) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: init.method ?? 'GET',
        headers: {
          host,
          ...(init.auth ? { authorization: init.auth } : {}),
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spkiPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const bare = spkiPem.replace(/-----[A-Z ]+-----|\s/g, '');
const pkcs1Pem = pair.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();

describe('spkiFingerprint', () => {
  it('agrees with node-forge’s SPKI SHA-256 fingerprint for every accepted form of the same key', () => {
    const md = forge.md.sha256.create();
    const forgeHex = forge.pki.getPublicKeyFingerprint(forge.pki.publicKeyFromPem(spkiPem), {
      md,
      type: 'SubjectPublicKeyInfo',
      encoding: 'hex',
      delimiter: ':',
    });
    const expected = `SHA256:${forgeHex}`;
    expect(expected).toMatch(/^SHA256:([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(spkiFingerprint(spkiPem)).toBe(expected);
    expect(spkiFingerprint(`\n  ${bare}\n`)).toBe(expected);
    expect(spkiFingerprint(bare.replace(/(.{64})/g, '$1\n'))).toBe(expected);
    expect(spkiFingerprint(pkcs1Pem)).toBe(expected);
  });

  it('reads no private key, certificate, other key or garbage', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(spkiFingerprint(other.export({ type: 'spki', format: 'pem' }).toString())).not.toBe(
      spkiFingerprint(spkiPem),
    );
    expect(
      spkiFingerprint(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    ).toBeUndefined();
    expect(
      spkiFingerprint(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    ).toBeUndefined();
    expect(spkiFingerprint('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toBeUndefined();
    expect(spkiFingerprint('ssh-rsa AAAAB3NzaC1yc2E me@host')).toBeUndefined();
    expect(spkiFingerprint(bare.slice(0, 100))).toBeUndefined();
    expect(spkiFingerprint('')).toBeUndefined();
  });
});

describe('Jira simulator, Data Center', () => {
  let jira: JiraSim;
  beforeAll(async () => {
    jira = await new JiraSim().start();
  });
  afterAll(async () => {
    await jira.stop();
  });

  function dc(host: string, version = '9.12.4') {
    const site = jira.addSite({ host, kind: 'datacenter', version });
    const admin = site.addAccount({ email: 'admin', token: 'pw-admin', pat: `pat-admin-${host}` });
    const user = site.addAccount({ email: 'user', token: 'pw-user', pat: `pat-user-${host}`, admin: false });
    site.addProject('ALIGN');
    return { site, admin: `Bearer ${admin.pat}`, user: `Bearer ${user.pat}` };
  }

  it('myself answers key and name, no accountId; Jira before 8.14 ignores the Bearer header', async () => {
    const now = dc('new.dc.test');
    const old = dc('old.dc.test', '8.13.5');
    const me = await call(jira.port, 'new.dc.test', '/rest/api/2/myself', { auth: now.admin });
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({ name: 'admin', key: expect.any(String) });
    expect(me.json()).not.toHaveProperty('accountId');
    expect((await call(jira.port, 'old.dc.test', '/rest/api/2/myself', { auth: old.admin })).status).toBe(
      401,
    );
    expect(
      (await call(jira.port, 'new.dc.test', '/rest/api/2/project/ALIGN', { auth: now.admin })).status,
    ).toBe(200);
    const hidden = await call(jira.port, 'new.dc.test', '/rest/api/2/project/ALIGN', { auth: now.user });
    expect(hidden.status).toBe(404);
    expect(hidden.json()).toEqual({
      errorMessages: ["No project could be found with key 'ALIGN'."],
      errors: {},
    });
  });

  it('applinks: administrators only, the consumer read and set like Jira, bad keys refused', async () => {
    const { site, admin, user } = dc('links.dc.test');
    const link = site.addAppLink('https://acme.jiraalign.com');
    const base = `/rest/applinks-oauth/1.0/applicationlink/${link.id}/authentication/consumer`;
    const get = (path: string, auth?: string) => call(jira.port, 'links.dc.test', path, auth ? { auth } : {});
    const put = (body: unknown) =>
      call(jira.port, 'links.dc.test', base, { method: 'PUT', auth: admin, body: JSON.stringify(body) });

    expect((await get('/rest/applinks/3.0/applinks')).status).toBe(401);
    expect((await get('/rest/applinks/3.0/applinks', user)).status).toBe(403);
    const list = await get('/rest/applinks/3.0/applinks', admin);
    expect(list.json()).toEqual([
      expect.objectContaining({ id: link.id, rpcUrl: 'https://acme.jiraalign.com' }),
    ]);

    const denied = await get(base, user);
    expect([denied.status, denied.json()]).toEqual([
      401,
      { status: 401, message: ['applinks.error.only.admin'] },
    ]);
    const none = await get(base, admin);
    expect([none.status, none.json()]).toEqual([
      404,
      { status: 404, message: ['applinks.generic.consumer.needs.authenticationprovider'] },
    ]);

    const invalid = { status: 400, message: ['applinks.invalid.consumer.publickey'] };
    for (const publicKey of [pkcs1Pem, 'not a key', bare.slice(0, 120)]) {
      const refused = await put({ key: 'alignbot', name: 'Jira Align', publicKey, outgoing: false });
      expect([refused.status, refused.json()]).toEqual([400, invalid]);
    }
    const noKey = await put({ name: 'Jira Align', publicKey: bare });
    expect(noKey.json()).toEqual({
      status: 400,
      message: ['auth.oauth.config.consumer.serviceprovider.key.is.required'],
    });
    expect(link.consumer).toBeUndefined();

    expect(
      (await put({ key: 'alignbot', name: 'Jira Align', publicKey: bare, outgoing: false })).status,
    ).toBe(201);
    expect(link.consumer).toEqual({ key: 'alignbot', name: 'Jira Align', publicKey: bare });
    const read = (await get(base, admin)).json() as { consumers: Array<{ key: string; publicKey: string }> };
    expect(read.consumers).toHaveLength(1);
    expect(read.consumers[0]!.key).toBe('alignbot');
    expect(read.consumers[0]!.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(spkiFingerprint(read.consumers[0]!.publicKey)).toBe(spkiFingerprint(bare));

    expect(
      (await get(`/rest/applinks/1.0/applicationlink/${link.id}/authentication/consumer`, admin)).status,
    ).toBe(404);
    legacyApplinks.add(site);
    expect((await get(base, admin)).json()).toMatchObject({ 'status-code': 404 });
    const legacy = await get(`/rest/applinks/1.0/applicationlink/${link.id}/authentication/consumer`, admin);
    expect(legacy.status).toBe(200);
    const unknown = await get('/rest/applinks/1.0/applicationlink/nope/authentication/consumer', admin);
    expect(unknown.json()).toEqual({ status: 404, message: ['applinks.notfound'] });
  });
});

describe('Jira Align simulator', () => {
  let align: AlignSim;
  const token = 'user:999999|w~h<1p7Fj$z]tR@F&qT7bUeF/0Y[1tN{hmqP2E;T';
  beforeAll(async () => {
    align = await new AlignSim().start();
  });
  afterAll(async () => {
    await align.stop();
  });

  it('bearer tokens compared verbatim, pages of at most 100, 404 with an empty body for unknown routes', async () => {
    const instance = align.addInstance('sim.jiraalign.com');
    instance.addUser(token);
    const connector = instance.addConnector(3);
    for (let i = 0; i < 130; i += 1) instance.addProject(connector, `P${i}`, i === 120 ? 'boom' : null);
    const get = (path: string, auth?: string) =>
      call(align.port, 'sim.jiraalign.com', path, auth ? { auth } : {});

    const anonymous = await get('/rest/align/api/2/Users?$top=1');
    expect([anonymous.status, anonymous.headers['www-authenticate'], anonymous.json()]).toEqual([
      401,
      'Bearer',
      { message: 'Authorization has been denied for this request.' },
    ]);
    expect((await get('/rest/align/api/2/Users?$top=1', `bearer ${token}`)).status).toBe(200);
    expect((await get('/rest/align/api/2/Users?$top=1', `bearer ${encodeURIComponent(token)}`)).status).toBe(
      401,
    );
    expect((await get('/rest/align/api/2/Users?$top=1', `bearer ${token.slice(0, -1)}`)).status).toBe(401);

    const first = (await get('/rest/align/api/2/connectors/3/projects?$top=500', `bearer ${token}`)).json();
    expect(first).toHaveLength(100);
    const second = (
      await get('/rest/align/api/2/Connectors/3/Projects?$top=100&$skip=100', `bearer ${token}`)
    ).json();
    expect(second).toHaveLength(30);
    expect((second as Array<{ errorMessage: string | null }>)[20]!.errorMessage).toBe('boom');
    expect((await get('/rest/align/api/2/connectors/9/boards', `bearer ${token}`)).status).toBe(404);

    const unknown = await get('/rest/align/api/2/NoSuchThing', `bearer ${token}`);
    expect([unknown.status, unknown.body]).toEqual([404, '']);
    expect(unknown.headers['cf-ray']).toMatch(/^[0-9a-f]{16}-FRA$/);
  });

  it('faults: Cloudflare’s 403 error 1006 page and a 502 gateway page, before any route', async () => {
    const instance = align.addInstance('faults.jiraalign.com');
    instance.fault = 'ip-blocked';
    const blocked = await call(align.port, 'faults.jiraalign.com', '/rest/align/api/2/Users');
    expect(blocked.status).toBe(403);
    expect(blocked.headers['content-type']).toMatch(/text\/html/);
    expect(blocked.body).toContain('1006');
    expect(blocked.body).toContain('id="cf-footer-ip">127.0.0.1<');
    instance.fault = 'server-error';
    expect((await call(align.port, 'faults.jiraalign.com', '/anything')).status).toBe(502);
  });
});
