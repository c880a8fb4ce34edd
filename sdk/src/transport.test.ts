import { createServer } from 'node:net';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { newTenant } from '../../test/support/tenants.ts';
import { Cairn } from './client.ts';
import { CairnError } from './errors.ts';
import { type FaultProxy, startFaultProxy } from './test-support/fault-proxy.ts';
import { backoffDelay, parseRetryAfter } from './transport.ts';

describe('retry timing (offline)', () => {
  test('Retry-After is read as seconds or as an HTTP date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');

    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  test('backoff doubles per failure, is jittered within the upper half, and is capped', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, () => 0)).toBe(400);
    expect(backoffDelay(20, 100, 10_000, () => 1)).toBe(10_000);
  });
});

describe('retries against the real gateway, through a fault injector', () => {
  let proxy: FaultProxy;
  afterEach(() => proxy?.close());

  const fast = { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20 };
  const unavailable = { status: 503, body: { message: 'Service Unavailable' } };

  test('a read that meets 503s and a dropped connection still succeeds', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    proxy.faults.push(unavailable, { drop: 'before' }, { status: 502 });
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });

    const { tenant: answered } = await cairn.tenant();

    expect(answered.id).toBe(tenant.id);
    expect(proxy.requests).toHaveLength(4);
  });

  test('429 with Retry-After in seconds waits that long before trying again', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    proxy.faults.push({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'Too Many Requests' },
    });
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });

    await cairn.tenant();

    const [first, second] = proxy.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  test('Retry-After as an HTTP date is honoured too', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    const inTwoSeconds = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toUTCString();
    proxy.faults.push({ status: 503, headers: { 'retry-after': inTwoSeconds } });
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });

    await cairn.tenant();

    const [first, second] = proxy.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
  });

  test('a Retry-After beyond the limit fails at once with the server answer', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    proxy.faults.push({ status: 429, headers: { 'retry-after': '3600' }, body: { message: 'Slow down' } });
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });

    const failure = await cairn.tenant().catch((error: unknown) => error);

    expect(failure).toMatchObject({ status: 429, code: 'http.429' });
    expect(proxy.requests).toHaveLength(1);
  });

  test('a write that lost a race (409 *.busy) is tried again', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    proxy.faults.push({ status: 409, body: { error: { code: 'runs.busy', message: 'retry' } } });
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });

    const key = await cairn.keys.create({ name: 'after-busy', role: 'reader' });

    expect(key.name).toBe('after-busy');
    expect(proxy.requests).toHaveLength(2);
  });

  test('other 409s are final', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });
    const key = await cairn.keys.create({ name: 'twice-revoked', role: 'reader' });
    await cairn.keys.revoke(key.id);

    await expect(cairn.keys.revoke(key.id)).rejects.toMatchObject({
      status: 409,
      code: 'keys.already_revoked',
    });
    expect(proxy.requests.filter((request) => request.method === 'DELETE')).toHaveLength(2);
  });

  test('attempts are bounded: the last answer is thrown', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    proxy.faults.push(...Array.from({ length: 10 }, () => unavailable));
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: { ...fast, maxAttempts: 3 } });

    const failure = await cairn.tenant().catch((error: unknown) => error);

    expect(failure).toMatchObject({ status: 503, code: 'http.503' });
    expect(proxy.requests).toHaveLength(3);
  });

  test('other 4xx answers are final: one request, the server code', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });

    const failure = await cairn.keys
      .create({ name: 'x', role: 'owner' as 'admin' })
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({ status: 400, code: 'request.invalid' });
    expect(proxy.requests).toHaveLength(1);
  });

  test('a create that may have happened (500, or dropped after sending) is not repeated', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    proxy.faults.push({ drop: 'after' });
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });

    const failure = await cairn.keys
      .create({ name: 'maybe', role: 'reader' })
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'network.unreachable', status: 0 });
    expect(proxy.requests).toHaveLength(1);
    // The server did act: exactly one key named "maybe", never two.
    const keys = await cairn.keys.list();
    expect(keys.filter((key) => key.name === 'maybe')).toHaveLength(1);
  });

  test('a create the server refused (503, 429) is repeated, and happens once', async () => {
    const tenant = await newTenant('sdk');
    proxy = await startFaultProxy(inject('cairn').url);
    proxy.faults.push(unavailable, { status: 429 });
    const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });

    const key = await cairn.keys.create({ name: 'refused-then-made', role: 'writer' });

    expect(key.secret).toMatch(/^cairn_/);
    expect((await cairn.keys.list()).filter((one) => one.name === 'refused-then-made')).toHaveLength(1);
  });

  test('nobody listening: network.unreachable after every attempt', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const cairn = new Cairn({
      url: `http://127.0.0.1:${port}`,
      apiKey: 'cairn_x',
      retry: { ...fast, maxAttempts: 3 },
    });

    const failure = await cairn.tenant().catch((error: unknown) => error);

    expect(CairnError.is(failure, 'network.unreachable')).toBe(true);
    expect(failure).toMatchObject({ status: 0, details: { attempts: 3, cause: 'ECONNREFUSED' } });
  });

  test('a server that never answers times out, per attempt', async () => {
    const silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const { port } = silent.address() as { port: number };
    const cairn = new Cairn({
      url: `http://127.0.0.1:${port}`,
      apiKey: 'cairn_x',
      timeoutMs: 200,
      retry: { ...fast, maxAttempts: 2 },
    });

    const failure = await cairn.tenant().catch((error: unknown) => error);
    silent.close();

    expect(failure).toMatchObject({
      code: 'network.unreachable',
      details: { attempts: 2, cause: 'timeout' },
    });
  });
});
