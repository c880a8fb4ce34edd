import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CairnError } from '#http/errors.ts';

/**
 * Where a webhook may point. A webhook makes our functions send requests to an address a tenant
 * chose, so without these rules it would let a tenant probe the network the functions run in
 * (server-side request forgery): the instance metadata service above all.
 *
 * The rule is an allow-list, not a deny-list: only global unicast addresses receive webhooks.
 * IPv4 outside every IANA special-purpose block; IPv6 inside 2000::/3 and outside its special-purpose
 * blocks. Every IPv6 form that carries an IPv4 address (IPv4-compatible, NAT64, IPv4-translated,
 * 6to4, Teredo) is refused outright: a NAT64 gateway or 6to4 relay would turn it back into the
 * IPv4 address it hides, metadata service included. An IPv4-mapped address (`::ffff:a.b.c.d`) is
 * how a dual-stack socket names an IPv4 peer, so it is judged as the IPv4 address it is.
 */
export interface UrlPolicy {
  /**
   * Loopback and private addresses, and plain `http:`, for a stack on one laptop (and its tests).
   * Link-local, metadata and every other special address stay refused even then.
   */
  allowLocal: boolean;
  /** Resolves a host name to its addresses; the system resolver (`getaddrinfo`) by default. */
  lookup?: (host: string) => Promise<string[]>;
}

type Bytes = readonly number[];

interface Block {
  prefix: Bytes;
  bits: number;
  cidr: string;
  /** Reads after "is a …": "private address". */
  what: string;
  /** `local` blocks are allowed on a laptop's stack; the others never. */
  local?: boolean;
}

function parseIpv4(text: string): Bytes {
  return text.split('.').map(Number);
}

