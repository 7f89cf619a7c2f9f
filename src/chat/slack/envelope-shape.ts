/**
 * What a Socket Mode message must look like before @slack/socket-mode 3.1 and Bolt 5.1 read it: the client reads
 * `payload.event.type` of an `events_api` envelope outside any try (an unhandled rejection when it is missing),
 * and Bolt reads the same fields of a payload as it does over HTTP (body-shape.ts). Slack always sends these
 * shapes; anything else is refused before the client sees it, as request-guard.ts does for HTTP.
 * Envelopes: https://api.slack.com/apis/socket-mode (hello, disconnect, events_api, slash_commands, interactive).
 */
import { eventProblem, interactionProblem, isObject, parseJson } from './body-shape.js';

export type EnvelopeVerdict =
  | { pass: true }
  /** `envelopeId`: when known, the refused envelope is acknowledged so that Slack does not deliver it again. */
  | { pass: false; reason: string; envelopeId?: string; type?: string };

const CONTROL = new Set(['hello', 'disconnect']);
const ENVELOPE_ID = /^[\w.-]{1,200}$/;

export function envelopeVerdict(data: unknown): EnvelopeVerdict {
  const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString() : undefined;
  if (text === undefined) return { pass: false, reason: 'not a text frame' };
  const message = parseJson(text);
  if (!isObject(message) || typeof message.type !== 'string')
    return { pass: false, reason: 'not a JSON object with a type' };
  const type = message.type.slice(0, 40);
  if (CONTROL.has(type)) return { pass: true };
  const envelopeId = typeof message.envelope_id === 'string' ? message.envelope_id : undefined;
  if (!envelopeId || !ENVELOPE_ID.test(envelopeId)) return { pass: false, reason: 'no envelope id', type };
  const reason = payloadProblem(type, message.payload);
  return reason ? { pass: false, reason, envelopeId, type } : { pass: true };
}

function payloadProblem(type: string, payload: unknown): string | undefined {
  switch (type) {
    case 'slash_commands':
      return commandProblem(payload);
    case 'interactive':
      return interactionProblem(payload)?.reason;
    case 'events_api':
      if (!isObject(payload) || !isObject(payload.event) || typeof payload.event.type !== 'string')
        return 'event has no type';
      return eventProblem(payload)?.reason;
    default:
      return `unknown envelope type ${type}`;
  }
}

/** A slash command's payload: the form fields of the HTTP request, as a JSON object. */
function commandProblem(payload: unknown): string | undefined {
  if (!isObject(payload)) return 'payload is not a JSON object';
  for (const field of ['command', 'user_id', 'channel_id'])
    if (typeof payload[field] !== 'string') return `payload has no ${field}`;
  for (const field of ['text', 'team_id', 'user_name'])
    if (field in payload && typeof payload[field] !== 'string') return `payload ${field} is not text`;
  return undefined;
}
