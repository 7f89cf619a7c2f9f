/**
 * Jira Data Center through the CLI (`align-bot test --dc … --json`) against the Jira simulator: PAT as Bearer, the
 * version PATs need, `myself` without an accountId, login page and CAPTCHA, and the application link to Jira Align
 * read through the applinks REST API — one row per outcome, each asserting the exact code in the JSON.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPublicKey } from '../../../src/atlassian/rsa-keys.js';

const spkiFingerprint = (text: string): string | undefined => {
  const inspection = inspectPublicKey(text);
  return inspection.kind === 'private-key' || inspection.kind === 'malformed'
    ? undefined
    : inspection.fingerprint;
};

import { legacyApplinks } from '../../../src/sandbox/applinks.js';
import type { JiraSite } from '../../../src/sandbox/jira-site.js';
import { CliWorld } from '../../helpers/cli-world.js';
import { registerSecret } from '../../helpers/leaks.js';

let w: CliWorld;
const keys: { a: KeyObject; b: KeyObject; privateA: string } = {} as never;

beforeAll(async () => {
  w = await CliWorld.start();
  const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keys.a = a.publicKey;
  keys.b = b.publicKey;
  keys.privateA = a.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  registerSecret(keys.privateA, 'private key A (test-dc)');
  w.secrets.push(keys.privateA.replace(/-----[A-Z ]+-----|\s/g, '').slice(0, 64));
});

afterAll(async () => {
  await w.stop();
});

const spkiPem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const bare = (k: KeyObject) => spkiPem(k).replace(/-----[A-Z ]+-----|\s/g, '');
const CONSUMER_KEY = 'alignbot_ck';

interface Expect {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  code?: string;
  detail?: RegExp;
}

/** A healthy DC site with a PAT plus a Jira Align instance; `link` shapes the application link for the row. */
function linkRow(name: string, link: (site: JiraSite, alignUrl: string) => void, keyFile?: string) {
  const dc = w.dcSite(name);
  const align = w.alignInstance(name);
  link(dc.site, align.url);
  return [
    ...['--jira', dc.url, '--dc', '--pat-env', dc.patEnv, '--project', 'ALIGN', '--align', align.url],
    ...[
      '--consumer-key',
      CONSUMER_KEY,
      '--public-key-file',
      keyFile ?? w.file(`${name}.pem`, spkiPem(keys.a)),
    ],
  ];
}

