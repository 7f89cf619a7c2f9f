/**
 * The web process's HTTP server: Slack's endpoint goes straight to Bolt (nothing in front of the 3-second ack but a
 * timestamp check); everything else (health, metrics, secret form, dashboard) is an express app.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';

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
  extra?: Express;
}

export function createWebServer(routes: WebRoutes): { server: Server; app: Express } {
  const app = routes.extra ?? express();
  app.disable('x-powered-by');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/slack/events' && routes.slack) {
      if (rejectsFutureTimestamp(req)) {
        res.writeHead(401).end();
        return;
      }
      routes.slack(req, res);
      return;
    }
    app(req, res);
  });
  server.keepAliveTimeout = 65_000;
  return { server, app };
}

export async function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
