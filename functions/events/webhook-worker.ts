import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { withTenantScope } from '#table/client.ts';
import { attemptDelivery } from './delivery.ts';
import { deliveryQueue } from './dispatch.ts';
import type { DeliveryMessage } from './sqs-queue.ts';

/**
 * The webhook delivery function (AWS): consumes the delivery queue, makes one attempt per message
 * and queues the next attempt with its backoff as the message delay. A message whose handling
 * fails is reported back, so SQS redelivers that one alone and parks it in the dead-letter queue
 * after the queue's receive limit.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const queue = deliveryQueue();
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const { ref, attempt } = JSON.parse(record.body) as DeliveryMessage;
        // Each message reads and writes one tenant's items, with that tenant's credentials.
        const outcome = await withTenantScope(ref.tenantId, () =>
          attemptDelivery(ref, attempt, { retryBaseMs: queue.retryBaseMs }),
        );
        if (!outcome.done) await queue.enqueue([ref], attempt + 1, outcome.retryInMs);
      } catch (error) {
        console.error(JSON.stringify({ level: 'error', messageId: record.messageId, error: String(error) }));
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}
