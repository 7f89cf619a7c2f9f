/**
 * The web process's public HTTP server. Each chat platform's endpoints (from its ingress) are answered before
 * anything else — nothing stands between them and the platform's ack deadline; everything else (health, the
 * secret form) is an express app whose failures all end in errors.ts. Metrics and admin pages are never here:
 * they live on the internal listener (internal-server.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, Router } from 'express';
import type { Logger } from 'pino';
import { errorHandler, notFound } from './errors.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

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

/** `endpoints`: exact paths answered by their own listener (chat ingress); they may be added after creation. */
export function createWebServer(options: { logger: Logger; endpoints?: Map<string, Listener> }): {
  server: Server;
  routes: Router;
  endpoints: Map<string, Listener>;
} {
  const { app, routes } = createApp(options.logger);
  const endpoints = options.endpoints ?? new Map<string, Listener>();
  const server = createServer((req, res) => {
    const endpoint = endpoints.get((req.url ?? '/').split('?')[0] ?? '/');
    if (endpoint) return endpoint(req, res);
    app(req, res);
  });
  server.keepAliveTimeout = 65_000;
  return { server, routes, endpoints };
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
