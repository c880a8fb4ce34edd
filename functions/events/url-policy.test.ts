import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestDns, type TestDns } from '../../test/support/dns-server.ts';
import { postSigned } from './delivery.ts';
import { addressRefusal, checkWebhookUrl, type UrlPolicy } from './url-policy.ts';

const cloud: UrlPolicy = { allowLocal: false };
const laptop: UrlPolicy = { allowLocal: true };

const refusal = async (url: string, policy = cloud) =>
  checkWebhookUrl(url, policy).then(
    () => undefined,
    (error: { code: string; details: { reason: string } }) => error,
  );

/** IPv4 hidden inside IPv6: each spelling reaches 169.254.169.254 (or loopback) through some path. */
const embeddedIpv4 = [
  ['::a9fe:a9fe', 'IPv4-compatible'],
  ['::169.254.169.254', 'IPv4-compatible'],
  ['::127.0.0.1', 'IPv4-compatible'],
  ['64:ff9b::a9fe:a9fe', 'NAT64'],
  ['64:ff9b::169.254.169.254', 'NAT64'],
  ['64:ff9b:1::a9fe:a9fe', 'NAT64'],
  ['::ffff:0:a9fe:a9fe', 'IPv4-translated'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated'],
  ['2002:a9fe:a9fe::1', '6to4'],
  ['2002:7f00:1::1', '6to4'],
  ['2001:0:4136:e378:8000:63bf:5601:5601', 'Teredo'],
] as const;

/** The IANA IPv4 special-purpose registry (and multicast), one address from each block. */
const specialIpv4 = [
  ['0.0.0.0', '0.0.0.0/8'],
  ['0.1.2.3', '0.0.0.0/8'],
  ['10.1.2.3', '10.0.0.0/8'],
  ['100.64.0.1', '100.64.0.0/10'],
  ['100.127.255.254', '100.64.0.0/10'],
  ['127.0.0.1', '127.0.0.0/8'],
  ['127.255.255.254', '127.0.0.0/8'],
  ['169.254.169.254', '169.254.0.0/16'],
  ['172.16.0.1', '172.16.0.0/12'],
  ['172.31.255.254', '172.16.0.0/12'],
  ['192.0.0.9', '192.0.0.0/24'],
  ['192.0.0.170', '192.0.0.0/24'],
  ['192.0.2.1', '192.0.2.0/24'],
  ['192.31.196.1', '192.31.196.0/24'],
  ['192.52.193.1', '192.52.193.0/24'],
  ['192.88.99.1', '192.88.99.0/24'],
  ['192.168.1.10', '192.168.0.0/16'],
  ['192.175.48.1', '192.175.48.0/24'],
  ['198.18.0.1', '198.18.0.0/15'],
  ['198.19.255.254', '198.18.0.0/15'],
  ['198.51.100.7', '198.51.100.0/24'],
  ['203.0.113.9', '203.0.113.0/24'],
  ['224.0.0.1', '224.0.0.0/4'],
  ['239.255.255.250', '224.0.0.0/4'],
  ['240.0.0.1', '240.0.0.0/4'],
  ['255.255.255.255', '255.255.255.255/32'],
] as const;

/** The IANA IPv6 special-purpose registry, and what lies outside global unicast (2000::/3). */
const specialIpv6 = [
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['::ffff:169.254.169.254', '169.254.0.0/16'],
  ['::ffff:a9fe:a9fe', '169.254.0.0/16'],
  ['::ffff:10.0.0.1', '10.0.0.0/8'],
  ['::ffff:127.0.0.1', '127.0.0.0/8'],
  ['100::1', '100::/64'],
  ['100:0:0:1::1', '100:0:0:1::/64'],
  ['2001::1', 'Teredo'],
  ['2001:1::1', '2001::/23'],
  ['2001:2::1', '2001::/23'],
  ['2001:3::1', '2001::/23'],
  ['2001:4:112::1', '2001::/23'],
  ['2001:10::1', '2001::/23'],
  ['2001:20::1', '2001::/23'],
  ['2001:1ff::1', '2001::/23'],
  ['2001:db8::1', '2001:db8::/32'],
  ['2620:4f:8000::1', '2620:4f:8000::/48'],
  ['3fff::1', '3fff::/20'],
  ['5f00::1', 'global unicast'],
  ['fc00::1', 'fc00::/7'],
  ['fd00:ec2::254', 'metadata'],
  ['fd12:3456::1', 'fc00::/7'],
  ['fe80::1', 'fe80::/10'],
  ['fec0::1', 'global unicast'],
  ['ff02::1', 'global unicast'],
  ['4000::1', 'global unicast'],
] as const;

const globalUnicast = [
  '8.8.8.8',
  '93.184.216.34',
  '1.1.1.1',
  '192.0.1.1',
  '223.255.255.1',
  '2606:4700::6810:84e5',
  '2a00:1450:4001:80b::200e',
  '2001:200::1',
  '::ffff:8.8.8.8',
];

describe('webhook addresses (offline): only global unicast in AWS', () => {
  test.each(embeddedIpv4)('[%s] (IPv4 embedded in IPv6) is refused', async (address, kind) => {
    expect(addressRefusal(address, cloud)).toContain(kind);
    // A laptop's stack allows loopback and private addresses, never these disguises of them.
    expect(addressRefusal(address, laptop)).toContain(kind);
    expect((await refusal(`https://[${address}]/hook`))?.code).toBe('webhooks.invalid_url');
  });

  test.each(specialIpv4)('%s (%s) is refused', async (address, block) => {
    expect(addressRefusal(address, cloud)).toContain(block);
    expect((await refusal(`https://${address}/hook`))?.details.reason).toContain(block);
  });

  test.each(specialIpv6)('%s (%s) is refused', async (address, block) => {
    expect(addressRefusal(address, cloud)).toContain(block);
    expect((await refusal(`https://[${address}]/hook`))?.details.reason).toContain(block);
  });

  test.each(globalUnicast)('%s is global unicast and allowed', (address) => {
    expect(addressRefusal(address, cloud)).toBeUndefined();
  });

  test('a local stack allows loopback and private addresses, never link-local, metadata or special ones', () => {
    for (const allowed of ['127.0.0.1', '::1', '10.1.2.3', '172.16.0.1', '192.168.1.10', 'fd12::1']) {
      expect(addressRefusal(allowed, laptop), allowed).toBeUndefined();
    }
    expect(addressRefusal('::ffff:127.0.0.1', laptop)).toBeUndefined();
    for (const refused of [
      '169.254.169.254',
      '::ffff:169.254.169.254',
      'fe80::1',
      'fd00:ec2::254',
      '100.100.100.200',
      '0.0.0.0',
      '::',
      '192.0.2.1',
      '2001:db8::1',
      '224.0.0.1',
    ]) {
      expect(addressRefusal(refused, laptop), refused).toBeDefined();
    }
  });

  test('an address that is not an IP address is refused rather than guessed at', () => {
    expect(addressRefusal('fe80::1%eth0', cloud)).toBeDefined();
    expect(addressRefusal('not-an-address', cloud)).toBeDefined();
  });
});

describe('webhook URLs (offline)', () => {
  test.each([
    ['ftp://example.com/hook', 'only https'],
    ['file:///etc/passwd', 'only https'],
    ['http://127.0.0.1:8080/hook', 'only https'],
    ['https://user:secret@127.0.0.1/hook', 'credentials'],
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://[fe80::1]/hook', 'link-local'],
    ['https://[fd00:ec2::254]/hook', 'metadata'],
    ['https://[::ffff:169.254.169.254]/hook', 'link-local'],
    ['https://2852039166/hook', 'link-local'],
    ['https://0xa9fea9fe/hook', 'link-local'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'metadata service'],
    ['https://10.1.2.3/hook', 'private'],
    ['https://192.168.1.10/hook', 'private'],
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://localhost/hook', 'this machine'],
    ['not a url', 'not a URL'],
  ])('%s is refused in AWS (400 webhooks.invalid_url: %s)', async (url, reason) => {
    const error = await refusal(url);
    expect(error?.code).toBe('webhooks.invalid_url');
    expect(error?.details.reason).toContain(reason);
  });

  test('a local stack allows loopback and private addresses over http, never link-local or metadata', async () => {
    expect(await refusal('http://127.0.0.1:8080/hook', laptop)).toBeUndefined();
    expect(await refusal('http://[::1]:8080/hook', laptop)).toBeUndefined();
    expect(await refusal('http://192.168.1.10/hook', laptop)).toBeUndefined();
    expect((await refusal('http://169.254.169.254/', laptop))?.code).toBe('webhooks.invalid_url');
    expect((await refusal('http://[::ffff:a9fe:a9fe]/', laptop))?.code).toBe('webhooks.invalid_url');
    expect((await refusal('http://[::127.0.0.1]/', laptop))?.code).toBe('webhooks.invalid_url');
  });
});

describe('webhook host names, resolved by a real DNS server on loopback', () => {
  let dns: TestDns;
  beforeAll(async () => {
    dns = await startTestDns();
  });
  afterAll(() => dns.close());
  const resolving = (policy: UrlPolicy): UrlPolicy => ({ ...policy, lookup: (host) => dns.lookup(host) });

  test.each([
    ...embeddedIpv4.map(([address]) => address),
    '169.254.169.254',
    '127.0.0.1',
    '10.0.0.1',
    '100.64.0.1',
    'fd00:ec2::254',
    '::1',
  ])('a name that resolves to %s is refused', async (address) => {
    const name = `to-${address.replace(/[:.]/g, '-')}.hooks.test`;
    dns.set(name, [address]);

    const error = await refusal(`https://${name}/hook`, resolving(cloud));

    expect(error?.code).toBe('webhooks.invalid_url');
    expect(error?.details.reason).toContain(`${name} resolves to`);
  });

  test('a name is refused when any of its addresses is, and accepted when all are global', async () => {
    dns.set('mixed.hooks.test', ['93.184.216.34', '2606:4700::1', '169.254.169.254']);
    dns.set('global.hooks.test', ['93.184.216.34', '2606:4700::6810:84e5']);
    dns.set('nowhere.hooks.test', []);

    expect((await refusal('https://mixed.hooks.test/hook', resolving(cloud)))?.details.reason).toMatch(
      /resolves to 169\.254\.169\.254.*link-local/,
    );
    expect(await refusal('https://global.hooks.test/hook', resolving(cloud))).toBeUndefined();
    expect((await refusal('https://nowhere.hooks.test/hook', resolving(cloud)))?.details.reason).toContain(
      'does not resolve',
    );
  });

  test('a name that changes its answer after the check (DNS rebinding) is refused at delivery, before any connection', async () => {
    let connections = 0;
    const inside = createServer((_request, response) => response.writeHead(204).end());
    inside.on('connection', () => connections++);
    await new Promise<void>((listening) => inside.listen(0, '127.0.0.1', listening));
    const port = (inside.address() as AddressInfo).port;
    try {
      dns.set('rebind.hooks.test', ['93.184.216.34']);
      const url = await checkWebhookUrl(`https://rebind.hooks.test:${port}/hook`, resolving(cloud));
      dns.set('rebind.hooks.test', ['127.0.0.1']);

      const sent = postSigned(new URL(`http://rebind.hooks.test:${port}/hook`), '{}', {}, resolving(cloud));

      expect(url.hostname).toBe('rebind.hooks.test');
      await expect(sent).rejects.toThrow(/127\.0\.0\.1 is a loopback/);
      expect(connections).toBe(0);
      // The same name on a laptop's stack (loopback allowed) does connect: the refusal was the policy.
      expect(
        await postSigned(new URL(`http://rebind.hooks.test:${port}/hook`), '{}', {}, resolving(laptop)),
      ).toBe(204);
      expect(connections).toBe(1);
    } finally {
      inside.close();
    }
  });
});