/** 16 bytes of an IPv6 literal (validated by `isIP` first), with a trailing dotted quad if any. */
function parseIpv6(text: string): Bytes {
  let head = text;
  let tailBytes: number[] = [];
  const quad = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    tailBytes = [...parseIpv4(quad[1]!)];
    head = text.slice(0, quad.index + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsOf = (part: string) => (part ? part.split(':') : []);
  const [left = '', right = ''] = head.split('::');
  const leftGroups = groupsOf(left);
  const rightGroups = groupsOf(right);
  const groupCount = 8 - tailBytes.length / 2;
  const fill = head.includes('::') ? groupCount - leftGroups.length - rightGroups.length : 0;
  const groups = [...leftGroups, ...Array<string>(fill).fill('0'), ...rightGroups];
  return [
    ...groups.flatMap((group) => [Number.parseInt(group, 16) >> 8, Number.parseInt(group, 16) & 255]),
    ...tailBytes,
  ];
}

function block(cidr: string, what: string, local = false): Block {
  const [address = '', bits = '0'] = cidr.split('/');
  return {
    prefix: isIP(address) === 4 ? parseIpv4(address) : parseIpv6(address),
    bits: Number(bits),
    cidr,
    what,
    local,
  };
}

function within(bytes: Bytes, candidate: Block): boolean {
  if (bytes.length !== candidate.prefix.length) return false;
  for (let bit = 0; bit < candidate.bits; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((bytes[bit >> 3]! & mask) !== (candidate.prefix[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** IANA's IPv4 special-purpose address registry, and multicast; the first match names the block. */
const ipv4Blocks = [
  block('0.0.0.0/8', '"this network" address'),
  block('10.0.0.0/8', 'private address', true),
  block('100.64.0.0/10', 'private (shared, carrier-grade NAT) address', true),
  block('127.0.0.0/8', 'loopback address', true),
  // The metadata services of AWS (169.254.169.254), GCP and Azure live here.
  block('169.254.0.0/16', 'link-local address'),
  block('172.16.0.0/12', 'private address', true),
  block('192.0.0.0/24', 'IETF protocol assignment'),
  block('192.0.2.0/24', 'documentation address (TEST-NET-1)'),
  block('192.31.196.0/24', 'AS112 anycast address'),
  block('192.52.193.0/24', 'AMT anycast address'),
  block('192.88.99.0/24', '6to4 relay anycast address'),
  block('192.168.0.0/16', 'private address', true),
  block('192.175.48.0/24', 'AS112 anycast address'),
  block('198.18.0.0/15', 'benchmarking address'),
  block('198.51.100.0/24', 'documentation address (TEST-NET-2)'),
  block('203.0.113.0/24', 'documentation address (TEST-NET-3)'),
  block('224.0.0.0/4', 'multicast address'),
  block('255.255.255.255/32', 'broadcast address'),
  block('240.0.0.0/4', 'reserved address'),
];

/** IPv6 blocks that carry an IPv4 address, and where in the 16 bytes it sits. */
const embeddingBlocks: (Block & { ipv4At: number; obfuscated?: boolean })[] = [
  { ...block('::/96', 'IPv4-compatible address'), ipv4At: 12 },
  { ...block('::ffff:0:0:0/96', 'IPv4-translated address'), ipv4At: 12 },
  { ...block('64:ff9b::/96', 'NAT64 address'), ipv4At: 12 },
  { ...block('64:ff9b:1::/48', 'NAT64 (local-use) address'), ipv4At: 12 },
  { ...block('2002::/16', '6to4 address'), ipv4At: 2 },
  // Teredo carries the client's IPv4 address inverted in the last 32 bits.
  { ...block('2001::/32', 'Teredo address'), ipv4At: 12, obfuscated: true },
];

/** IANA's IPv6 special-purpose address registry, checked before the global unicast range. */
const ipv6Blocks = [
  block('::/128', 'unspecified address'),
  block('::1/128', 'loopback address', true),
  block('100::/64', 'discard-only address'),
  block('100:0:0:1::/64', 'dummy IPv6 prefix address'),
  block('2001::/23', 'IETF protocol assignment'),
  block('2001:db8::/32', 'documentation address'),
  block('2620:4f:8000::/48', 'AS112 anycast address'),
  block('3fff::/20', 'documentation address'),
  block('fc00::/7', 'unique local (private) address', true),
  block('fe80::/10', 'link-local address'),
];
const ipv6GlobalUnicast = block('2000::/3', 'global unicast');
const ipv4Mapped = block('::ffff:0:0/96', 'IPv4-mapped address');

/** Metadata services at addresses that the blocks above would otherwise let a laptop reach. */
const metadataAddresses = [
  { bytes: parseIpv4('100.100.100.200'), what: 'Alibaba Cloud metadata service' },
  { bytes: parseIpv6('fd00:ec2::254'), what: 'AWS metadata service (IPv6)' },
];

const same = (a: Bytes, b: Bytes) => a.length === b.length && a.every((byte, i) => byte === b[i]);

function ipv4Refusal(shown: string, bytes: Bytes, policy: UrlPolicy): string | undefined {
  const metadata = metadataAddresses.find((entry) => same(entry.bytes, bytes));
  if (metadata) return `${shown} is the ${metadata.what}`;
  const found = ipv4Blocks.find((candidate) => within(bytes, candidate));
  if (!found || (found.local && policy.allowLocal)) return undefined;
  return `${shown} is a ${found.what} (${found.cidr}), not global unicast`;
}

/** Why an IP address may not receive webhooks under a policy, or undefined when it may. */
export function addressRefusal(address: string, policy: UrlPolicy): string | undefined {
  const family = address.includes('%') ? 0 : isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  if (family === 4) return ipv4Refusal(address, parseIpv4(address), policy);

  const bytes = parseIpv6(address.toLowerCase());
  if (within(bytes, ipv4Mapped)) {
    const ipv4 = bytes.slice(12);
    return ipv4Refusal(`${address} (IPv4 ${ipv4.join('.')})`, ipv4, policy);
  }
  // :: and ::1 sit inside ::/96 but are not IPv4 addresses in disguise.
  const special = ipv6Blocks.find((candidate) => candidate.bits === 128 && within(bytes, candidate));
  const embedding = special ? undefined : embeddingBlocks.find((candidate) => within(bytes, candidate));
  if (embedding) {
    const raw = bytes.slice(embedding.ipv4At, embedding.ipv4At + 4);
    const ipv4 = embedding.obfuscated ? raw.map((byte) => byte ^ 255) : raw;
    return `${address} is an ${embedding.what} (${embedding.cidr}) that embeds IPv4 ${ipv4.join('.')}, not global unicast`;
  }
  const metadata = metadataAddresses.find((entry) => same(entry.bytes, bytes));
  if (metadata) return `${address} is the ${metadata.what}`;
  const found = special ?? ipv6Blocks.find((candidate) => within(bytes, candidate));
  if (found) {
    if (found.local && policy.allowLocal) return undefined;
    return `${address} is a ${found.what} (${found.cidr}), not global unicast`;
  }
  if (!within(bytes, ipv6GlobalUnicast)) return `${address} is outside global unicast (2000::/3)`;
  return undefined;
}

const invalid = (url: string, reason: string) =>
  new CairnError('webhooks.invalid_url', `Webhook URL ${JSON.stringify(url)} is refused: ${reason}`, {
    url,
    reason,
  });

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The system resolver: every address of a name, as `connect` would find them. */
async function systemLookup(host: string): Promise<string[]> {
  return (await dnsLookup(host, { all: true })).map((entry) => entry.address);
}

/** Every address a host name resolves to under the policy's resolver. */
export function resolveHost(host: string, policy: UrlPolicy): Promise<string[]> {
  return (policy.lookup ?? systemLookup)(host);
}

/** Host names that mean a metadata service or this machine, whatever DNS says. */
const metadataHosts = new Set([
  'metadata',
  'metadata.google.internal',
  'instance-data',
  'metadata.azure.internal',
]);

/**
 * Checks a URL a tenant wants webhooks sent to: https (http only for a local stack), no
 * credentials, and a host that neither is nor resolves to a refused address. Delivery checks the
 * resolved addresses again on every connection, since DNS can change after this check (rebinding).
 */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(raw, 'it is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalid(raw, 'only https URLs are allowed');
  if (url.protocol === 'http:' && !policy.allowLocal) throw invalid(raw, 'only https URLs are allowed');
  if (url.username || url.password)
    throw invalid(raw, 'credentials in the URL would be logged; sign with the secret');
  const host = hostOf(url).toLowerCase().replace(/\.$/, '');
  if (metadataHosts.has(host)) throw invalid(raw, `${host} is a metadata service`);
  if ((host === 'localhost' || host.endsWith('.localhost')) && !policy.allowLocal) {
    throw invalid(raw, `${host} is this machine`);
  }
  if (isIP(host)) {
    const refusal = addressRefusal(host, policy);
    if (refusal) throw invalid(raw, refusal);
    return url;
  }
  const addresses = await resolveHost(host, policy).catch(() => []);
  if (addresses.length === 0) throw invalid(raw, `${host} does not resolve`);
  for (const address of addresses) {
    const refusal = addressRefusal(address, policy);
    if (refusal) throw invalid(raw, `${host} resolves to ${address}: ${refusal}`);
  }
  return url;
}
