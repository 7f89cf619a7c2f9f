/**
 * The OAuth 1.0a checks of the test runbook (reference/atlassian.md §3, DESIGN.md §5): consumer key format, the
 * pasted public key, the consumer-key probe (request-token signed with a throwaway key: consumer_key_unknown vs
 * signature_invalid tells whether Jira knows the key, without Jira Align's private key) and a stored access token.
 */

import type { TestTarget } from '../../connector-spec.js';
import { checkConsumerKey, suggestConsumerKey } from '../../consumer-key.js';
import type { DiagnosisCode } from '../../diagnosis.js';
import type { Credential, HttpAnswer } from '../../ports.js';
import type { Secret } from '../../secret.js';
import { callJira, siteUrl, type TestContext } from './context.js';
import { classifyJiraAnswer, errorMessages, excerpt, header, parseJson } from './jira-answers.js';
import type { KeyInspection, OAuthSigned } from './oauth-port.js';
import { type CheckDef, type CheckOutcome, fail, pass, warn } from './run-checks.js';

type Check = CheckDef<TestContext>;

const REQUEST_TOKEN = 'plugins/servlet/oauth/request-token';
const MYSELF = 'rest/api/2/myself';
const AUTHORIZE_STEP =
  'The public key itself is proven only by Jira Align’s “Authorize Jira OAuth Access” (step 17).';

/** Which oauth_problem means which diagnosis, when a check has no more specific reading. */
const PROBLEM_CODES: Record<string, DiagnosisCode> = {
  consumer_key_unknown: 'OAUTH_CONSUMER_KEY_UNKNOWN',
  consumer_key_rejected: 'OAUTH_CONSUMER_KEY_UNKNOWN',
  consumer_key_refused: 'OAUTH_CONSUMER_KEY_UNKNOWN',
  timestamp_refused: 'OAUTH_TIMESTAMP_REFUSED',
  token_rejected: 'OAUTH_TOKEN_REJECTED',
  token_revoked: 'OAUTH_TOKEN_REJECTED',
  token_expired: 'OAUTH_TOKEN_REJECTED',
  token_used: 'OAUTH_TOKEN_REJECTED',
  token_not_authorized: 'OAUTH_TOKEN_REJECTED',
  permission_unknown: 'OAUTH_TOKEN_REJECTED',
  permission_denied: 'OAUTH_TOKEN_REJECTED',
  user_refused: 'OAUTH_TOKEN_REJECTED',
};

export function oauthApplies(target: TestTarget): boolean {
  const o = target.spec.oauth;
  return target.spec.auth === 'oauth' || o?.consumerKey !== undefined || o?.publicKey !== undefined;
}

export const consumerKeyCheck: Check = {
  id: 'oauth-key-format',
  title: 'OAuth consumer key format',
  skipIf: (ctx) =>
    ctx.target.spec.oauth?.consumerKey === undefined
      ? 'No OAuth consumer key given (--consumer-key).'
      : undefined,
  async run(ctx) {
    const key = ctx.target.spec.oauth!.consumerKey!;
    const verdict = checkConsumerKey(key);
    if (verdict.ok) return pass(`“${excerpt(key, 80)}” uses only letters, digits, “-” and “_”.`);
    return fail(
      'OAUTH_CONSUMER_KEY_INVALID',
      `${verdict.problem} Use the same valid key in Jira Align and in the Jira link, e.g. “${suggestConsumerKey(key)}”.`,
    );
  },
};

const KIND_TEXT: Record<KeyInspection['kind'], string> = {
  'spki-pem': 'An SPKI public key (BEGIN PUBLIC KEY)',
  'pkcs1-pem': 'A PKCS#1 RSA public key (BEGIN RSA PUBLIC KEY)',
  'bare-base64': 'An SPKI public key without BEGIN/END lines',
  certificate: 'An X.509 certificate',
  'private-key': 'A private key',
  malformed: 'Unreadable text',
};

