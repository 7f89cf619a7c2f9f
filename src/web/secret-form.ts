/**
 * The one-time secret form (DESIGN.md §7): `/secrets/<token>`, one password field (or a text area for a public
 * key), CSRF-protected, bound to the first browser that opens it, usable once, for 10 minutes. The value is
 * encrypted into the vault and never shown again; the run waiting for it wakes up.
 */

import { type Request, type Response, Router, urlencoded } from 'express';
import type { Logger } from 'pino';
import { inspectPublicKey } from '../atlassian/rsa-keys.js';
import { Secret } from '../core/secret.js';
import { newErrorId } from '../error-id.js';
import type { Queues } from '../queue/queues.js';
import type { AuditLog } from '../store/audit.js';
import type { DecisionStore } from '../store/decisions.js';
import type { FormStore, FormTicket } from '../store/forms.js';
import type { RunStore } from '../store/runs.js';
import type { Vault } from '../store/vault.js';
import { safe } from './errors.js';
import { type ClosedAsk, closedAsk } from './secret-form-ask.js';
import { formPage, messagePage } from './secret-form-page.js';

export interface SecretFormDeps {
  forms: FormStore;
  runs: RunStore;
  vault?: Vault;
  decisions: DecisionStore;
  queues: Queues;
  audit: AuditLog;
  logger: Logger;
  /** Set the cookie Secure (the public URL is https). */
  secureCookies: boolean;
}

const COOKIE = 'ab_form';
/** Stands in for a private key pasted into the public-key form; it still reads as a private key. */
const PRIVATE_KEY_WITHHELD =
  '-----BEGIN PRIVATE KEY-----\n(withheld by Align Bot)\n-----END PRIVATE KEY-----';
const MAX_SECRET = 4096;
const MAX_PUBLIC_KEY = 16_384;
/** Unsubmitted secrets of a run expire; the runbook makes a kept one permanent. */
const SUBMITTED_TTL_S = 24 * 3600;

export function secretFormRouter(deps: SecretFormDeps): Router {
  const router = Router();
  router.use('/secrets', (_req, res, next) => {
    res.set({
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
    });
    next();
  });
  router.get(
    '/secrets/:token',
    safe((req, res) => show(req, res, deps)),
  );
  router.post(
    '/secrets/:token',
    urlencoded({ extended: false, limit: '32kb' }),
    safe((req, res) => submit(req, res, deps)),
  );
  return router;
}

async function show(req: Request, res: Response, deps: SecretFormDeps): Promise<void> {
  const token = String(req.params.token);
  const opened = await deps.forms.open(token, cookie(req));
  if (!opened.ok) return refuse(res, opened.reason);
  const closed = await closedAsk(opened.ticket, deps);
  if (closed) return refuse(res, closed);
  res.cookie(COOKIE, opened.browser, {
    httpOnly: true,
    sameSite: 'strict',
    secure: deps.secureCookies,
    path: `/secrets/${token}`,
    maxAge: 10 * 60_000,
  });
  res.type('html').send(formPage(opened.ticket, opened.csrf));
}

