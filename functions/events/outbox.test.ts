import { randomBytes } from 'node:crypto';
import { mkdir, rmdir } from 'node:fs/promises';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, test } from 'vitest';
import { table, withTenantScope } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { eventsDir, publishedEvents, untilPublished } from '../../test/support/events.ts';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';
import { newEvent } from './audit.ts';
import { handler } from './outbox-consumer.ts';
import { eventsFileOf } from './publisher.ts';

/** The tenant's unpublished events: its outbox partition. */
async function outbox(tenantId: string) {
  return withTenantScope(tenantId, async () => {
    const { name, doc } = table();
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.outboxOf(tenantId) },
        ConsistentRead: true,
      }),
    );
    return Items ?? [];
  });
}

/**
 * The tenant's outbox once the consumer has caught up: it deletes each item just after publishing
 * it, so an item may still be there for a moment after its event is seen.
 */
async function drainedOutbox(tenantId: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = await outbox(tenantId);
    if (items.length === 0 || Date.now() > deadline) return items;
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

const audit = async (tenant: TestTenant) =>
  (await tenant.call('GET', '/api/v1/audit?maxResults=50')).body.events as {
    id: string;
    type: string;
    time: string;
  }[];

describe('the event outbox (stream consumer on the local stack)', () => {
  test('a registry change is published once, from the outbox item its transaction wrote', async () => {
    const tenant = await newTenant();

    const created = await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    expect(created.status).toBe(201);
    const [logged] = await audit(tenant);
    expect(logged).toMatchObject({ type: 'model.created' });
    const published = await untilPublished(tenant.id, (events) => events.length > 0);
    expect(published).toEqual([logged]);
    expect(await drainedOutbox(tenant.id)).toEqual([]);

    // The same stream record handed over again (as Lambda may): nothing is published twice.
    const again = await handler({
      Records: [
        {
          eventName: 'INSERT',
          dynamodb: {
            SequenceNumber: '1',
            NewImage: {
              pk: { S: keys.outboxOf(tenant.id) },
              sk: { S: keys.outbox(tenant.id, logged!.time, logged!.id).sk },
              tenantId: { S: tenant.id },
            },
          },
        },
      ],
    });
    expect(again).toEqual({ batchItemFailures: [] });
    expect(await publishedEvents(tenant.id)).toEqual([logged]);
  });

  test('a change whose transaction fails is never published', async () => {
    const tenant = await newTenant();
    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    const duplicate = await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });
    // A later change: the stream is in order, so once it is out, anything before it would be too.
    await tenant.call('PATCH', '/api/v1/models/fraud', { body: { description: 'marker' } });

    expect(duplicate.status).toBe(409);
    const published = await untilPublished(tenant.id, (events) => events.length >= 2);
    expect(published.map((event) => event.type)).toEqual(['model.created', 'model.updated']);
    expect((await audit(tenant)).map((event) => event.type)).toEqual(['model.updated', 'model.created']);
    expect(await drainedOutbox(tenant.id)).toEqual([]);
  });

  test('an event whose publication fails stays in the outbox and goes out once publishing works again', async () => {
    const tenant = await newTenant();
    // A real failure of the local publisher: its file for this tenant cannot be written (a folder
    // stands in its place), as PutEvents would fail while EventBridge is unreachable.
    const file = eventsFileOf(eventsDir(), tenant.id);
    await mkdir(file, { recursive: true });
    try {
      const created = await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });
      expect(created.status).toBe(201);
      // The change stands; its event waits in the outbox while the consumer retries.
      await new Promise((wait) => setTimeout(wait, 1500));
      expect(await outbox(tenant.id)).toMatchObject([{ kind: 'outbox', tenantId: tenant.id }]);
    } finally {
      await rmdir(file);
    }

    const published = await untilPublished(tenant.id, (events) => events.length > 0);

    expect(published.map((event) => event.type)).toEqual(['model.created']);
    expect(published[0]!.id).toBe((await audit(tenant))[0]!.id);
    expect(await drainedOutbox(tenant.id)).toEqual([]);
  });

  test('changes outside the registry (a key created) are published the same way', async () => {
    const tenant = await newTenant();

    await tenant.keyWith('reader');

    const published = await untilPublished(tenant.id, (events) => events.length > 0);
    expect(published).toMatchObject([{ type: 'key.created', tenantId: tenant.id }]);
  });

  test("the tenant is the item key's: a record naming another tenant publishes nothing for either", async () => {
    const [owner, other] = [`obx-${randomBytes(4).toString('hex')}`, `obx-${randomBytes(4).toString('hex')}`];
    const actor = { keyId: 'key_0123456789abcdef', name: 'admin', role: 'admin' } as const;
    const event = newEvent(other, { type: 'model.created', actor, resource: 'models/fraud', after: {} });
    const key = keys.outbox(owner, event.time, event.id);
    // An item in the owner's outbox holding another tenant's event, written without the `kind` the
    // stream filter selects, so that only the call below hands it to the consumer.
    await withTenantScope(owner, async () => {
      const { name, doc } = table();
      await doc.send(
        new PutCommand({ TableName: name, Item: { ...key, tenantId: other, data: JSON.stringify(event) } }),
      );
    });
    const record = (image: Record<string, { S: string }>) => ({
      eventName: 'INSERT' as const,
      dynamodb: { SequenceNumber: '1', NewImage: image },
    });

    const answer = await handler({
      Records: [
        record({ pk: { S: key.pk }, sk: { S: key.sk }, tenantId: { S: other } }),
        // Not an outbox partition at all, whatever its attributes say.
        record({ pk: { S: keys.auditLog(other) }, sk: { S: key.sk }, tenantId: { S: other } }),
        record({ pk: { S: keys.apiKeysOf(other) }, sk: { S: key.sk }, tenantId: { S: other } }),
      ],
    });

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(await publishedEvents(other)).toEqual([]);
    expect(await publishedEvents(owner)).toEqual([]);
    // Left where it is, for an operator to look at.
    expect(await outbox(owner)).toMatchObject([{ sk: key.sk, tenantId: other }]);
  });
});
