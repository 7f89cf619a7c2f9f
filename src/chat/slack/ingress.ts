/**
 * Slack's endpoint on the public listener: POST only, then Slack's future-timestamp rule (Bolt only refuses old
 * ones), then Bolt behind the body guard (request-guard.ts). Nothing else stands before the 3-second ack.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { newErrorId } from '../../error-id.js';
import type { RequestListener } from '../platform.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/** Bolt accepts timestamps from the future; Slack's rule is ±5 minutes (reference/slack.md §2). */
export const MAX_FUTURE_SKEW_S = 300;

export function rejectsFutureTimestamp(req: IncomingMessage, nowMs = Date.now()): boolean {
  const raw = req.headers['x-slack-request-timestamp'];
  const ts = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(ts) && ts > Math.floor(nowMs / 1000) + MAX_FUTURE_SKEW_S;
}

export function slackEndpoint(bolt: RequestListener, logger: Logger): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res
        .writeHead(405, { allow: 'POST', 'content-type': 'text/plain' })
        .end('Slack sends POST requests here.\n');
      return;
    }
    if (rejectsFutureTimestamp(req)) {
      res.writeHead(401).end();
      return;
    }
    try {
      bolt(req, res);
    } catch (error) {
      const errorId = newErrorId();
      logger.error({ errorId, err: { name: (error as Error).name } }, 'slack endpoint failed');
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`Error id: ${errorId}\n`);
    }
  };
}