export const publicKeyCheck: Check = {
  id: 'oauth-public-key',
  title: 'Jira Align public key',
  skipIf: (ctx) => {
    if (ctx.target.spec.oauth?.publicKey === undefined) return 'No public key given (--public-key-file).';
    return ctx.oauth ? undefined : 'Key inspection is not available here.';
  },
  async run(ctx) {
    return keyOutcome(ctx.oauth!.inspectPublicKey(ctx.target.spec.oauth!.publicKey!));
  },
};

export function keyOutcome(key: KeyInspection): CheckOutcome {
  if (key.kind === 'private-key') {
    return fail(
      'OAUTH_PRIVATE_KEY_PASTED',
      'This is a private key: Align Bot refused it and did not keep it. Treat it as leaked: click “Generate New Key” in Jira Align and use the new public key.',
    );
  }
  if (key.kind === 'malformed' || key.bits === undefined)
    return fail('OAUTH_PUBLIC_KEY_MALFORMED', key.problem ?? 'The key cannot be read.');
  const print = `Fingerprint ${key.fingerprint} (SHA-256 of the SubjectPublicKeyInfo).`;
  const facts = { publicKeyFingerprint: key.fingerprint, publicKeyBits: key.bits };
  const described = `${KIND_TEXT[key.kind]}, RSA ${key.bits} bits. ${print}`;
  if (key.bits < 1024)
    return fail('OAUTH_KEY_TOO_SMALL', `${described} Keys below 1024 bits are refused.`, facts);
  if (!key.jiraAccepts) {
    const body = (key.spkiPem ?? '').replace(/-----[A-Z ]+-----|\s/g, '');
    const small = key.bits < 2048 ? ' Also, keys below 2048 bits are weak.' : '';
    return warn(
      'OAUTH_PUBLIC_KEY_MALFORMED',
      `${described} Jira’s application link accepts only a SubjectPublicKeyInfo (BEGIN PUBLIC KEY, with or without those lines); paste the same key as: ${body}${small}`,
      facts,
    );
  }
  if (key.bits < 2048)
    return warn('OAUTH_KEY_TOO_SMALL', `${described} Use a key of at least 2048 bits.`, facts);
  return pass(described, facts);
}

