import type { DeliveryRef } from './delivery.ts';
import type { DeliveryQueue } from './dispatch.ts';

/** What one queue message carries: which delivery, and which attempt of it. */
export interface DeliveryMessage {
  ref: DeliveryRef;
  attempt: number;
}

/** SQS delays a message by at most 15 minutes; longer backoffs are capped there. */
const maxDelaySeconds = 900;
const maxBatchMessages = 10;

/**
 * Delivery attempts as SQS messages, consumed by the webhook worker. The backoff between attempts
 * is the message's delay; SQS's own redelivery (and its dead-letter queue) covers a worker that
 * fails while handling one.
 */
export function sqsDeliveryQueue(queueUrl: string, retryBaseMs = 60_000): DeliveryQueue {
  // Loaded on first use: only the AWS stack has a queue, and its runtime provides the client.
  let client: Promise<{ send(command: unknown): Promise<{ Failed?: { Id?: string; Message?: string }[] }> }>;
  let Command: new (input: unknown) => unknown;
  const load = async () => {
    const sqs = await import('@aws-sdk/client-sqs');
    Command = sqs.SendMessageBatchCommand as unknown as new (input: unknown) => unknown;
    return new sqs.SQSClient({});
  };
  return {
    retryBaseMs,
    async enqueue(refs, attempt, delayMs) {
      client ??= load();
      const sqs = await client;
      const delaySeconds = Math.min(maxDelaySeconds, Math.ceil(delayMs / 1000));
      for (let start = 0; start < refs.length; start += maxBatchMessages) {
        const batch = refs.slice(start, start + maxBatchMessages);
        const answer = await sqs.send(
          new Command({
            QueueUrl: queueUrl,
            Entries: batch.map((ref, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify({ ref, attempt } satisfies DeliveryMessage),
              DelaySeconds: delaySeconds,
            })),
          }),
        );
        if (answer.Failed?.length) {
          throw new Error(
            `SQS refused ${answer.Failed.length} delivery messages: ${answer.Failed[0]?.Message}`,
          );
        }
      }
    },
  };
}
