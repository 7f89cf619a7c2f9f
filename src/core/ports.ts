/**
 * What the runbooks need from the outside world, as interfaces. Adapters (atlassian/, chat/, store/) implement
 * them; tests and the CLI inject their own.
 */
import type { Secret } from './secret.js';

export type NetFailureCode =
  | 'EGRESS_BLOCKED'
  | 'DNS_FAILURE'
  | 'TLS_FAILURE'
  | 'TIMEOUT'
  | 'CONNECTION_REFUSED';

/** A request that never produced an HTTP answer. The message is safe to show: it never holds a credential. */
export class NetFailure extends Error {
  constructor(
    readonly code: NetFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'NetFailure';
  }
}

export type Credential =
  | { scheme: 'basic'; user: string; secret: Secret }
  | { scheme: 'bearer'; secret: Secret }
  /** A ready Authorization header value made by a signer (OAuth 1.0a). */
  | { scheme: 'header'; value: Secret };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  auth?: Credential;
  body?: string;
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
  /** The URL that was requested (redirects are never followed implicitly). */
  url: string;
  ms: number;
}

export interface HttpPort {
  /** Resolves with any HTTP status; rejects only with NetFailure. */
  send(request: HttpRequest): Promise<HttpAnswer>;
}

export interface EgressVerdict {
  host: string;
  addresses: string[];
}

export interface EgressPort {
  /** Throws NetFailure(EGRESS_BLOCKED) when the host is outside the allow list. */
  checkHost(url: string): void;
  /** Resolves the host and checks every address; NetFailure(DNS_FAILURE | EGRESS_BLOCKED). */
  resolve(url: string): Promise<EgressVerdict>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
