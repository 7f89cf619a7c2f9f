/**
 * The queue dashboard (bull-board) at /admin/queues, on the internal listener only (never the public port):
 * read-only, job data masked (masked-queue-adapter.ts), behind HTTP basic auth with ALIGN_BOT_ADMIN_USER and
 * ALIGN_BOT_ADMIN_PASSWORD. Without them it is not mounted, and /admin/queues says how to turn it on.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import { MaskedQueueAdapter } from './masked-queue-adapter.js';

export const DASHBOARD_PATH = '/admin/queues';
const REALM = 'Align Bot queues';

export interface AdminCredentials {
  user: string;
  password: string;
}

export function mountQueueDashboard(
  routes: Router,
  options: { queues: Queue[]; admin?: AdminCredentials; logger: Logger },
): void {
  if (!options.admin) {
    routes.use(DASHBOARD_PATH, (_req, res) => {
      res
        .status(404)
        .type('text/plain')
        .send(
          'The queue dashboard is off: set ALIGN_BOT_ADMIN_USER and ALIGN_BOT_ADMIN_PASSWORD to turn it on.\n',
        );
    });
    return;
  }
  const board = new ExpressAdapter();
  board.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: options.queues.map((queue) => new MaskedQueueAdapter(queue)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Align Bot queues', hideDocsLink: true } },
  });
  routes.use(DASHBOARD_PATH, basicAuth(options.admin, options.logger), readOnly(), board.getRouter());
}

/** Asks for credentials until they match; compares user and password in constant time, both always. */
export function basicAuth(admin: AdminCredentials, logger: Logger): RequestHandler {
  const expected = { user: digest(admin.user), password: digest(admin.password) };
  return (req, res, next) => {
    const given = parseBasic(req.headers.authorization);
    const userOk = timingSafeEqual(digest(given?.user ?? ''), expected.user);
    const passwordOk = timingSafeEqual(digest(given?.password ?? ''), expected.password);
    if (given && userOk && passwordOk) return next();
    if (given) logger.warn({ ip: req.ip, path: req.path }, 'queue dashboard: wrong credentials');
    res
      .status(401)
      .set('www-authenticate', `Basic realm="${REALM}", charset="UTF-8"`)
      .type('text/plain')
      .send('The queue dashboard needs the admin user and password.\n');
  };
}

function readOnly(): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.status(405).set('allow', 'GET, HEAD').type('text/plain').send('The queue dashboard is read-only.\n');
  };
}

function parseBasic(header: string | undefined): AdminCredentials | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Equal-length digests, so that the comparison's time says nothing about the length of either side. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