async function submit(req: Request, res: Response, deps: SecretFormDeps): Promise<void> {
  const token = String(req.params.token);
  const body = (req.body ?? {}) as Record<string, string | undefined>;
  const value = typeof body.value === 'string' ? body.value.trim() : '';
  const expiry = typeof body.expiry === 'string' ? body.expiry.trim() : '';
  const problem = validate(value, expiry);
  if (problem) return void res.status(400).type('html').send(messagePage('Not sent', problem));
  const ticket = await deps.forms.consume(token, cookie(req), String(body.csrf ?? ''));
  if (typeof ticket === 'string') return refuse(res, ticket);
  const closed = await closedAsk(ticket, deps);
  if (closed) {
    await deps.audit
      .append({
        actor: ticket.userId,
        action: `form submitted ${ticket.stepId}`,
        outcome: 'denied',
        runId: ticket.runId,
        detail: `refused, nothing stored: ${CLOSED_DETAIL[closed]}`,
      })
      .catch(() => undefined);
    return refuse(res, closed);
  }
  try {
    const ref = await store(ticket, value, deps);
    const { won } = await deps.decisions.decide(ticket.runId, ticket.stepId, ticket.attempt, {
      kind: 'input',
      by: ticket.userId,
      at: Date.now(),
      ref,
      ...(expiry ? { note: expiry } : {}),
    });
    if (!won) {
      if (ticket.kind === 'secret') await deps.vault?.delete(ref);
      return void res
        .status(409)
        .type('html')
        .send(messagePage('Already answered', 'This question was answered already; nothing was stored.'));
    }
    await deps.audit
      .append({
        actor: ticket.userId,
        action: `form submitted ${ticket.stepId}`,
        outcome: 'ok',
        runId: ticket.runId,
      })
      .catch(() => undefined);
    await deps.queues.wake(ticket.runId);
    res
      .type('html')
      .send(
        messagePage(
          'Received',
          'Thank you. It is stored encrypted and will not be shown again. You can close this tab; the run continues in chat.',
        ),
      );
  } catch (error) {
    const errorId = newErrorId();
    deps.logger.error(
      { errorId, err: { name: (error as Error).name }, runId: ticket.runId },
      'storing a form submission failed',
    );
    res
      .status(500)
      .type('html')
      .send(
        messagePage(
          'Not stored',
          `Align Bot could not store it. Ask for a new form link in chat. Error id: ${errorId}.`,
        ),
      );
  }
}

async function store(ticket: FormTicket, value: string, deps: SecretFormDeps): Promise<string> {
  if (ticket.kind === 'public-key') {
    // A public key is not a secret, but a private key pasted by mistake is: keep only that it was one, so the run
    // explains OAUTH_PRIVATE_KEY_PASTED without the key ever reaching Redis.
    return inspectPublicKey(value).kind === 'private-key' ? PRIVATE_KEY_WITHHELD : value;
  }
  if (!deps.vault) throw new Error('no vault: ALIGN_BOT_MASTER_KEY is not set');
  return deps.vault.put(new Secret(value), `${ticket.label} (run ${ticket.runId})`, SUBMITTED_TTL_S);
}

function validate(value: string, expiry: string): string | undefined {
  if (!value) return 'The field was empty. Go back and fill it in.';
  if (value.length > MAX_PUBLIC_KEY) return 'That is too long to be a credential or a public key.';
  if (value.length > MAX_SECRET && !value.includes('PUBLIC KEY'))
    return 'That is too long to be a credential.';
  if (expiry && !/^\d{4}-\d{2}-\d{2}$/.test(expiry)) return 'The expiry date must look like 2027-05-31.';
  return undefined;
}

const CLOSED_DETAIL: Record<ClosedAsk, string> = {
  ended: 'the run has ended',
  cancelled: 'the run was cancelled',
  'moved-on': 'the run no longer waits for this answer',
  expired: 'the question expired',
};

function refuse(res: Response, reason: string): void {
  const again = 'Nothing was stored. If the run still needs it, ask for a new link in chat.';
  const text: Record<string, [number, string]> = {
    ended: [410, `This run has ended. ${again}`],
    cancelled: [410, `This run was cancelled. ${again}`],
    'moved-on': [409, `This question is no longer open: the run has moved on. ${again}`],
    expired: [410, `This question has expired. ${again}`],
    unknown: [
      410,
      'This link is unknown or has expired (links work for 10 minutes). Ask for a new one in chat.',
    ],
    used: [410, 'This link was used already. Ask for a new one in chat if you need to send it again.'],
    'other-browser': [
      403,
      'This link was opened in another browser. For safety it only works there; ask for a new one in chat.',
    ],
    csrf: [403, 'The form expired or was not sent from this page. Reload the link and try again.'],
  };
  const [status, message] = text[reason] ?? [400, 'This link cannot be used.'];
  res.status(status).type('html').send(messagePage('Link not usable', message));
}

/** The browser cookie; a malformed one is no cookie. */
function cookie(req: Request): string | undefined {
  const header = req.headers.cookie ?? '';
  const match = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`).exec(header);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}
