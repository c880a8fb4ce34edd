import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { withTenantScope } from '#table/client.ts';
import { attemptDelivery } from './delivery.ts';
import { deliveryQueue } from './dispatch.ts';
import type { DeliveryMessage } from './sqs-queue.ts';

/**
 * The webhook delivery function (AWS): consumes the delivery queue, makes one attempt per message
 * and queues the next attempt with its backoff as the message delay. A message is reported back
 * (SQS redelivers that one alone after its visibility timeout, and parks it in the dead-letter
 * queue after the queue's receive limit) when its handling fails, when queuing the next attempt
 * fails (the redelivered message queues it again), or when another worker holds the attempt's
 * lease (by the time it comes back, that worker has finished or its lease has expired). So every
 * delivery ends delivered, failed, cancelled, or with its message in the dead-letter queue.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const queue = deliveryQueue();
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const { ref, attempt } = JSON.parse(record.body) as DeliveryMessage;
        const redelivered = Number(record.attributes?.ApproximateReceiveCount ?? 1) > 1;
        // Each message reads and writes one tenant's items, with that tenant's credentials.
        const outcome = await withTenantScope(ref.tenantId, () =>
          attemptDelivery(ref, attempt, { retryBaseMs: queue.retryBaseMs, redelivered }),
        );
        if ('busy' in outcome) failures.push({ itemIdentifier: record.messageId });
        else if (!outcome.done) await queue.enqueue([ref], attempt + 1, outcome.retryInMs);
      } catch (error) {
        console.error(JSON.stringify({ level: 'error', messageId: record.messageId, error: String(error) }));
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}
