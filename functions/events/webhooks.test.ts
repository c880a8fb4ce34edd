import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';
import { verifyDelivery } from './signature.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const receivers: { close(): void }[] = [];
afterEach(() => {
  for (const receiver of receivers.splice(0)) receiver.close();
});

/** A real HTTP receiver on loopback that answers each delivery with the next status of `statuses`. */
async function receiver(statuses: number[] = [204]) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(statuses[Math.min(received.length - 1, statuses.length - 1)]!).end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  receivers.push({ close: () => server.close() });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received };
}

async function until<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

async function addWebhook(tenant: TestTenant, url: string, events?: string[]) {
  const created = await tenant.call('POST', '/api/v1/webhooks', {
    body: { url, ...(events ? { events } : {}) },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.webhook as { id: string; secret: string };
}

const deliveries = async (tenant: TestTenant, webhookId: string) =>
  (await tenant.call('GET', `/api/v1/webhooks/${webhookId}/deliveries`)).body.deliveries as {
    status: string;
    eventType: string;
    attempts: { status: number | null }[];
    nextAttemptAt: string | null;
  }[];

describe('webhooks', () => {
  test('a registry change reaches the receiver signed over timestamp and body with the secret shown once', async () => {
    const tenant = await newTenant();
    const { url, received } = await receiver();
    const webhook = await addWebhook(tenant, url, ['model.*']);

    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    await until(
      () => received,
      (r) => r.length > 0,
    );
    const [delivery] = received;
    const event = JSON.parse(delivery!.body);
    expect(event).toMatchObject({
      tenantId: tenant.id,
      type: 'model.created',
      resource: 'models/fraud',
      actor: { name: 'admin', role: 'admin' },
      before: null,
      after: { model: 'fraud' },
    });
    expect(delivery!.headers['x-cairn-event']).toBe('model.created');
    const headers = {
      timestamp: delivery!.headers['x-cairn-timestamp'] as string,
      signature: delivery!.headers['x-cairn-signature'] as string,
    };
    expect(verifyDelivery(webhook.secret, headers, delivery!.body)).toBe(true);
    expect(verifyDelivery(webhook.secret, headers, delivery!.body.replace('fraud', 'frauD'))).toBe(false);
    const listed = (await tenant.call('GET', '/api/v1/webhooks')).body.webhooks;
    expect(listed).toEqual([expect.objectContaining({ id: webhook.id, url, events: ['model.*'] })]);
    expect(JSON.stringify(listed)).not.toContain(webhook.secret);
    const log = await until(
      () => deliveries(tenant, webhook.id),
      (d) => d[0]?.status === 'succeeded',
    );
    expect(log).toMatchObject([
      { status: 'succeeded', eventType: 'model.created', attempts: [{ status: 204 }] },
    ]);
  });

  test('a failing receiver is retried with backoff; every attempt is in the delivery log', async () => {
    const tenant = await newTenant();
    const { url, received } = await receiver([500, 502, 200]);
    const webhook = await addWebhook(tenant, url, ['model.created']);

    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    const log = await until(
      () => deliveries(tenant, webhook.id),
      (d) => d[0]?.status === 'succeeded',
    );
    expect(log[0]!.attempts.map((attempt) => attempt.status)).toEqual([500, 502, 200]);
    expect(received).toHaveLength(3);
    // Each retry is the same event, signed afresh.
    expect(new Set(received.map((r) => JSON.parse(r.body).id)).size).toBe(1);
  });

  test('while a receiver keeps failing, the log says when the next attempt is due', async () => {
    const tenant = await newTenant();
    const { url } = await receiver([503]);
    const webhook = await addWebhook(tenant, url, ['model.created']);

    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    const [delivery] = await until(
      () => deliveries(tenant, webhook.id),
      (d) => d[0]?.status === 'retrying',
    );
    expect(delivery).toMatchObject({ status: 'retrying', attempts: [{ status: 503 }] });
    expect(Date.parse(delivery!.nextAttemptAt!)).toBeGreaterThan(Date.now() - 5000);
    // Removing the webhook cancels what is still queued for it.
    expect((await tenant.call('DELETE', `/api/v1/webhooks/${webhook.id}`)).status).toBe(200);
    expect((await tenant.call('GET', `/api/v1/webhooks/${webhook.id}`)).status).toBe(404);
  });

  test('only events the filter selects are delivered', async () => {
    const tenant = await newTenant();
    const { url, received } = await receiver();
    await addWebhook(tenant, url, ['model.alias.*']);
    const other = await receiver();
    await addWebhook(tenant, other.url, ['model.created']);

    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    await until(
      () => other.received,
      (r) => r.length > 0,
    );
    expect(received).toEqual([]);
  });

  test.each([
    ['ftp://127.0.0.1/hook'],
    ['http://169.254.169.254/latest/meta-data/'],
    ['http://[fe80::1]/hook'],
    ['http://metadata.google.internal/'],
  ])('%s is refused with 400 webhooks.invalid_url', async (url) => {
    const tenant = await newTenant();
    const answer = await tenant.call('POST', '/api/v1/webhooks', { body: { url } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('webhooks.invalid_url');
  });

  test('an unknown event type in the filter is a 400; webhooks are for admin keys only', async () => {
    const tenant = await newTenant();
    const writer = await tenant.keyWith('writer');
    const { url } = await receiver();

    const typo = await tenant.call('POST', '/api/v1/webhooks', {
      body: { url, events: ['model.verison.*'] },
    });
    const byWriter = await tenant.call('POST', '/api/v1/webhooks', { key: writer, body: { url } });
    const listByWriter = await tenant.call('GET', '/api/v1/webhooks', { key: writer });

    expect(typo.status).toBe(400);
    expect(typo.body.error.code).toBe('request.invalid');
    expect(byWriter.status).toBe(403);
    expect(listByWriter.status).toBe(403);
  });
});
