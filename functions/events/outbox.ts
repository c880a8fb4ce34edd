import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { table } from '#table/client.ts';
import type { Key } from '#table/keys.ts';
import { type DeliveryQueue, deliveryQueue, fanOut } from './dispatch.ts';
import { type EventPublisher, publisher } from './publisher.ts';
import type { AuditEvent } from './schema.ts';

/**
 * Publishes the event an outbox item holds, then deletes the item. Redelivery of the same stream
 * record is harmless: a deleted item means the event went out already, and fan-out opens each
 * delivery only once. What is not exactly-once is a crash between the publication and the
 * delete: the event is then published again (at least once, never lost), and EventBridge
 * subscribers tell repeats apart by the event's `id`, webhook receivers by `X-Cairn-Delivery`.
 *
 *   stream record ──► read item (consistent) ──► gone? done
 *                          │
 *                          └─► PutEvents ──► open deliveries, queue attempt 1 ──► delete item
 *            any failure: the consumer reports the record, and it comes back (in order)
 */
export async function publishOutboxItem(
  key: Key,
  via: { publisher?: EventPublisher; queue?: DeliveryQueue } = {},
): Promise<'published' | 'already_published'> {
  const { name, doc } = table();
  const { Item } = await doc.send(new GetCommand({ TableName: name, Key: key, ConsistentRead: true }));
  if (!Item) return 'already_published';
  const event = JSON.parse(Item.data as string) as AuditEvent;
  await (via.publisher ?? publisher()).publish(event);
  await fanOut(event, via.queue ?? deliveryQueue());
  await doc.send(new DeleteCommand({ TableName: name, Key: key }));
  return 'published';
}
