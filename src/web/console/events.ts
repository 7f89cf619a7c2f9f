/**
 * Server-sent events to the console's pages: a named event per kind of change (a chat platform's store, the
 * admin world), no payload beyond a hint — the page fetches what it shows. A comment line every 15 s keeps
 * proxies and browsers from closing an idle stream.
 */
import type { Request, Response } from 'express';

const HEARTBEAT_MS = 15_000;

export class EventHub {
  private readonly clients = new Set<Response>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor() {
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) res.write(': ping\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** GET handler: keeps the response open as an event stream. */
  readonly stream = (req: Request, res: Response): void => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  };

  send(event: string, data: unknown = {}): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.clients) res.write(frame);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
