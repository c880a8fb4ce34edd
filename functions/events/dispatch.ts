import { attemptDelivery, type DeliveryRef, openDeliveries } from './delivery.ts';
import { type AuditEvent, selects } from './schema.ts';
import { eventSettings } from './settings.ts';
import { sqsDeliveryQueue } from './sqs-queue.ts';
import { webhookItems } from './webhooks.ts';

/** Where delivery attempts wait for their turn. */
export interface DeliveryQueue {
  /** Queues attempt `attempt` of each delivery, to be made in `delayMs`. */
  enqueue(refs: readonly DeliveryRef[], attempt: number, delayMs: number): Promise<void>;
  /** The backoff base between attempts. */
  readonly retryBaseMs: number;
}

/**
 * Delivers in this process, on timers: the local stack is one long-lived process, so an attempt
 * runs after the response has gone and retries wait on a timer. (A Lambda function freezes between
 * requests, which is why AWS uses the queue instead.)
 */
export function inProcessDeliveryQueue(retryBaseMs = 1000): DeliveryQueue {
  const queue: DeliveryQueue = {
    retryBaseMs,
    async enqueue(refs, attempt, delayMs) {
      for (const ref of refs) {
        const timer = setTimeout(() => {
          attemptDelivery(ref, attempt, { retryBaseMs })
            .then((outcome) => {
              if (!outcome.done) return queue.enqueue([ref], attempt + 1, outcome.retryInMs);
            })
            .catch((error: unknown) =>
              console.error(
                JSON.stringify({
                  level: 'error',
                  message: 'webhook delivery failed',
                  ref,
                  error: String(error),
                }),
              ),
            );
        }, delayMs);
        // Pending retries must not keep a stopping process alive.
        timer.unref();
      }
    },
  };
  return queue;
}

let shared: DeliveryQueue | undefined;

/** The queue for this environment: SQS when `CAIRN_WEBHOOK_QUEUE_URL` is set, else in-process. */
export function deliveryQueue(): DeliveryQueue {
  if (!shared) {
    const { webhookQueueUrl } = eventSettings();
    shared = webhookQueueUrl ? sqsDeliveryQueue(webhookQueueUrl) : inProcessDeliveryQueue();
  }
  return shared;
}

/** Sends an event to every webhook of its tenant whose filter selects it. */
export async function fanOut(
  event: AuditEvent,
  queue: DeliveryQueue = deliveryQueue(),
): Promise<DeliveryRef[]> {
  const webhooks = (await webhookItems(event.tenantId)).filter((webhook) =>
    selects(webhook.events, event.type),
  );
  if (webhooks.length === 0) return [];
  const refs = await openDeliveries(event, webhooks);
  await queue.enqueue(refs, 1, 0);
  return refs;
}
