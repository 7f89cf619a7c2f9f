/**
 * What Bolt 5.1 assumes of a request body without checking: a signed `payload=null` makes its HTTPReceiver read a
 * property of null outside any try (an unhandled rejection), and a payload without `user`, or with `channel: null`,
 * makes it fail before any listener runs. Slack always sends these shapes; anything else is refused before Bolt
 * sees it. Bolt's own parsing is mirrored: the exact form content type means a form (with `payload` for
 * interactivity), anything else is parsed as JSON.
 */
import { parse } from 'node:querystring';

export const FORM_TYPE = 'application/x-www-form-urlencoded';

export interface BodyProblem {
  status: 400 | 415;
  /** For the log, never for the client: which rule the body broke. */
  reason: string;
}

type Json = Record<string, unknown>;

const bad = (reason: string): BodyProblem => ({ status: 400, reason });

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function bodyProblem(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  raw: Buffer,
): BodyProblem | undefined {
  if (contentEncoding && contentEncoding.trim().toLowerCase() !== 'identity') {
    return { status: 415, reason: `content-encoding ${contentEncoding.slice(0, 40)}` };
  }
  const text = raw.toString();
  return contentType === FORM_TYPE ? formProblem(text) : eventProblem(parseJson(text));
}

function formProblem(text: string): BodyProblem | undefined {
  const fields = parse(text);
  if (fields.ssl_check === '1') return undefined; // Bolt answers it and drops the rest of the body
  if (fields.payload !== undefined) {
    if (typeof fields.payload !== 'string') return bad('more than one payload field');
    return interactionProblem(parseJson(fields.payload));
  }
  if (typeof fields.command !== 'string') return bad('neither a payload nor a command');
  const repeated = Object.entries(fields).find(([, value]) => typeof value !== 'string');
  return repeated ? bad(`field ${repeated[0].slice(0, 40)} repeated`) : undefined;
}

/** Block actions, options, shortcuts, view submissions: Bolt reads `user.id` and `channel.id` of every one. */
export function interactionProblem(payload: unknown): BodyProblem | undefined {
  if (!isObject(payload)) return bad('payload is not a JSON object');
  if (typeof payload.type !== 'string') return bad('payload has no type');
  if (!isObject(payload.user) || typeof payload.user.id !== 'string') return bad('payload has no user');
  if ('channel' in payload && !isObject(payload.channel)) return bad('payload channel is not an object');
  if ('team' in payload && payload.team !== null && !isObject(payload.team)) return bad('payload team');
  if ('enterprise' in payload && payload.enterprise !== null && !isObject(payload.enterprise))
    return bad('payload enterprise');
  if ('actions' in payload) {
    const { actions } = payload;
    if (!Array.isArray(actions) || actions.length === 0 || !actions.every(isObject))
      return bad('payload actions are not a list of objects');
  }
  if (payload.type.startsWith('view_') && !isObject(payload.view)) return bad('payload has no view');
  return undefined;
}

/** Events API bodies (JSON): the app subscribes to none, but Bolt still reads these fields of any that arrives. */
export function eventProblem(body: unknown): BodyProblem | undefined {
  if (!isObject(body)) return bad('body is not a JSON object');
  if (typeof body.type !== 'string') return bad('body has no type');
  if (!('event' in body)) return undefined;
  const { event } = body;
  if (!isObject(event)) return bad('event is not an object');
  for (const field of ['user', 'channel']) {
    const value = event[field];
    if (field in event && typeof value !== 'string' && !isObject(value)) return bad(`event ${field}`);
  }
  for (const field of ['item', 'subteam']) {
    if (field in event && !isObject(event[field])) return bad(`event ${field} is not an object`);
  }
  return undefined;
}