const rows: Array<{ name: string; argv: () => string[]; expect: Expect[]; exit: number }> = [
  {
    name: 'Jira 8.13 predates Personal Access Tokens: JIRA_AUTH_REJECTED before any login is tried',
    argv: () => {
      const dc = w.dcSite('dc-old', { version: '8.13.27' });
      return ['--jira', dc.url, '--dc', '--pat-env', dc.patEnv];
    },
    expect: [
      { id: 'server', status: 'pass', detail: /Jira 8\.13\.27 \(Server\)/ },
      {
        id: 'pat',
        status: 'fail',
        code: 'JIRA_AUTH_REJECTED',
        detail: /8\.13\.27 predates Personal Access Tokens/,
      },
      { id: 'auth', status: 'skip', detail: /does not accept Personal Access Tokens/ },
    ],
    exit: 1,
  },
  {
    name: 'a PAT this Jira does not know: JIRA_AUTH_REJECTED',
    argv: () => {
      const dc = w.dcSite('dc-badpat');
      return ['--jira', dc.url, '--dc', '--pat-env', w.secret('dc_badpat_wrong', 'NjMwrong-pat-value')];
    },
    expect: [
      { id: 'pat', status: 'pass' },
      { id: 'auth', status: 'fail', code: 'JIRA_AUTH_REJECTED' },
    ],
    exit: 1,
  },
  {
    name: 'a login page where JSON was expected: JIRA_LOGIN_PAGE',
    argv: () => {
      const dc = w.dcSite('dc-login');
      dc.site.fault = 'login-page';
      return ['--jira', dc.url, '--dc', '--pat-env', dc.patEnv];
    },
    expect: [{ id: 'auth', status: 'fail', code: 'JIRA_LOGIN_PAGE', detail: /HTML page instead of JSON/ }],
    exit: 1,
  },
  {
    name: 'Basic auth after too many failed logins: JIRA_CAPTCHA_REQUIRED',
    argv: () => {
      const dc = w.dcSite('dc-captcha');
      dc.site.fault = 'captcha';
      return ['--jira', dc.url, '--dc', '--email', 'svc-align', '--token-env', dc.passwordEnv];
    },
    expect: [
      { id: 'pat', status: 'skip' },
      { id: 'auth', status: 'fail', code: 'JIRA_CAPTCHA_REQUIRED', detail: /CAPTCHA_CHALLENGE/ },
    ],
    exit: 1,
  },
  {
    name: 'no application link has the Jira Align URL: OAUTH_CONSUMER_KEY_UNKNOWN',
    argv: () =>
      linkRow('dc-nolink', (site) => {
        site.addAppLink('https://someone-else.jiraalign.com', 'Old Align').consumer = {
          key: CONSUMER_KEY,
          name: 'Old Align',
          publicKey: bare(keys.a),
        };
      }),
    expect: [
      {
        id: 'applink',
        status: 'fail',
        code: 'OAUTH_CONSUMER_KEY_UNKNOWN',
        detail:
          /No application link has the URL http:\/\/dc-nolink\.jiraalign\.com:\d+ .*“Old Align” → https:\/\/someone-else/,
      },
    ],
    exit: 1,
  },
  {
    name: 'the link has no incoming consumer: OAUTH_CONSUMER_KEY_UNKNOWN',
    argv: () => linkRow('dc-noconsumer', (site, url) => void site.addAppLink(url)),
    expect: [
      {
        id: 'applink',
        status: 'fail',
        code: 'OAUTH_CONSUMER_KEY_UNKNOWN',
        detail: /no incoming OAuth consumer/,
      },
    ],
    exit: 1,
  },
  {
    name: 'the link’s consumer key differs: OAUTH_CONSUMER_KEY_UNKNOWN',
    argv: () =>
      linkRow('dc-wrongkey', (site, url) => {
        site.addAppLink(url).consumer = { key: 'jira-align-old', name: 'Align', publicKey: bare(keys.a) };
      }),
    expect: [
      {
        id: 'applink',
        status: 'fail',
        code: 'OAUTH_CONSUMER_KEY_UNKNOWN',
        detail: /consumer key “jira-align-old”, not “alignbot_ck”/,
      },
    ],
    exit: 1,
  },
  {
    name: 'the link holds another public key: OAUTH_SIGNATURE_INVALID with both fingerprints',
    argv: () =>
      linkRow('dc-otherkey', (site, url) => {
        site.addAppLink(url).consumer = { key: CONSUMER_KEY, name: 'Align', publicKey: bare(keys.b) };
      }),
    expect: [
      { id: 'applink', status: 'fail', code: 'OAUTH_SIGNATURE_INVALID', detail: /different public key/ },
    ],
    exit: 1,
  },
  {
    name: 'an older applinks bundle and a PKCS#1 key file: the same key matches through /rest/applinks/1.0',
    argv: () => {
      const pkcs1 = keys.a.export({ type: 'pkcs1', format: 'pem' }).toString();
      return linkRow(
        'dc-legacy',
        (site, url) => {
          legacyApplinks.add(site);
          site.addAppLink(url).consumer = { key: CONSUMER_KEY, name: 'Align', publicKey: spkiPem(keys.a) };
        },
        w.file('dc-legacy-pkcs1.pem', pkcs1),
      );
    },
    expect: [{ id: 'applink', status: 'pass', detail: /consumer key “alignbot_ck” and the same public key/ }],
    exit: 0,
  },
  {
    name: 'the service account is no administrator: JIRA_NOT_ADMIN warns and the link check says why it skipped',
    argv: () => {
      const argv = linkRow('dc-notadmin', (site, url) => {
        site.addAppLink(url).consumer = { key: CONSUMER_KEY, name: 'Align', publicKey: bare(keys.a) };
      });
      w.jira.sites.get('dc-notadmin.corp.example')!.accounts[0]!.admin = false;
      return argv;
    },
    expect: [
      { id: 'admin', status: 'warn', code: 'JIRA_NOT_ADMIN' },
      { id: 'applink', status: 'skip', detail: /needs a Jira administrator: Jira answered 403/ },
    ],
    exit: 0,
  },
  {
    name: 'a private key given as the public key: OAUTH_PRIVATE_KEY_PASTED, and nothing is sent',
    argv: () =>
      linkRow('dc-private', (site, url) => void site.addAppLink(url), w.file('private.pem', keys.privateA)),
    expect: [
      { id: 'applink', status: 'fail', code: 'OAUTH_PRIVATE_KEY_PASTED', detail: /treat it as leaked/ },
    ],
    exit: 1,
  },
  {
    name: 'an unreadable public key file: OAUTH_PUBLIC_KEY_MALFORMED',
    argv: () =>
      linkRow(
        'dc-garbage',
        (site, url) => void site.addAppLink(url),
        w.file('garbage.pem', 'ssh-rsa AAAA… me@host'),
      ),
    expect: [{ id: 'applink', status: 'fail', code: 'OAUTH_PUBLIC_KEY_MALFORMED' }],
    exit: 1,
  },
];

