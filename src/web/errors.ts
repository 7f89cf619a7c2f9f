/**
 * Every failure of an HTTP route becomes a short answer: a status, one sentence and an error id, as a small HTML page
 * or JSON (by Accept). The details (error, stack) go to the log under the same id, never into the response.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { newErrorId } from '../error-id.js';
import { messagePage } from './secret-form-page.js';

const MESSAGES: Record<number, string> = {
  400: 'The request could not be read.',
  403: 'This request is not allowed.',
  404: 'There is nothing here.',
  405: 'This method is not allowed here.',
  408: 'The request took too long to arrive.',
  413: 'The request body is too large.',
  415: 'The request body’s type, character set or encoding is not supported.',
  500: 'Align Bot could not handle this request.',
};

/** The client's mistake keeps its status; anything else is our failure (500). */
function statusOf(error: unknown): number {
  const raw = (error as { status?: unknown; statusCode?: unknown } | undefined) ?? {};
  const status = Number(raw.status ?? raw.statusCode);
  return Number.isInteger(status) && status >= 400 && status < 500 ? status : 500;
}

export function sendError(req: Request, res: Response, status: number, errorId?: string): void {
  const message = MESSAGES[status] ?? (status >= 500 ? MESSAGES[500]! : 'The request was refused.');
  const text = errorId ? `${message} Error id: ${errorId}.` : message;
  res.status(status);
  if (req.accepts(['html', 'json']) === 'json') {
    res.json({ error: message, status, ...(errorId ? { errorId } : {}) });
    return;
  }
  res.type('html').send(messagePage(status >= 500 ? 'Something went wrong' : 'Request refused', text));
}

/** Express's last middleware: logs the error under a fresh id and answers without any detail. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const status = statusOf(error);
    const errorId = newErrorId();
    const err = error as { name?: string; message?: string; type?: string; code?: string; stack?: string };
    logger[status >= 500 ? 'error' : 'warn'](
      {
        errorId,
        status,
        method: req.method,
        // A form link's token is a credential for ten minutes: the log keeps the route, not the token.
        path: req.path.replace(/^\/secrets\/[^/]+/, '/secrets/<token>'),
        err: {
          name: err?.name,
          message: err?.message,
          type: err?.type,
          code: err?.code,
          ...(status >= 500 ? { stack: err?.stack } : {}),
        },
      },
      'http request failed',
    );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(req, res, status, errorId);
  };
}

/** Answers what no route matched. */
export function notFound(): RequestHandler {
  return (req, res) => sendError(req, res, 404);
}

type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;

/** An async route whose failure reaches the error handler instead of becoming an unhandled rejection. */
export function safe(handler: AsyncHandler): RequestHandler {
  return (req, res, next) => {
    handler(req, res, next).catch(next);
  };
}
