/**
 * What an address is, for the egress guard: cloud metadata (refused always), public, or private (loopback,
 * private, link-local, …). IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64, 6to4, IPv4-compatible,
 * IPv4-translated) are judged by the IPv4 address inside them.
 */
import ipaddr from 'ipaddr.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Cloud metadata and platform services: refused even when private egress is allowed. The whole IPv4 link-local
 * range, because every cloud puts something there (169.254.169.254 instance metadata, 169.254.170.2 ECS task
 * metadata, 169.254.170.23 EKS Pod Identity, 169.254.0.23 Tencent) and no Jira lives there.
 */
const METADATA_RANGES: Cidr[] = [
  '169.254.0.0/16',
  '100.100.100.200/32', // Alibaba Cloud
  '168.63.129.16/32', // Azure WireServer (a public address, reachable only from inside Azure)
  'fd00:ec2::/64', // AWS IMDS, ECS and EKS Pod Identity over IPv6
  'fd20:ce::254/128', // Google Cloud metadata over IPv6
  'fd00:c1::a9fe:a9fe/128', // Oracle Cloud metadata over IPv6
].map((cidr) => ipaddr.parseCIDR(cidr));

export type AddressKind = 'public' | 'private' | 'never' | 'metadata';

export interface AddressClass {
  kind: AddressKind;
  /** ipaddr.js's range name of the address judged (the IPv4 one inside an IPv6 form). */
  range: string;
}

/** The kind of an address, judging every IPv4 address an IPv6 form may carry. */
export function classify(address: string): AddressClass {
  const parsed = ipaddr.process(address);
  const inner = embeddedIPv4Candidates(address).map((v4) => ipaddr.parse(v4));
  // The first candidate is the standard layout: the address is routed to that one.
  const judged = inner[0] ?? parsed;
  const range = judged.range();
  if (isMetadata(parsed) || inner.some(isMetadata)) return { kind: 'metadata', range };
  if (range === 'unicast') return { kind: 'public', range };
  if (range === 'unspecified' || range === 'multicast' || range === 'broadcast')
    return { kind: 'never', range };
  return { kind: 'private', range };
}

function isMetadata(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return METADATA_RANGES.some(
    ([net, bits]) => net.kind() === address.kind() && address.match(net as never, bits),
  );
}

/** IPv4-mapped addresses as IPv4, everything else in ipaddr's canonical form. */
export function normalize(address: string): string {
  return ipaddr.process(address).toString();
}

/**
 * The IPv4 addresses an IPv6 address may reach: NAT64 with the well-known prefix (64:ff9b::/96) and the local-use
 * prefix (64:ff9b:1::/48, as a /96 and in the RFC 6052 /48 layout), 6to4 (2002::/16), IPv4-compatible (::/96) and
 * IPv4-translated (::ffff:0:0/96). The first is the standard reading.
 */
export function embeddedIPv4Candidates(address: string): string[] {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() !== 'ipv6') return [];
  const p = (parsed as ipaddr.IPv6).parts;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return [v4(p[6]!, p[7]!)];
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 1) {
    // RFC 6052 /48: bits 48–63 are the first half of the IPv4 address, 64–71 are zero, 72–87 the second half.
    const secondHalf = ((p[4]! & 0xff) << 8) | (p[5]! >> 8);
    return [v4(p[6]!, p[7]!), v4(p[3]!, secondHalf)];
  }
  if (p[0] === 0x2002) return [v4(p[1]!, p[2]!)];
  if (zeros(0, 6) && (p[6] !== 0 || p[7]! > 1)) return [v4(p[6]!, p[7]!)];
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return [v4(p[6]!, p[7]!)];
  return [];
}