describe('align-bot test --dc', () => {
  it('a healthy Data Center site with a PAT, its link and Jira Align: every check passes', async () => {
    const dc = w.dcSite('dc-healthy');
    const align = w.alignInstance('dc-healthy');
    dc.site.addAppLink(align.url).consumer = {
      key: CONSUMER_KEY,
      name: 'Jira Align',
      publicKey: bare(keys.a),
    };
    const run = await w.run([
      ...['--jira', dc.url, '--dc', '--pat-env', dc.patEnv, '--project', 'ALIGN'],
      ...['--align', align.url, '--align-token-env', align.tokenEnv, '--align-connector', '1'],
      ...['--consumer-key', CONSUMER_KEY, '--public-key-file', w.file('healthy.pem', spkiPem(keys.a))],
    ]);
    expect(run.report.checks.map((c) => c.id)).toEqual([
      ...[
        'egress',
        'dns',
        'reach',
        'clock',
        'server',
        'pat',
        'auth',
        'product',
        'admin',
        'project',
        'applink',
      ],
      ...['oauth-key-format', 'oauth-public-key', 'oauth-consumer', 'oauth-token'],
      ...['align-host', 'align-reach', 'align-token', 'align-sync'],
    ]);
    // Without a stored access token of the bot's own, the token check has nothing to test.
    expect(run.report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}:${c.status}`)).toEqual([
      'oauth-token:skip',
    ]);
    expect(run.code).toBe(0);
    expect(run.check('server').detail).toMatch(/\(Server\)/);
    expect(run.check('auth').detail).toMatch(
      /Align Service .*\(user name svc-align\) with a Personal Access Token/,
    );
    expect(run.check('applink').detail).toContain(spkiFingerprint(spkiPem(keys.a))!);
    // myself on Data Center carries key and name, never an accountId; the PAT went as Bearer.
    expect(dc.site.hits.get('/rest/api/2/myself')).toBe(1);
    expect(dc.site.hits.get('/rest/api/2/project/ALIGN')).toBe(1);
  });

  it.each(rows)('$name', async (row) => {
    const run = await w.run(row.argv());
    for (const e of row.expect) {
      const check = run.check(e.id);
      expect({ id: check.id, status: check.status, code: check.code }).toEqual({
        id: e.id,
        status: e.status,
        code: e.code,
      });
      if (e.detail) expect(check.detail).toMatch(e.detail);
    }
    expect(run.code).toBe(row.exit);
  });

  it('the fallback reached the legacy consumer resource and the public keys were compared by fingerprint', () => {
    const legacy = w.jira.sites.get('dc-legacy.corp.example')!;
    const consumerPath = (base: string) =>
      `/rest/${base}/1.0/applicationlink/${legacy.appLinks[0]!.id}/authentication/consumer`;
    expect(legacy.hits.get(consumerPath('applinks-oauth'))).toBe(1);
    expect(legacy.hits.get(consumerPath('applinks'))).toBe(1);
    const other = w.jira.sites.get('dc-otherkey.corp.example')!;
    expect(other.hits.get('/rest/applinks/3.0/applinks')).toBe(1);
    const priv = w.jira.sites.get('dc-private.corp.example')!;
    expect(priv.hits.get('/rest/applinks/3.0/applinks')).toBeUndefined();
  });

  it('no PAT, password or private key appears in anything the CLI printed', () => {
    const printed = w.outputs.join('\n');
    expect(printed.length).toBeGreaterThan(1000);
    expect(printed).not.toContain('PRIVATE KEY');
    for (const secret of w.secrets) expect(printed).not.toContain(secret);
  });
});
