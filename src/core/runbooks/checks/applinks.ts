/**
 * Jira Data Center's application link to Jira Align, read-only through the applinks REST API (reference §4): the
 * link whose URL is the Jira Align URL (steps 9–11), its incoming OAuth consumer (steps 12–15), and whether the
 * consumer key and the public key's SPKI fingerprint are the ones the admin took from Jira Align (steps 4–5).
 */
import type { HttpAnswer } from '../../ports.js';
import { callJira, jiraCredential, noCredentialReason, type TestContext } from './context.js';
import { classifyJiraAnswer, errorMessages, excerpt, parseJson } from './jira-answers.js';
import { type CheckDef, type CheckOutcome, fail, pass, skip } from './run-checks.js';

type Check = CheckDef<TestContext>;
type Step<T> = { ok: T } | { outcome: CheckOutcome };

interface AppLink {
  id: string;
  name?: string;
  rpcUrl?: string;
  displayUrl?: string;
}

interface Consumer {
  key?: string;
  name?: string;
  publicKey?: string | null;
}

/** The UI's OAuth base first; older bundles served the same resource under applinks/1.0. */
const CONSUMER_BASES = ['rest/applinks-oauth/1.0', 'rest/applinks/1.0'];
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const BY_HAND = 'Check it by hand: Settings > Applications > Application Links.';

export const appLinkCheck: Check = {
  id: 'applink',
  title: 'Application link to Jira Align has the configured OAuth consumer',
  after: ['reach'],
  skipIf: skipReason,
  async run(ctx) {
    const alignUrl = ctx.target.spec.align!.url;
    const { consumerKey, publicKey } = ctx.target.spec.oauth ?? {};
    const wanted = publicKey === undefined ? undefined : configuredFingerprint(ctx, publicKey);
    if (wanted && 'outcome' in wanted) return wanted.outcome;
    const links = await listLinks(ctx);
    if ('outcome' in links) return links.outcome;
    const link = links.ok.find((l) => [l.rpcUrl, l.displayUrl].some((u) => sameUrl(u, alignUrl)));
    if (!link) return fail('OAUTH_CONSUMER_KEY_UNKNOWN', missingLinkDetail(alignUrl, links.ok));
    const label = `“${excerpt(link.name ?? link.id, 60)}” (${excerpt(link.rpcUrl ?? alignUrl, 100)})`;
    const consumers = await readConsumers(ctx, link.id);
    if ('outcome' in consumers) return consumers.outcome;
    if (consumers.ok.length === 0) {
      return fail(
        'OAUTH_CONSUMER_KEY_UNKNOWN',
        `The link ${label} has no incoming OAuth consumer: its Incoming Authentication (steps 12–15) was never saved.`,
        { appLinkId: link.id },
      );
    }
    const consumer = consumerKey ? consumers.ok.find((c) => c.key === consumerKey) : consumers.ok[0];
    if (!consumer) {
      const keys = consumers.ok.map((c) => `“${excerpt(c.key ?? '', 60)}”`).join(', ');
      return fail(
        'OAUTH_CONSUMER_KEY_UNKNOWN',
        `The link ${label} has consumer key ${keys}, not “${consumerKey}” as in Jira Align’s connector (step 4 and step 13 must match).`,
        { appLinkId: link.id },
      );
    }
    const shownKey = `consumer key “${excerpt(consumer.key ?? '', 60)}”`;
    if (!wanted) {
      const why = publicKey === undefined ? 'none configured (--public-key-file)' : 'no key reader';
      return pass(`The link ${label} has ${shownKey}. Public key not compared: ${why}.`, {
        appLinkId: link.id,
      });
    }
    return comparePublicKey(ctx, consumer, wanted.ok, `The link ${label} has ${shownKey}`, link.id);
  },
};

function skipReason(ctx: TestContext): string | undefined {
  if (!ctx.target.spec.align) return 'No Jira Align URL to look for (--align URL).';
  const { consumerKey, publicKey } = ctx.target.spec.oauth ?? {};
  if (!consumerKey && publicKey === undefined)
    return 'Nothing to compare: give the consumer key and public key from Jira Align (--consumer-key KEY, --public-key-file PATH).';
  if (!jiraCredential(ctx))
    return `Reading application links needs a Jira administrator’s credentials. ${noCredentialReason(ctx) ?? ''}`.trim();
  return ctx.facts.accountId ? undefined : 'Skipped: the credentials did not work.';
}

/** The admin's key, fingerprinted before any request: a private key or unreadable text stops here. */
function configuredFingerprint(ctx: TestContext, publicKey: string): Step<string> | undefined {
  if (PRIVATE_KEY.test(publicKey)) {
    return {
      outcome: fail(
        'OAUTH_PRIVATE_KEY_PASTED',
        'The configured public key is a private key. It was not sent anywhere; treat it as leaked.',
      ),
    };
  }
  if (!ctx.oauth) return undefined;
  const fingerprint = fingerprintOf(ctx, publicKey);
  if (fingerprint) return { ok: fingerprint };
  return {
    outcome: fail(
      'OAUTH_PUBLIC_KEY_MALFORMED',
      'The configured public key cannot be read (expected an SPKI PEM, a bare base64 body or a PKCS#1 PEM).',
    ),
  };
}

