/**
 * The web process's public HTTP server: Slack's endpoint goes straight to Bolt (nothing in front of the 3-second ack
 * but a timestamp check); everything else (health, secret form) is an express app whose failures all end in
 * errors.ts. Metrics and admin pages are never here: they live on the internal listener (internal-server.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, Router } from 'express';
import type { Logger } from 'pino';
import { newErrorId } from '../error-id.js';
import { errorHandler, notFound } from './errors.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Bolt accepts timestamps from the future; Slack's rule is ±5 minutes (reference/slack.md §2). */
export const MAX_FUTURE_SKEW_S = 300;

export function rejectsFutureTimestamp(req: IncomingMessage, nowMs = Date.now()): boolean {
  const raw = req.headers['x-slack-request-timestamp'];
  const ts = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(ts) && ts > Math.floor(nowMs / 1000) + MAX_FUTURE_SKEW_S;
}

export interface WebRoutes {
  slack?: Listener;
  logger: Logger;
}

/** An express app whose routes are added to `routes` (at any time), followed by the 404 and the error handler. */
export function createApp(logger: Logger): { app: Express; routes: Router } {
  const app = express();
  app.disable('x-powered-by');
  const routes = Router();
  app.use(routes);
  app.use(notFound());
  app.use(errorHandler(logger));
  return { app, routes };
}

export function createWebServer(options: WebRoutes): { server: Server; routes: Router } {
  const { app, routes } = createApp(options.logger);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/slack/events' && options.slack) {
      slackEndpoint(options.slack, req, res, options.logger);
      return;
    }
    app(req, res);
  });
  server.keepAliveTimeout = 65_000;
  return { server, routes };
}

function slackEndpoint(slack: Listener, req: IncomingMessage, res: ServerResponse, logger: Logger): void {
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
    slack(req, res);
  } catch (error) {
    const errorId = newErrorId();
    logger.error({ errorId, err: { name: (error as Error).name } }, 'slack endpoint failed');
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`Error id: ${errorId}\n`);
  }
}

export async function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