export const consumerProbeCheck: Check = {
  id: 'oauth-consumer',
  title: 'Jira knows the OAuth consumer key',
  after: ['reach'],
  skipIf: (ctx) => {
    if (ctx.target.spec.oauth?.consumerKey === undefined)
      return 'No OAuth consumer key given (--consumer-key).';
    return ctx.oauth ? undefined : 'OAuth signing is not available here.';
  },
  async run(ctx) {
    const consumerKey = ctx.target.spec.oauth!.consumerKey!;
    const url = siteEndpoint(ctx, REQUEST_TOKEN);
    const signed = await signOrFail(ctx, {
      method: 'POST',
      url,
      consumerKey,
      oauthParams: { oauth_callback: 'oob' },
    });
    if ('status' in signed) return signed;
    const answer = await callJira(ctx, {
      path: url,
      method: 'POST',
      auth: headerAuth(signed.authorization),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    const problem = oauthProblem(answer);
    if (problem.name === 'signature_invalid') return probeSignatureInvalid(problem, signed);
    if (problem.name === 'consumer_key_unknown') {
      return fail(
        'OAUTH_CONSUMER_KEY_UNKNOWN',
        `request-token answered ${answer.status} oauth_problem=consumer_key_unknown: no application link has an incoming consumer “${excerpt(consumerKey, 80)}”.`,
      );
    }
    if (problem.name === 'timestamp_refused') return timestampRefused(ctx, problem, signed);
    if (problem.name) return problemOutcome(answer, problem);
    if (answer.status === 200 && /(^|&)oauth_token=/.test(answer.body))
      return pass(`Jira issued a request token for “${excerpt(consumerKey, 80)}”: the key is registered.`);
    return unexpected(answer, 'request-token');
  },
};

function probeSignatureInvalid(problem: Problem, signed: OAuthSigned): CheckOutcome {
  const registered = `Jira knows the consumer key: it answered signature_invalid to a request signed with Align Bot’s throwaway key, as expected. ${AUTHORIZE_STEP}`;
  const theirs = problem.params.get('oauth_signature_base_string');
  // The probe carries no token, so both base strings are safe to compare and quote.
  const ours = signed.baseString.reveal();
  if (!theirs || theirs === ours) return pass(registered);
  const [, theirUri = ''] = theirs.split('&');
  const [, ourUri = ''] = ours.split('&');
  const where =
    theirUri !== ourUri
      ? `Jira sees the URL as ${excerpt(safeDecode(theirUri), 120)}, Align Bot called ${safeDecode(ourUri)}`
      : 'the signed parameters differ';
  return warn(
    'OAUTH_SIGNATURE_INVALID',
    `${registered} But Jira computed a different signature base string: ${where}. Jira Align’s signatures would fail the same way (check the application URL, proxy and http/https).`,
  );
}

function timestampRefused(ctx: TestContext, problem: Problem, signed: OAuthSigned): CheckOutcome {
  const range = /^(\d+)-(\d+)$/.exec(problem.params.get('oauth_acceptable_timestamps') ?? '');
  const fromDate = ctx.facts.clockSkewMs as number | undefined;
  const skewS = range
    ? Math.round((Number(range[1]) + Number(range[2])) / 2 - signed.timestamp)
    : fromDate !== undefined
      ? Math.round(fromDate / 1000)
      : undefined;
  const source = range ? 'oauth_acceptable_timestamps' : 'the Date header';
  const measured =
    skewS === undefined
      ? 'The skew could not be measured.'
      : `Jira’s clock is ${Math.abs(skewS)} s ${skewS >= 0 ? 'ahead of' : 'behind'} this machine’s (from ${source}); Jira accepts ±300 s.`;
  return fail('OAUTH_TIMESTAMP_REFUSED', `Jira answered oauth_problem=timestamp_refused. ${measured}`, {
    ...(skewS !== undefined ? { oauthClockSkewS: skewS } : {}),
  });
}

export const accessTokenCheck: Check = {
  id: 'oauth-token',
  title: 'Stored OAuth access token works',
  after: ['reach'],
  skipIf: (ctx) => {
    if (!ctx.target.oauthAccessToken) return 'No stored OAuth access token.';
    if (!tokenConsumerKey(ctx)) return 'Needs the consumer key the access token was issued to.';
    return ctx.oauth ? undefined : 'OAuth signing is not available here.';
  },
  async run(ctx) {
    const url = siteEndpoint(ctx, MYSELF);
    const privateKey = ctx.target.oauthPrivateKey;
    const signed = await signOrFail(ctx, {
      method: 'GET',
      url,
      consumerKey: tokenConsumerKey(ctx)!,
      token: ctx.target.oauthAccessToken!,
      ...(privateKey ? { privateKey } : {}),
    });
    if ('status' in signed) return signed;
    const answer = await callJira(ctx, { path: url, auth: headerAuth(signed.authorization) });
    const problem = oauthProblem(answer);
    if (problem.name === 'signature_invalid') return tokenSignatureInvalid(problem, signed, privateKey);
    if (problem.name === 'timestamp_refused') return timestampRefused(ctx, problem, signed);
    if (problem.name) return problemOutcome(answer, problem);
    const me =
      answer.status === 200 ? parseJson<{ displayName?: string; accountId?: string }>(answer) : undefined;
    if (me?.displayName || me?.accountId)
      return pass(
        `The access token works: Jira answers as ${excerpt(me.displayName ?? me.accountId ?? '', 80)}.`,
      );
    return unexpected(answer, 'myself');
  },
};

function tokenConsumerKey(ctx: TestContext): string | undefined {
  const o = ctx.target.spec.oauth;
  return o?.tokenConsumerKey ?? o?.consumerKey;
}

/** The answers echo the token inside the base string: compare, never quote. */
function tokenSignatureInvalid(problem: Problem, signed: OAuthSigned, privateKey?: Secret): CheckOutcome {
  if (!privateKey) {
    return pass(
      'Jira knows this access token: it checks the token before the signature, and answered signature_invalid to Align Bot’s throwaway key. Without the consumer’s private key the signature side cannot be proven here.',
    );
  }
  const theirs = problem.params.get('oauth_signature_base_string');
  const cause =
    theirs === undefined
      ? 'Jira did not say which base string it computed.'
      : theirs === signed.baseString.reveal()
        ? 'Jira computed the same base string, so the private key does not match the public key in the application link.'
        : 'Jira computed a different base string: the URL Jira sees differs from the one signed (application URL, proxy, http/https).';
  return fail('OAUTH_SIGNATURE_INVALID', `myself answered oauth_problem=signature_invalid. ${cause}`);
}

async function signOrFail(
  ctx: TestContext,
  request: Parameters<NonNullable<TestContext['oauth']>['sign']>[0],
): Promise<OAuthSigned | CheckOutcome> {
  try {
    return await ctx.oauth!.sign(request);
  } catch (error) {
    return fail(
      'OAUTH_SIGNATURE_INVALID',
      `Align Bot could not sign the request: ${(error as Error).message}`,
    );
  }
}

interface Problem {
  name?: string;
  params: URLSearchParams;
}

/** oauth_problem from the form body, else from WWW-Authenticate: OAuth …. */
export function oauthProblem(answer: HttpAnswer): Problem {
  const body = answer.body.trim();
  if (/(^|&)oauth_problem=/.test(body) && !body.startsWith('<')) {
    const params = new URLSearchParams(body);
    return { name: params.get('oauth_problem') ?? undefined, params };
  }
  const params = new URLSearchParams();
  const challenge = header(answer, 'www-authenticate') ?? '';
  if (/^OAuth\s/i.test(challenge)) {
    for (const m of challenge.matchAll(/([a-z_]+)="([^"]*)"/g)) params.append(m[1]!, safeDecode(m[2]!));
  }
  return { name: params.get('oauth_problem') ?? undefined, params };
}

function problemOutcome(answer: HttpAnswer, problem: Problem): CheckOutcome {
  const name = problem.name!;
  const code = PROBLEM_CODES[name] ?? 'OAUTH_SIGNATURE_INVALID';
  const extra = ['oauth_problem_advice', 'oauth_parameters_absent', 'oauth_parameters_rejected']
    .map((k) => problem.params.get(k) && `${k}=${problem.params.get(k)}`)
    .filter(Boolean)
    .join(', ');
  return fail(
    code,
    `${pathOfUrl(answer.url)} answered ${answer.status} oauth_problem=${excerpt(name, 60)}${extra ? ` (${excerpt(extra, 160)})` : ''}.`,
  );
}

function unexpected(answer: HttpAnswer, what: string): CheckOutcome {
  const classified = classifyJiraAnswer(answer, true);
  if (classified) return fail(classified.code, classified.detail);
  return fail(
    what === 'myself' ? 'OAUTH_TOKEN_REJECTED' : 'OAUTH_CONSUMER_KEY_UNKNOWN',
    `${what} answered ${answer.status} without an oauth_problem: ${excerpt(errorMessages(answer))}`,
  );
}

function siteEndpoint(ctx: TestContext, path: string): string {
  const base = siteUrl(ctx);
  return new URL(path, base.endsWith('/') ? base : `${base}/`).toString();
}

function headerAuth(value: Secret): Credential {
  return { scheme: 'header', value };
}

function pathOfUrl(url: string): string {
  try {
    return new URL(url).pathname.split('/').pop() ?? url;
  } catch {
    return url;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const OAUTH_CHECKS: Check[] = [consumerKeyCheck, publicKeyCheck, consumerProbeCheck, accessTokenCheck];