async function listLinks(ctx: TestContext): Promise<Step<AppLink[]>> {
  const answer = await callJira(ctx, { path: 'rest/applinks/3.0/applinks', auth: jiraCredential(ctx)! });
  const refused = refusal(answer);
  if (refused) return { outcome: refused };
  const list = answer.status === 200 ? parseJson<unknown>(answer) : undefined;
  if (!Array.isArray(list)) {
    return {
      outcome: skip(
        `applinks/3.0/applinks answered ${answer.status}: ${excerpt(applinksMessage(answer))}. ${BY_HAND}`,
      ),
    };
  }
  return { ok: list.filter(isLink) };
}

async function readConsumers(ctx: TestContext, id: string): Promise<Step<Consumer[]>> {
  for (const base of CONSUMER_BASES) {
    const answer = await callJira(ctx, {
      path: `${base}/applicationlink/${encodeURIComponent(id)}/authentication/consumer`,
      auth: jiraCredential(ctx)!,
    });
    const refused = refusal(answer);
    if (refused) return { outcome: refused };
    if (answer.status === 200) {
      const consumers = parseJson<{ consumers?: unknown }>(answer)?.consumers;
      if (Array.isArray(consumers)) return { ok: consumers.filter(isConsumer) };
    }
    // The resource itself answers 404 with its own error entity when the link has no consumer.
    if (answer.status === 404 && isApplinksError(answer)) return { ok: [] };
    if (answer.status !== 404) {
      return {
        outcome: skip(
          `The consumer resource answered ${answer.status}: ${excerpt(applinksMessage(answer))}. ${BY_HAND}`,
        ),
      };
    }
  }
  return { outcome: skip(`This Jira serves no applinks OAuth consumer resource. ${BY_HAND}`) };
}

function comparePublicKey(
  ctx: TestContext,
  consumer: Consumer,
  wanted: string,
  prefix: string,
  appLinkId: string,
): CheckOutcome {
  const stored = consumer.publicKey ? fingerprintOf(ctx, consumer.publicKey) : undefined;
  const facts = { appLinkId, ...(stored ? { appLinkKeyFingerprint: stored } : {}) };
  if (!stored) {
    return fail(
      'OAUTH_SIGNATURE_INVALID',
      `${prefix} but no readable public key: Jira cannot verify Jira Align’s signatures. Paste the public key from Jira Align (step 5) into the link (step 14).`,
      facts,
    );
  }
  if (stored !== wanted) {
    return fail(
      'OAUTH_SIGNATURE_INVALID',
      `${prefix} but a different public key: Jira has ${stored}, Jira Align’s is ${wanted}. “Authorize Jira OAuth Access” would fail with signature_invalid: paste the public key from Jira Align (step 5) into the link (step 14).`,
      facts,
    );
  }
  return pass(`${prefix} and the same public key (${stored}).`, facts);
}

/**
 * Not allowed to read links: the credentials already worked, so a 401 or 403 here means the account is no
 * administrator (or Jira wants WebSudo). Other failure signatures keep their own diagnosis.
 */
function refusal(answer: HttpAnswer): CheckOutcome | undefined {
  const classified = classifyJiraAnswer(answer, true);
  if (classified && classified.code !== 'JIRA_AUTH_REJECTED') return fail(classified.code, classified.detail);
  if (answer.status !== 401 && answer.status !== 403) return undefined;
  return skip(
    `Reading application links needs a Jira administrator: Jira answered ${answer.status} (${excerpt(applinksMessage(answer), 120)}). ${BY_HAND}`,
  );
}

/** applinks' error entity: {"status":404,"message":"…"} (or a list of messages). */
function isApplinksError(answer: HttpAnswer): boolean {
  const json = parseJson<{ status?: unknown; message?: unknown }>(answer);
  return typeof json?.status === 'number' && json.message !== undefined;
}

function applinksMessage(answer: HttpAnswer): string {
  const message = parseJson<{ message?: unknown }>(answer)?.message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join(' ');
  return errorMessages(answer);
}

function missingLinkDetail(alignUrl: string, links: AppLink[]): string {
  const listed = links
    .slice(0, 5)
    .map((l) => `“${excerpt(l.name ?? l.id, 40)}” → ${excerpt(l.rpcUrl ?? l.displayUrl ?? '?', 80)}`);
  const more = links.length > 5 ? `, and ${links.length - 5} more` : '';
  const existing =
    links.length === 0 ? 'Jira has no application links.' : `Jira’s links: ${listed.join('; ')}${more}.`;
  return `No application link has the URL ${alignUrl} (steps 9–11). ${existing}`;
}

/** Scheme, host and port (default ports dropped), path without trailing slashes, case-insensitive. */
export function sameUrl(a: string | undefined, b: string): boolean {
  const x = normalizedUrl(a);
  return x !== undefined && x === normalizedUrl(b);
}

function normalizedUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return undefined;
  }
}

function isLink(value: unknown): value is AppLink {
  return typeof value === 'object' && value !== null && typeof (value as AppLink).id === 'string';
}

function isConsumer(value: unknown): value is Consumer {
  return typeof value === 'object' && value !== null;
}

/** The SPKI SHA-256 fingerprint of readable public-key text (keys.ts through the OAuth port); private keys have none. */
function fingerprintOf(ctx: TestContext, text: string): string | undefined {
  const inspection = ctx.oauth?.inspectPublicKey(text);
  return inspection && inspection.kind !== 'private-key' && inspection.kind !== 'malformed'
    ? inspection.fingerprint
    : undefined;
}
