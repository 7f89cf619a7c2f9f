/**
 * The one HTTP client for Jira and Jira Align: undici, connecting only to addresses the egress guard cleared,
 * never following redirects, with a time limit per request and a cap on connections per host. Failures that
 * produced no HTTP answer become NetFailure with a diagnosis code.
 */
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, request } from 'undici';
import type { Credential, HttpAnswer, HttpPort, HttpRequest } from '../core/ports.js';
import { NetFailure } from '../core/ports.js';
import type { EgressGuard } from './egress.js';

const MAX_BODY_BYTES = 1024 * 1024;
const USER_AGENT = 'align-bot/0.1 (+https://github.com/align-bot)';

const TLS_CODES = /CERT|SSL|TLS|EPROTO|ERR_OSSL|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|HOSTNAME|ALTNAME/i;

export interface HttpClientOptions {
  guard: EgressGuard;
  /** Connections per origin: the per-host cap for fleet tests. */
  connectionsPerHost?: number;
  defaultTimeoutMs?: number;
  /** Extra CA certificates (PEM), e.g. a simulator's. */
  ca?: string[];
}

export class GuardedHttpClient implements HttpPort {
  private readonly agent: Agent;

  constructor(private readonly options: HttpClientOptions) {
    const connector = buildConnector({ lookup: this.lookup, ...(options.ca ? { ca: options.ca } : {}) });
    this.agent = new Agent({
      connections: options.connectionsPerHost ?? 8,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connect: (opts, callback) => this.dial(connector, opts, callback),
    });
  }

  async send(req: HttpRequest): Promise<HttpAnswer> {
    this.options.guard.checkHost(req.url);
    const started = performance.now();
    const timeoutMs = req.timeoutMs ?? this.options.defaultTimeoutMs ?? 10_000;
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: buildHeaders(req),
        ...(req.body !== undefined ? { body: req.body } : {}),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = await readCapped(res.body);
      return {
        status: res.statusCode,
        headers: flattenHeaders(res.headers),
        body,
        url: req.url,
        ms: Math.round(performance.now() - started),
      };
    } catch (error) {
      throw toNetFailure(error, req.url, timeoutMs);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * Every connection passes here: the scheme and port are checked again, and an address literal (which net.connect
   * dials without calling `lookup`) is checked like a resolved address.
   */
  private dial(
    connector: buildConnector.connector,
    opts: buildConnector.Options,
    callback: buildConnector.Callback,
  ): void {
    const host = opts.hostname.replace(/^\[|\]$/g, '');
    const literal = ipaddr.isValid(host);
    const shown = literal && host.includes(':') ? `[${host}]` : host;
    let checked: Promise<unknown>;
    try {
      this.options.guard.checkHost(`${opts.protocol}//${shown}${opts.port ? `:${opts.port}` : ''}/`);
      checked = literal ? this.options.guard.addressesOf(host) : Promise.resolve();
    } catch (error) {
      checked = Promise.reject(error);
    }
    checked.then(
      () => connector(opts, callback),
      (error: Error) => callback(error, null),
    );
  }

  /** net.connect's lookup: resolve through the guard so only checked addresses are dialled. */
  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    const cb = callback as unknown as (
      err: Error | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    this.options.guard.addressesOf(hostname).then(
      (addresses) => {
        const wanted = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
        const list = wanted.length > 0 ? wanted : addresses;
        if ((options as { all?: boolean }).all) cb(null, list);
        else cb(null, list[0]!.address, list[0]!.family);
      },
      (error: Error) => cb(error, ''),
    );
  };
}

function buildHeaders(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...req.headers };
  const auth = authorization(req.auth);
  if (auth) headers.authorization = auth;
  return headers;
}

function authorization(credential: Credential | undefined): string | undefined {
  if (!credential) return undefined;
  switch (credential.scheme) {
    case 'basic':
      return `Basic ${Buffer.from(`${credential.user}:${credential.secret.reveal()}`).toString('base64')}`;
    case 'bearer':
      return `Bearer ${credential.secret.reveal()}`;
    case 'header':
      return credential.value.reveal();
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy?.();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Maps undici and socket errors to the network diagnoses. The message never carries request headers. */
export function toNetFailure(error: unknown, url: string, timeoutMs: number): NetFailure {
  if (error instanceof NetFailure) return error;
  const chain = causeChain(error);
  const guard = chain.find((e): e is NetFailure => e instanceof NetFailure);
  if (guard) return guard;
  const host = safeHost(url);
  const codes = chain.map((e) => (e as NodeJS.ErrnoException).code ?? '').filter(Boolean);
  const names = chain.map((e) => (e as Error).name);
  if (names.includes('TimeoutError') || codes.some((c) => c.includes('TIMEOUT') || c === 'ETIMEDOUT')) {
    return new NetFailure('TIMEOUT', `${host} did not answer within ${timeoutMs} ms.`);
  }
  if (codes.includes('ECONNREFUSED'))
    return new NetFailure('CONNECTION_REFUSED', `${host} refused the connection.`);
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    return new NetFailure('DNS_FAILURE', `${host} does not resolve.`);
  }
  const tls =
    codes.find((c) => TLS_CODES.test(c)) ??
    chain.map((e) => (e as Error).message).find((m) => TLS_CODES.test(m));
  if (tls) return new NetFailure('TLS_FAILURE', `TLS with ${host} failed (${tls}).`);
  if (codes.includes('ECONNRESET') || codes.includes('UND_ERR_SOCKET') || codes.includes('EPIPE')) {
    return new NetFailure('CONNECTION_REFUSED', `${host} closed the connection (${codes[0]}).`);
  }
  return new NetFailure(
    'CONNECTION_REFUSED',
    `${host} could not be reached (${codes[0] ?? names[0] ?? 'error'}).`,
  );
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && chain.length < 6) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the host';
  }
}
