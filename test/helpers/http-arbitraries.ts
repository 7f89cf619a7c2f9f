/**
 * fast-check arbitraries for hostile HTTP requests to the bot's web routes (property tests): paths with good and
 * bad percent escapes, cookies, content types and form bodies that no browser would send.
 */
import fc from 'fast-check';
import { hostileText } from './hostile.js';
import type { RawRequest } from './raw-http.js';

/** Lone surrogates out: encodeURIComponent throws on them. */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Percent escapes, good and bad: decodeURIComponent throws on the bad ones. */
export const escapes = fc.constantFrom(
  '%',
  '%2',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%00',
  '%2F',
  '%252F',
  '%FF',
  '%u0041',
);
export const tokenish = fc.oneof(
  fc.base64String({ minLength: 4, maxLength: 64 }).map((s) => s.replace(/\+/g, '-').replace(/\//g, '_')),
  hostileText({ maxParts: 4, long: 3000 }).map((s) => encodeURIComponent(wellFormed(s))),
  fc
    .array(fc.oneof(escapes, fc.stringMatching(/^[A-Za-z0-9._~-]{0,8}$/)), { maxLength: 6 })
    .map((p) => p.join('')),
);
export const path = fc.oneof(
  { weight: 5, arbitrary: tokenish.map((t) => `/secrets/${t}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(tokenish, fc.constantFrom('', '/', '/x', '?a=1', '?value=%zz', '#f', '/..', '%2F..'))
      .map(([t, tail]) => `/secrets/${t}${tail}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/',
      '/secrets',
      '/secrets/',
      '/secrets//',
      '//secrets/x',
      '/SECRETS/x',
      '/health',
      '/healthz',
      '/metrics',
      '/admin/queues',
      '/%',
      '/secrets/%',
      '*',
      `/secrets/${'a'.repeat(8000)}`,
    ),
  },
);

export const cookieValue = fc.oneof(
  fc.base64String({ maxLength: 40 }),
  escapes,
  fc
    .array(fc.oneof(escapes, fc.stringMatching(/^[A-Za-z0-9]{0,6}$/)), { maxLength: 5 })
    .map((p) => p.join('')),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')),
);
export const cookie = fc.option(
  fc.oneof(
    cookieValue.map((v) => `ab_form=${v}`),
    fc.tuple(cookieValue, cookieValue).map(([a, b]) => `x=${a}; ab_form=${b}; ab_form=${a}`),
    fc.constantFrom('ab_form', 'ab_form=', '; ;', `ab_form=${'%'.repeat(5000)}`),
  ),
  { nil: undefined },
);

export const contentType = fc.option(
  fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    'application/x-www-form-urlencoded; charset=latin1',
    'application/x-www-form-urlencoded; charset=nope',
    'application/x-www-form-urlencoded; charset=',
    'application/json',
    'multipart/form-data; boundary=x',
    'text/plain',
    'x/y; ; =;',
    '',
  ),
  { nil: undefined },
);

export const field = fc.oneof(
  hostileText({ maxParts: 4, long: 5000 }),
  fc.constantFrom('', '2027-05-31', '31.05.2027'),
);
export const body = fc.option(
  fc.oneof(
    fc
      .record({ value: field, csrf: field, expiry: field }, { requiredKeys: [] })
      .map((fields) => new URLSearchParams(fields as Record<string, string>).toString()),
    fc
      .array(fc.oneof(escapes, fc.constantFrom('value=', 'csrf=', '&', '=', 'value[]=', '__proto__=x')), {
        maxLength: 12,
      })
      .map((p) => p.join('')),
    hostileText({ maxParts: 6, long: 40_000 }),
    fc.constantFrom('{"value":"x"}', 'null', `value=${'a'.repeat(40_000)}`, 'value=a&value=b&csrf=c&csrf=d'),
  ),
  { nil: undefined },
);

export const formRequest = fc
  .record({
    method: fc.constantFrom(
      'GET',
      'GET',
      'POST',
      'POST',
      'POST',
      'HEAD',
      'PUT',
      'DELETE',
      'OPTIONS',
      'PATCH',
    ),
    path,
    cookie,
    contentType,
    body,
  })
  .map((r) =>
    printable({
      method: r.method,
      path: r.path,
      headers: [
        ...(r.cookie !== undefined ? ([['Cookie', r.cookie]] as Array<[string, string]>) : []),
        ...(r.contentType !== undefined
          ? ([['Content-Type', r.contentType]] as Array<[string, string]>)
          : []),
      ],
      ...(r.body !== undefined ? { body: r.body } : {}),
    }),
  );

/** A request that fast-check prints briefly in a counterexample (bodies can be 40 KB). */
export function printable(request: RawRequest): RawRequest {
  const clip = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…(${s.length} chars)` : s);
  const text = () =>
    JSON.stringify({
      method: request.method,
      path: clip(request.path),
      headers: (request.headers ?? []).map(([k, v]) => [k, clip(v)]),
      body: request.body === undefined ? undefined : clip(String(request.body)),
    });
  return Object.assign(request, { [fc.toStringMethod]: text });
}
