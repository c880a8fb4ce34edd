import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { CairnError } from '#http/errors.ts';

/**
 * Where a webhook may point. A webhook makes our functions send requests to an address a tenant
 * chose, so without these rules it would let a tenant probe the network the functions run in
 * (server-side request forgery): the instance metadata service above all.
 */
export interface UrlPolicy {
  /**
   * Loopback and private addresses, and plain `http:`, for a stack on one laptop (and its tests).
   * Link-local and metadata addresses stay refused even then.
   */
  allowLocal: boolean;
}

const never = new BlockList();
// Link-local: the metadata services of AWS (169.254.169.254, fd00:ec2::254 below), GCP and Azure live here.
never.addSubnet('169.254.0.0', 16, 'ipv4');
never.addSubnet('fe80::', 10, 'ipv6');
never.addSubnet('0.0.0.0', 8, 'ipv4');
never.addAddress('::', 'ipv6');
never.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
never.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
never.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
never.addAddress('255.255.255.255', 'ipv4');
never.addSubnet('ff00::', 8, 'ipv6');

const local = new BlockList();
local.addSubnet('127.0.0.0', 8, 'ipv4');
local.addAddress('::1', 'ipv6');
local.addSubnet('10.0.0.0', 8, 'ipv4');
local.addSubnet('172.16.0.0', 12, 'ipv4');
local.addSubnet('192.168.0.0', 16, 'ipv4');
local.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT, used inside VPCs too
local.addSubnet('198.18.0.0', 15, 'ipv4');
local.addSubnet('fc00::', 7, 'ipv6'); // unique local

/** Host names that mean a metadata service or this machine, whatever DNS says. */
const metadataHosts = new Set([
  'metadata',
  'metadata.google.internal',
  'instance-data',
  'metadata.azure.internal',
]);

/** `::ffff:a.b.c.d` (or its hex spelling) is an IPv4 address in disguise. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return { address: dotted[1]!, family: 'ipv4' };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = Number.parseInt(hex[1]!, 16);
    const low = Number.parseInt(hex[2]!, 16);
    return { address: [high >> 8, high & 255, low >> 8, low & 255].join('.'), family: 'ipv4' };
  }
  return { address: lower, family: isIP(lower) === 4 ? 'ipv4' : 'ipv6' };
}

/** Why an IP address may not receive webhooks under a policy, or undefined when it may. */
export function addressRefusal(address: string, policy: UrlPolicy): string | undefined {
  const ip = unmapped(address);
  if (never.check(ip.address, ip.family)) return `${address} is a link-local, metadata or reserved address`;
  if (!policy.allowLocal && local.check(ip.address, ip.family)) {
    return `${address} is a loopback or private address`;
  }
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

/**
 * Checks a URL a tenant wants webhooks sent to: https (http only for a local stack), no
 * credentials, and a host that neither is nor resolves to a refused address. Delivery checks the
 * resolved address again on every connection, since DNS can change after this check.
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
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (found) => found.map((entry) => entry.address),
        () => {
          throw invalid(raw, `${host} does not resolve`);
        },
      );
  for (const address of addresses) {
    const refusal = addressRefusal(address, policy);
    if (refusal) throw invalid(raw, refusal);
  }
  return url;
}
