/**
 * An independent implementation agrees with our signer: Debian's python3-oauthlib (SignatureOnlyEndpoint, RSA-SHA1)
 * verifies requests our signer made — it parses the Authorization header, the query and the form body itself —
 * and rejects tampered ones. Needs /usr/bin/python3 with oauthlib; skips with the install command when it is
 * missing, and fails instead when ALIGN_BOT_REQUIRE_PEERS=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, type TestContext } from 'vitest';
import { NodeOAuth } from '../../../src/atlassian/oauth-adapter.js';
import { type SignInput, signRequest } from '../../../src/atlassian/oauth-signer.js';
import { Secret } from '../../../src/core/secret.js';
import { registerSecret } from '../../helpers/leaks.js';

const PYTHON = '/usr/bin/python3';
const INSTALL = 'sudo apt-get install python3-oauthlib python3-jwt python3-cryptography';

const VERIFIER = `
import json, sys
from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint

job = json.load(sys.stdin)

class Validator(RequestValidator):
    enforce_ssl = False
    @property
    def allowed_signature_methods(self):
        return ('RSA-SHA1',)
    @property
    def dummy_client(self):
        return 'dummy'
    def check_client_key(self, key):
        return True
    def check_nonce(self, nonce):
        return True
    def validate_client_key(self, key, request):
        return key == job['consumerKey']
    def validate_timestamp_and_nonce(self, key, timestamp, nonce, request, **kwargs):
        return True
    def get_rsa_key(self, key, request):
        return job['publicKey']

endpoint = SignatureOnlyEndpoint(Validator())
verdicts = []
for case in job['cases']:
    ok, _ = endpoint.validate_request(case['uri'], case['method'], case.get('body'), case['headers'])
    verdicts.append(ok)
print(json.dumps(verdicts))
`;

function peerProblem(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import oauthlib, jwt, cryptography; print(oauthlib.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.error) return `${PYTHON} is not available (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} lacks oauthlib, jwt or cryptography`;
  return undefined;
}

const problem = peerProblem();

function requirePeer(ctx: TestContext): void {
  if (!problem) return;
  const message = `${problem}. Install the peer: ${INSTALL}`;
  if (process.env.ALIGN_BOT_REQUIRE_PEERS === '1') throw new Error(message);
  ctx.skip(message);
}

interface Case {
  uri: string;
  method: string;
  body?: string;
  headers: Record<string, string>;
}

function oauthlibVerdicts(consumerKey: string, publicKey: string, cases: Case[]): boolean[] {
  const out = execFileSync(PYTHON, ['-c', VERIFIER], {
    input: JSON.stringify({ consumerKey, publicKey, cases }),
    encoding: 'utf8',
  });
  return JSON.parse(out) as boolean[];
}

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
registerSecret(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'oauth-python key');
const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const CONSUMER = 'jira-align-acme';

function signedCase(
  input: Omit<SignInput, 'consumerKey' | 'privateKey'>,
  privateKey = pair.privateKey,
): Case {
  const signed = signRequest({ ...input, consumerKey: CONSUMER, privateKey });
  const headers: Record<string, string> = { Authorization: signed.authorization };
  if (input.formBody !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return {
    uri: input.url,
    method: input.method,
    headers,
    ...(input.formBody !== undefined ? { body: input.formBody } : {}),
  };
}

const SEARCH =
  'HTTPS://Acme.Atlassian.NET:443/rest/api/2/search?jql=project%20%3D%20ALIGN&fields=a,b&q=1+2&q=%7E';

describe('python3-oauthlib verifies what our signer made', () => {
  it('accepts a GET with an access token and an awkward query, a request-token POST, and a form POST', (ctx) => {
    requirePeer(ctx);
    const cases = [
      signedCase({ method: 'GET', url: SEARCH, token: 'access-token-123' }),
      signedCase({
        method: 'POST',
        url: 'https://acme.atlassian.net/plugins/servlet/oauth/request-token',
        oauthParams: { oauth_callback: 'oob' },
      }),
      signedCase({
        method: 'POST',
        url: 'https://jira.example.com:8443/plugins/servlet/oauth/access-token?x=%2B',
        token: 'request-token-456',
        oauthParams: { oauth_verifier: 'a1b2c3' },
        formBody: 'a=b+c&d=%26e&d=f',
      }),
    ];
    expect(oauthlibVerdicts(CONSUMER, publicPem, cases)).toEqual([true, true, true]);
  });

  it('rejects a tampered query, a tampered signature, a changed body and another key', (ctx) => {
    requirePeer(ctx);
    const good = signedCase({ method: 'GET', url: SEARCH, token: 'access-token-123' });
    const query = { ...good, uri: `${good.uri}&extra=1` };
    const auth = good.headers.Authorization!;
    const sig = /oauth_signature="([^"]+)"/.exec(auth)![1]!;
    const flipped = sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    const signature = { ...good, headers: { Authorization: auth.replace(sig, flipped) } };
    const form = signedCase({ method: 'POST', url: 'https://acme.atlassian.net/x', formBody: 'a=1' });
    const body = { ...form, body: 'a=2' };
    const foreign = signedCase({ method: 'GET', url: SEARCH }, other.privateKey);
    expect(oauthlibVerdicts(CONSUMER, publicPem, [good, query, signature, body, foreign])).toEqual([
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('accepts the adapter’s signature with a PEM private key given as a Secret', async (ctx) => {
    requirePeer(ctx);
    const url = 'https://acme.atlassian.net/rest/api/2/myself';
    const signed = await new NodeOAuth().sign({
      method: 'GET',
      url,
      consumerKey: CONSUMER,
      token: new Secret('tok-789'),
      privateKey: new Secret(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    });
    const verdict = oauthlibVerdicts(CONSUMER, publicPem, [
      { uri: url, method: 'GET', headers: { Authorization: signed.authorization.reveal() } },
    ]);
    expect(verdict).toEqual([true]);
  });
});
