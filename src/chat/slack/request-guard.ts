/**
 * In front of Bolt's request listener: reads the body once (bounded), refuses what Bolt would crash on
 * (body-shape.ts), and hands Bolt the request with the body attached as `rawBody`, which Bolt 5.1's HTTPReceiver
 * takes instead of reading the stream again (HTTPModuleFunctions.bufferIncomingMessage) and verifies as usual.
 * A refused body is answered 401 unless it is correctly signed, so an unsigned client learns nothing new; a signed
 * one gets 400 or 415 with an error id that the log line shares.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifySlackRequest } from '@slack/bolt';
import type { Logger } from 'pino';
import { newErrorId } from '../../error-id.js';
import { bodyProblem } from './body-shape.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Slash commands and button payloads are a few kB; a message's blocks stay far below this. */
export const SLACK_BODY_LIMIT = 1024 * 1024;

export interface GuardOptions {
  signingSecret: string;
  logger: Logger;
  limit?: number;
}

export function guardSlackRequests(bolt: Listener, options: GuardOptions): Listener {
  const limit = options.limit ?? SLACK_BODY_LIMIT;
  return (req, res) => {
    readBody(req, limit)
      .then(
        (raw) => (raw === 'too-large' ? tooLarge(req, res) : pass(bolt, req, res, raw, options)),
        // The client went away mid-body: nobody is left to answer.
        () => res.destroy(),
      )
      .catch((error: Error) => {
        const errorId = newErrorId();
        options.logger.error({ errorId, err: { name: error.name } }, 'slack endpoint failed');
        if (!res.headersSent)
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`Error id: ${errorId}\n`);
      });
  };
}

/** Hands a body Bolt can take to Bolt; answers any other. */
function pass(bolt: Listener, req: IncomingMessage, res: ServerResponse, raw: Buffer, options: GuardOptions) {
  const problem = bodyProblem(req.headers['content-type'], req.headers['content-encoding'], raw);
  if (!problem) {
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    bolt(req, res);
    return;
  }
  if (!isSigned(req, raw, options.signingSecret)) {
    res.writeHead(401).end();
    return;
  }
  const errorId = newErrorId();
  options.logger.warn({ errorId, reason: problem.reason }, 'refused a malformed Slack request');
  res
    .writeHead(problem.status, { 'content-type': 'text/plain; charset=utf-8' })
    .end(`Align Bot could not read this request. Error id: ${errorId}\n`);
}

function isSigned(req: IncomingMessage, raw: Buffer, signingSecret: string): boolean {
  const signature = req.headers['x-slack-signature'];
  const timestamp = Number(req.headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string' || !Number.isFinite(timestamp)) return false;
  try {
    verifySlackRequest({
      signingSecret,
      body: raw.toString(),
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
    });
    return true;
  } catch {
    return false;
  }
}

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  res
    .writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
    .end('The request body is too large.\n');
  req.resume();
}

/** The whole body, or 'too-large' as soon as it passes `limit` (by its Content-Length or as it arrives). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('aborted', () => reject(new Error('aborted')));
  });
}
