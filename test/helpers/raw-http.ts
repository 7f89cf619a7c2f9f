/**
 * A raw HTTP/1.1 request over a socket, for property tests that send what no well-behaved client would: any
 * method, an unescaped or badly escaped path, any header bytes, a body that does not match its content type.
 * Never throws: a connection closed without an answer is status 0, no answer in time is status -1.
 */
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  path: string;
  headers?: Array<[string, string]>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  head: string;
  body: string;
  ms: number;
}

export const NO_ANSWER = 0;
export const TIMED_OUT = -1;

export function rawRequest(port: number, request: RawRequest, timeoutMs = 5000): Promise<RawResponse> {
  const started = performance.now();
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : (request.body ?? null);
  const lines = [
    `${request.method} ${request.path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...(request.headers ?? []).map(([name, value]) => `${name}: ${value}`),
    ...(body ? [`Content-Length: ${body.length}`] : []),
  ];
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const status = timedOut ? TIMED_OUT : Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? NO_ANSWER);
      resolve({
        status,
        head: split >= 0 ? text.slice(0, split) : text,
        body: split >= 0 ? text.slice(split + 4) : '',
        ms: performance.now() - started,
      });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('error', () => finish(false));
    socket.write(body ? Buffer.concat([head, body]) : head);
  });
}

/** A Node or express stack trace, or a path into the code, in a response body. */
export function looksLikeStackTrace(body: string): boolean {
  return /\n\s+at [^\n]*:\d+:\d+/.test(body) || /node_modules|\/src\/[\w/-]+\.ts/.test(body);
}
