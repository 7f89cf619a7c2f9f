/**
 * One-time form links (the secret form): issued to one user for one waiting step, valid 10 minutes, bound to the
 * first browser that opens them (a cookie), and usable for one submission. Only a hash of the link token is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from './redis.js';
import type { RedisKeys } from './redis-keys.js';

export type FormKind = 'secret' | 'public-key';

export interface FormTicket {
  runId: string;
  stepId: string;
  attempt: number;
  userId: string;
  kind: FormKind;
  /** What is asked for, shown on the page (never a value). */
  label: string;
  /** Whether the form also asks for the credential's expiry date. */
  askExpiry: boolean;
  expiresAt: number;
}

export const FORM_TTL_MS = 10 * 60_000;

export type OpenResult =
  | { ok: true; ticket: FormTicket; csrf: string; browser: string }
  | { ok: false; reason: 'unknown' | 'used' | 'other-browser' };

// KEYS[1] form key; ARGV[1] browser hash offered (may be ''), ARGV[2] new browser hash, ARGV[3] new csrf
const OPEN = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'unknown'} end
if state == 'used' then return {'used'} end
if state == 'issued' then
  redis.call('HSET', KEYS[1], 'state', 'opened', 'browser', ARGV[2], 'csrf', ARGV[3])
  return {'ok', ARGV[2], ARGV[3]}
end
if redis.call('HGET', KEYS[1], 'browser') == ARGV[1] then
  return {'ok', ARGV[1], redis.call('HGET', KEYS[1], 'csrf')}
end
return {'other-browser'}
`;

// KEYS[1] form key; ARGV[1] browser hash, ARGV[2] csrf
const CONSUME = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'unknown' end
if state == 'used' then return 'used' end
if state ~= 'opened' or redis.call('HGET', KEYS[1], 'browser') ~= ARGV[1] then return 'other-browser' end
if redis.call('HGET', KEYS[1], 'csrf') ~= ARGV[2] then return 'csrf' end
redis.call('HSET', KEYS[1], 'state', 'used')
return 'ok'
`;

function hash(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export class FormStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private key(token: string): string {
    return `${this.keys.prefix}:form:${hash(token)}`;
  }

  async issue(
    ticket: Omit<FormTicket, 'expiresAt'>,
    ttlMs = FORM_TTL_MS,
  ): Promise<{ token: string; ticket: FormTicket }> {
    const token = randomBytes(32).toString('base64url');
    const full: FormTicket = { ...ticket, expiresAt: Date.now() + ttlMs };
    await this.redis
      .multi()
      .hset(this.key(token), { state: 'issued', ticket: JSON.stringify(full) })
      .pexpire(this.key(token), ttlMs)
      .exec();
    return { token, ticket: full };
  }

  /** First open binds the link to this browser; later opens must present the same browser cookie. */
  async open(token: string, browserCookie: string | undefined): Promise<OpenResult> {
    const fresh = randomBytes(24).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const offered = browserCookie ? hash(browserCookie) : '';
    const reply = (await this.redis.eval(OPEN, 1, this.key(token), offered, hash(fresh), csrf)) as string[];
    if (reply[0] !== 'ok') return { ok: false, reason: reply[0] as 'unknown' | 'used' | 'other-browser' };
    const ticket = await this.ticket(token);
    if (!ticket) return { ok: false, reason: 'unknown' };
    // A fresh binding hands the cookie value to the caller; a re-open keeps the browser's existing cookie.
    return { ok: true, ticket, csrf: reply[2]!, browser: reply[1] === hash(fresh) ? fresh : browserCookie! };
  }

  /** Marks the link used if browser and CSRF token match; the caller then stores the value. */
  async consume(
    token: string,
    browserCookie: string | undefined,
    csrf: string,
  ): Promise<FormTicket | string> {
    const result = (await this.redis.eval(
      CONSUME,
      1,
      this.key(token),
      browserCookie ? hash(browserCookie) : '',
      csrf,
    )) as string;
    if (result !== 'ok') return result;
    return (await this.ticket(token)) ?? 'unknown';
  }

  private async ticket(token: string): Promise<FormTicket | undefined> {
    const raw = await this.redis.hget(this.key(token), 'ticket');
    return raw ? (JSON.parse(raw) as FormTicket) : undefined;
  }
}
