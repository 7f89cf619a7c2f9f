/**
 * The internal listener: what only operators may reach (`/metrics`, the queue dashboard `/admin/queues` of a web
 * process) and `/healthz` (the process answers: what a worker's liveness probe asks), bound to 127.0.0.1 unless
 * ALIGN_BOT_METRICS_HOST says otherwise, never on the public port. One per process: `start` serves web and worker
 * metrics from one listener, a separate `worker` serves its own. Routes are added to `routes`, at any time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import type { Logger } from 'pino';
import { createApp, listen } from './server.js';

export const DEFAULT_INTERNAL_HOST = '127.0.0.1';

export interface InternalServer {
  port: number;
  /** The address actually bound. */
  host: string;
  routes: Router;
  close(): Promise<void>;
}

export async function startInternalServer(options: {
  port: number;
  host?: string;
  logger: Logger;
}): Promise<InternalServer> {
  const host = options.host ?? DEFAULT_INTERNAL_HOST;
  const { app, routes } = createApp(options.logger);
  routes.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  const server: Server = createServer(app);
  const port = await listen(server, options.port, host);
  const bound = (server.address() as AddressInfo).address;
  options.logger.info({ host: bound, port }, 'internal listener (metrics) listening');
  return {
    port,
    host: bound,
    routes,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
