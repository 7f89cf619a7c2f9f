/**
 * Egress guard (DESIGN.md §7): outbound requests only to allowed host patterns, and after DNS resolution only to
 * public addresses unless private egress is allowed. The address checked is the address connected to (the HTTP
 * client uses `lookup` below), so a DNS answer cannot change between check and connect.
 */

import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { type EgressPort, type EgressVerdict, NetFailure } from '../core/ports.js';

export const DEFAULT_ALLOWED_HOSTS = ['*.atlassian.net', 'api.atlassian.com', '*.jiraalign.com'];

/** Cloud metadata services: refused even when private egress is allowed. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2']);

export interface EgressOptions {
  allowedHosts: string[];
  allowPrivate: boolean;
  /** Pinned resolutions, like curl --resolve: "host-pattern" → address. Trusted: they are configuration. */
  resolve?: Record<string, string>;
  lookup?: (host: string) => Promise<LookupAddress[]>;
}

export class EgressGuard implements EgressPort {
  private readonly patterns: string[];
  private readonly lookupAll: (host: string) => Promise<LookupAddress[]>;

  constructor(private readonly options: EgressOptions) {
    this.patterns = options.allowedHosts.map((p) => p.trim().toLowerCase()).filter(Boolean);
    this.lookupAll = options.lookup ?? ((host) => dnsLookup(host, { all: true, verbatim: true }));
  }

  checkHost(url: string): void {
    const host = hostnameOf(url);
    if (!this.hostAllowed(host)) {
      throw new NetFailure(
        'EGRESS_BLOCKED',
        `${host} is not in the allowed hosts (${this.patterns.join(', ')}).`,
      );
    }
  }

  async resolve(url: string): Promise<EgressVerdict> {
    this.checkHost(url);
    const host = hostnameOf(url);
    const addresses = await this.addressesOf(host);
    return { host, addresses: addresses.map((a) => a.address) };
  }

  /** Checked addresses for a host name (what the HTTP client connects to). */
  async addressesOf(host: string): Promise<LookupAddress[]> {
    const pinned = this.pinned(host);
    if (pinned) return [{ address: pinned, family: ipaddr.parse(pinned).kind() === 'ipv6' ? 6 : 4 }];
    const literal = ipLiteral(host);
    const found = literal
      ? [{ address: literal, family: ipaddr.parse(literal).kind() === 'ipv6' ? 6 : 4 }]
      : await this.dns(host);
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
    // NAT64, 6to4 and IPv4-compatible addresses reach the IPv4 address inside them: judge that one.
    const inner = embeddedIPv4(address);
    if (inner) return this.checkAddress(host, inner);
    const range = rangeOf(address);
    const normalized = normalize(address);
    if (METADATA_ADDRESSES.has(normalized)) {
      throw new NetFailure('EGRESS_BLOCKED', `${host} resolves to ${normalized}, a cloud metadata address.`);
    }
    if (range === 'unicast') return;
    if (
      range === 'unspecified' ||
      range === 'multicast' ||
      range === 'broadcast' ||
      !this.options.allowPrivate
    ) {
      throw new NetFailure(
        'EGRESS_BLOCKED',
        `${host} resolves to ${normalized} (${range}); private addresses are not allowed.`,
      );
    }
  }

  private hostAllowed(host: string): boolean {
    return this.patterns.some((pattern) => matchHost(pattern, host));
  }

  private pinned(host: string): string | undefined {
    for (const [pattern, address] of Object.entries(this.options.resolve ?? {})) {
      if (matchHost(pattern.toLowerCase(), host)) return address;
    }
    return undefined;
  }
}

export function matchHost(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1;
  return h === pattern;
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    throw new NetFailure('EGRESS_BLOCKED', 'Not a valid URL.');
  }
}

function ipLiteral(host: string): string | undefined {
  return ipaddr.isValid(host) ? host : undefined;
}

function normalize(address: string): string {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  }
  return parsed.toString();
}

/** The IPv4 address carried by a NAT64 (64:ff9b::/96), 6to4 (2002::/16) or IPv4-compatible (::/96) address. */
export function embeddedIPv4(address: string): string | undefined {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() !== 'ipv6') return undefined;
  const p = (parsed as ipaddr.IPv6).parts;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return v4(p[6]!, p[7]!);
  if (p[0] === 0x2002) return v4(p[1]!, p[2]!);
  if (zeros(0, 6) && (p[6] !== 0 || p[7]! > 1)) return v4(p[6]!, p[7]!);
  return undefined;
}

function rangeOf(address: string): string {
  return ipaddr.process(address).range();
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
