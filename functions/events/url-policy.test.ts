import { describe, expect, test } from 'vitest';
import { addressRefusal, checkWebhookUrl } from './url-policy.ts';

const cloud = { allowLocal: false };
const laptop = { allowLocal: true };

const refusal = async (url: string, policy = cloud) =>
  checkWebhookUrl(url, policy).then(
    () => undefined,
    (error: { code: string; details: { reason: string } }) => error,
  );

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
  });

  test('a public address passes; resolved addresses are checked the same way at delivery', () => {
    expect(addressRefusal('93.184.216.34', cloud)).toBeUndefined();
    expect(addressRefusal('2606:4700::6810:84e5', cloud)).toBeUndefined();
    expect(addressRefusal('169.254.169.254', laptop)).toMatch(/link-local/);
    expect(addressRefusal('::ffff:10.0.0.1', cloud)).toMatch(/private/);
    expect(addressRefusal('100.100.100.200', laptop)).toMatch(/metadata/);
  });
});
