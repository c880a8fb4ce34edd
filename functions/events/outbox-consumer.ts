import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { withTenantScope } from '#table/client.ts';
import { keys, tenantOfPartition } from '#table/keys.ts';
import { publishOutboxItem } from './outbox.ts';

/**
 * The outbox consumer (a Lambda function subscribed to the table's stream, filtered to outbox
 * items; see `functions/stream-consumers.ts`). Records are handled in order; at the first failure
 * the rest of the batch is left alone and that record is reported, so Lambda hands it back, with
 * everything after it, until it succeeds or grows too old (then its batch goes to the
 * dead-letter queue and the item stays in the table for a redrive). Each record reads and writes
 * one tenant's items, with that tenant's credentials: the tenant of the item's partition key, never
 * a tenant named by the item's attributes.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    const [pk, sk] = [image?.pk?.S, image?.sk?.S];
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    const tenantId = pk === undefined ? undefined : tenantOfPartition(pk);
    if (!pk || !sk || !tenantId || pk !== keys.outboxOf(tenantId)) {
      console.error(JSON.stringify({ level: 'error', message: 'not an outbox item', pk, sk, sequence }));
      continue;
    }
    try {
      const outcome = await withTenantScope(tenantId, () => publishOutboxItem(tenantId, { pk, sk }));
      if (outcome === 'refused')
        console.error(
          JSON.stringify({ level: 'error', message: "outbox item holds another tenant's event", pk, sk }),
        );
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'error', message: 'event not published yet', pk, sk, error: String(error) }),
      );
      return { batchItemFailures: [{ itemIdentifier: sequence }] };
    }
  }
  return { batchItemFailures: [] };
}
