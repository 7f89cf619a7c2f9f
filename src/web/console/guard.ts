/**
 * The console drives the bot as any sandbox user, so only this machine's browser may use it: the Host must be a
 * loopback name (no DNS rebinding), a cross-site Origin is refused, and writes must be JSON (a page elsewhere
 * cannot send that without a CORS preflight, which is never granted).
 */
import type { NextFunction, Request, Response } from 'express';

const LOOPBACK = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

export function loopbackOnly(req: Request, res: Response, next: NextFunction): void {
  const host = req.headers.host ?? '';
  if (!LOOPBACK.test(host)) {
    res.status(403).type('text/plain').send('The sandbox console answers only on localhost.');
    return;
  }
  const origin = req.headers.origin;
  if (origin && origin !== `http://${host}`) {
    res.status(403).type('text/plain').send('Cross-site requests are refused.');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD' && !req.is('application/json')) {
    res.status(415).type('text/plain').send('Send JSON (content-type: application/json).');
    return;
  }
  next();
}
