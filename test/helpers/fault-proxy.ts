/**
 * A fault-injecting HTTP proxy in front of a simulator's Web API (the Slack simulator here): every call is
 * forwarded, and a plan may spoil one — answer 500 without forwarding it (the platform never got it), or forward
 * it and then answer 500 instead of the real answer, or forward it and never answer (the client times out). The
 * simulator then holds exactly what the platform would hold after such a failure.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export type ProxyFault = 'refused-500' | 'accepted-then-500' | 'accepted-then-silence';

export interface ProxiedCall {
  /** The Web API method (the path after /api/). */
  method: string;
  /** The form arguments, `metadata` parsed. */
  args: Record<string, unknown>;
  fault?: ProxyFault;
  /** What the simulator answered (0 when it was not asked). */
  upstreamStatus: number;
  at: number;
}

export type FaultPlan = (call: { method: string; args: Record<string, unknown> }) => ProxyFault | undefined;

/** Headers of the simulator's answer the client reads. */
const RELAYED = ['content-type', 'retry-after', 'x-oauth-scopes', 'x-accepted-oauth-scopes'];

export class FaultProxy {
  readonly calls: ProxiedCall[] = [];
  url = '';
  /** Calls held without an answer right now. */
  silent = 0;
  private server?: Server;

  constructor(
    private readonly upstream: string,
    public plan: FaultPlan = () => undefined,
    /** How long a silenced call is held at most (the client normally hangs up first). */
    private readonly holdMs = 30_000,
  ) {}

  /** The Web API base to give the bot (SLACK_API_URL). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${error.message}`);
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  callsOf(method: string, fault?: ProxyFault): ProxiedCall[] {
    return this.calls.filter((c) => c.method === method && (fault === undefined || c.fault === fault));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? '/';
    const method = path.startsWith('/api/') ? path.slice(5).split('?')[0]! : path;
    const args = formArgs(String(req.headers['content-type'] ?? ''), body.toString('utf8'));
    const fault = this.plan({ method, args });
    const call: ProxiedCall = {
      method,
      args,
      upstreamStatus: 0,
      at: Date.now(),
      ...(fault ? { fault } : {}),
    };
    this.calls.push(call);
    if (fault === 'refused-500') return answer500(res);

    const upstream = await request(`${this.upstream}${path}`, {
      method: req.method ?? 'POST',
      headers: {
        'content-type': String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded'),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      },
      body,
    });
    const text = await upstream.body.text();
    call.upstreamStatus = upstream.statusCode;
    if (fault === 'accepted-then-500') return answer500(res);
    if (fault === 'accepted-then-silence') return this.hold(res);
    const headers: Record<string, string> = {};
    for (const name of RELAYED) {
      const value = upstream.headers[name];
      if (value !== undefined) headers[name] = String(value);
    }
    res.writeHead(upstream.statusCode, headers).end(text);
  }

  /** No answer until the client hangs up (its timeout), or `holdMs`. */
  private hold(res: ServerResponse): void {
    this.silent += 1;
    const timer = setTimeout(() => answer500(res), this.holdMs);
    timer.unref();
    res.on('close', () => {
      clearTimeout(timer);
      this.silent -= 1;
    });
  }
}

function answer500(res: ServerResponse): void {
  res.writeHead(500, { 'content-type': 'application/json' }).end('{"ok":false,"error":"internal_error"}');
}

function formArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (key === 'token') continue;
    out[key] = key === 'metadata' ? safeParse(value) : value;
  }
  return out;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
