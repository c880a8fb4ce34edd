import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { withTenantScope } from '#table/client.ts';
import { publishOutboxItem } from './outbox.ts';

/**
 * The outbox consumer (a Lambda function subscribed to the table's stream, filtered to outbox
 * items; see `functions/stream-consumers.ts`). Records are handled in order; at the first failure
 * the rest of the batch is left alone and that record is reported, so Lambda hands it back, with
 * everything after it, until it succeeds or grows too old (then its batch goes to the
 * dead-letter queue and the item stays in the table for a redrive). Each record reads and writes
 * one tenant's items, with that tenant's credentials.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    const [pk, sk, tenantId] = [image?.pk?.S, image?.sk?.S, image?.tenantId?.S];
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    if (!pk || !sk || !tenantId) {
      console.error(JSON.stringify({ level: 'error', message: 'not an outbox item', sequence }));
      continue;
    }
    try {
      await withTenantScope(tenantId, () => publishOutboxItem({ pk, sk }));
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'error', message: 'event not published yet', pk, sk, error: String(error) }),
      );
      return { batchItemFailures: [{ itemIdentifier: sequence }] };
    }
  }
  return { batchItemFailures: [] };
}
