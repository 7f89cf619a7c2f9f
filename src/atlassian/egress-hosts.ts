/**
 * Allowed host patterns and the ports they admit (DESIGN.md §7). A pattern without a port admits HTTPS on 443
 * only: that is all Atlassian Cloud and Jira Align serve. Another port, and plain HTTP, only for an entry that names
 * the port (`jira.corp.example:8443`, `*.corp.example:8080`, `[fd00::5]:8080`, `jira.lab:80`). Private egress does
 * not widen this: a lab lists its hosts with their ports like anyone else.
 */
import ipaddr from 'ipaddr.js';
import { NetFailure } from '../core/ports.js';

export interface HostRule {
  /** `*`, `*.example.com`, a host name or an address literal (IPv6 without brackets). */
  pattern: string;
  /** Absent: HTTPS on 443 only. */
  port?: number;
}

const NAME = /^(\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?)$/;

/** Parses one ALIGN_BOT_ALLOWED_HOSTS entry; throws a message for the person who wrote it. */
export function parseHostRule(entry: string): HostRule {
  const text = entry.trim().toLowerCase();
  if (/[/@?#\s]/.test(text) || text.includes('://')) {
    throw new Error(`"${entry}" is not a host pattern (write a host name, not a URL)`);
  }
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(text);
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : (/^([^:]+):(\d+)$/.exec(text)?.slice(1) ?? [text, undefined]);
  const literal = ipaddr.isValid(host!);
  if (!literal && !NAME.test(host!)) throw new Error(`"${entry}" is not a host pattern`);
  if (!literal && host!.includes(':')) throw new Error(`"${entry}" is not a host pattern`);
  const rule: HostRule = { pattern: literal ? ipaddr.parse(host!).toString() : host!.replace(/\.$/, '') };
  if (port === undefined) return rule;
  const number = Number(port);
  if (!Number.isInteger(number) || number < 1 || number > 65_535) {
    throw new Error(`"${entry}" has no valid port (1–65535)`);
  }
  return { ...rule, port: number };
}

/** What ipaddr.js might read as an address: anything with a colon (IPv6), or only digits, hex, `x` and dots. */
const MAYBE_LITERAL = /:|^[0-9a-fx.]+$/;

/**
 * Every request is checked against every rule, and a lab lists hundreds of hosts: the cheap comparisons come
 * first, and only two strings that may both be addresses are parsed.
 */
export function matchHost(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (pattern === '*' || h === pattern) return true;
  if (pattern.startsWith('*.')) return h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1;
  if (!MAYBE_LITERAL.test(pattern) || !MAYBE_LITERAL.test(h)) return false;
  if (ipaddr.isValid(pattern) && ipaddr.isValid(h))
    return ipaddr.parse(pattern).toString() === ipaddr.parse(h).toString();
  return false;
}

export interface Destination {
  /** Without brackets, lower case. */
  host: string;
  https: boolean;
  port: number;
}

export function destinationOf(url: string): Destination {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NetFailure('EGRESS_BLOCKED', 'Not a valid URL.');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new NetFailure('EGRESS_BLOCKED', `${parsed.protocol} URLs are not allowed; use https://.`);
  }
  const https = parsed.protocol === 'https:';
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
    https,
    port: parsed.port ? Number(parsed.port) : https ? 443 : 80,
  };
}

/** Throws EGRESS_BLOCKED unless a rule admits the host on this scheme and port. */
export function checkDestination(rules: HostRule[], to: Destination): void {
  const matching = rules.filter((r) => matchHost(r.pattern, to.host));
  if (matching.length === 0) {
    throw new NetFailure(
      'EGRESS_BLOCKED',
      `${to.host} is not in the allowed hosts (${rules.map(showRule).join(', ')}).`,
    );
  }
  const admitted = matching.some((r) =>
    r.port === undefined ? to.https && to.port === 443 : r.port === to.port,
  );
  if (admitted) return;
  const asked = to.https ? `port ${to.port}` : `plain HTTP on port ${to.port}`;
  const entry = `${to.host.includes(':') ? `[${to.host}]` : to.host}:${to.port}`;
  throw new NetFailure(
    'EGRESS_BLOCKED',
    `${to.host} is allowed on HTTPS port 443 only, not ${asked}: Atlassian Cloud and Jira Align serve HTTPS on 443. A server that really listens elsewhere must be listed with its port in ALIGN_BOT_ALLOWED_HOSTS (${entry}).`,
  );
}

export function showRule(rule: HostRule): string {
  if (rule.port === undefined) return rule.pattern;
  return `${rule.pattern.includes(':') ? `[${rule.pattern}]` : rule.pattern}:${rule.port}`;
}
