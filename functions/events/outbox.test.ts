import { mkdir, rmdir } from 'node:fs/promises';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, test } from 'vitest';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { eventsDir, publishedEvents, untilPublished } from '../../test/support/events.ts';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';
import { handler } from './outbox-consumer.ts';
import { eventsFileOf } from './publisher.ts';

/** The tenant's unpublished events: its outbox partition. */
async function outbox(tenantId: string) {
  const { name, doc } = table();
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.outbox(tenantId, '', '').pk },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
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
    expect(await outbox(tenant.id)).toEqual([]);

    // The same stream record handed over again (as Lambda may): nothing is published twice.
    const again = await handler({
      Records: [
        {
          eventName: 'INSERT',
          dynamodb: {
            SequenceNumber: '1',
            NewImage: {
              pk: { S: keys.outbox(tenant.id, '', '').pk },
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
    expect(await outbox(tenant.id)).toEqual([]);
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
    expect(await outbox(tenant.id)).toEqual([]);
  });

  test('changes outside the registry (a key created) are published the same way', async () => {
    const tenant = await newTenant();

    await tenant.keyWith('reader');

    const published = await untilPublished(tenant.id, (events) => events.length > 0);
    expect(published).toMatchObject([{ type: 'key.created', tenantId: tenant.id }]);
  });
});
