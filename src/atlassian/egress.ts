/**
 * Egress guard (DESIGN.md §7): outbound requests only to allowed host patterns, and after DNS resolution only to
 * public addresses unless private egress is allowed. The address checked is the address connected to (the HTTP
 * client uses `lookup` below), so a DNS answer cannot change between check and connect.
 */

import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { type EgressPort, type EgressVerdict, NetFailure } from '../core/ports.js';
import { classify, normalize } from './egress-addresses.js';
import { checkDestination, destinationOf, type HostRule, matchHost, parseHostRule } from './egress-hosts.js';

export { matchHost } from './egress-hosts.js';

export const DEFAULT_ALLOWED_HOSTS = ['*.atlassian.net', 'api.atlassian.com', '*.jiraalign.com'];

export interface EgressOptions {
  /** Host patterns, each optionally with `:port` (see egress-hosts.ts). */
  allowedHosts: string[];
  allowPrivate: boolean;
  /** Pinned resolutions, like curl --resolve: "host-pattern" → address. Trusted: they are configuration. */
  resolve?: Record<string, string>;
  lookup?: (host: string) => Promise<LookupAddress[]>;
}

export class EgressGuard implements EgressPort {
  private readonly rules: HostRule[];
  private readonly lookupAll: (host: string) => Promise<LookupAddress[]>;

  constructor(private readonly options: EgressOptions) {
    this.rules = options.allowedHosts.filter((p) => p.trim()).map(parseHostRule);
    this.lookupAll = options.lookup ?? ((host) => dnsLookup(host, { all: true, verbatim: true }));
  }

  /** The host, the scheme and the port: a pattern without a port admits HTTPS on 443 only. */
  checkHost(url: string): void {
    checkDestination(this.rules, destinationOf(url));
  }

  async resolve(url: string): Promise<EgressVerdict> {
    this.checkHost(url);
    const { host } = destinationOf(url);
    const addresses = await this.addressesOf(host);
    return { host, addresses: addresses.map((a) => a.address) };
  }

  /**
   * Checked addresses for a host name or address literal (what the HTTP client connects to). Pinned addresses are
   * configuration and may be private, but never a cloud metadata address.
   */
  async addressesOf(hostname: string): Promise<LookupAddress[]> {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const pinned = this.pinned(host);
    if (pinned) {
      if (classify(pinned).kind === 'metadata') this.refuse(host, pinned);
      return [{ address: pinned, family: familyOf(pinned) }];
    }
    const found = ipaddr.isValid(host) ? [{ address: host, family: familyOf(host) }] : await this.dns(host);
    for (const { address } of found) this.checkAddress(host, address);
    return found;
  }

  private async dns(host: string): Promise<LookupAddress[]> {
    try {
      const found = await this.lookupAll(host);
      if (found.length === 0) throw new NetFailure('DNS_FAILURE', `${host} has no address.`);
      return found;
    } catch (error) {
      if (error instanceof NetFailure) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new NetFailure('DNS_FAILURE', `${host} does not resolve (${code}).`);
    }
  }

  private checkAddress(host: string, address: string): void {
    const { kind } = classify(address);
    if (kind === 'public' || (kind === 'private' && this.options.allowPrivate)) return;
    this.refuse(host, address);
  }

  private refuse(host: string, address: string): never {
    const shown = normalize(address);
    const { kind, range } = classify(address);
    if (kind === 'metadata') {
      throw new NetFailure('EGRESS_BLOCKED', `${host} resolves to ${shown}, a cloud metadata address.`);
    }
    throw new NetFailure(
      'EGRESS_BLOCKED',
      `${host} resolves to ${shown} (${range}); private addresses are not allowed.`,
    );
  }

  private pinned(host: string): string | undefined {
    for (const [pattern, address] of Object.entries(this.options.resolve ?? {})) {
      if (matchHost(pattern.toLowerCase(), host)) return address;
    }
    return undefined;
  }
}

function familyOf(address: string): number {
  return ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4;
}

/** Parses "host=addr,*.example.net=127.0.0.1" (ALIGN_BOT_RESOLVE). */
export function parseResolveList(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [host, address] = entry.split('=').map((p) => p.trim());
    if (!host || !address || !ipaddr.isValid(address)) throw new Error(`"${entry}" is not host=address`);
    out[host.toLowerCase()] = address;
  }
  return out;
}
