import { attemptDelivery, type DeliveryRef, leaseMs, openDeliveries } from './delivery.ts';
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

/** Times the in-process queue hands one message out before it gives up, as the SQS queue's limit. */
const maxReceives = 5;

/**
 * Delivers in this process, on timers: the local stack is one long-lived process, so an attempt
 * runs after the response has gone and retries wait on a timer. (A Lambda function freezes between
 * requests, which is why AWS uses the queue instead.) It redelivers as SQS does: a message whose
 * attempt is leased elsewhere, or whose handling failed, comes back later, up to `maxReceives`.
 */
export function inProcessDeliveryQueue(retryBaseMs = 1000): DeliveryQueue {
  const queue: DeliveryQueue = {
    retryBaseMs,
    async enqueue(refs, attempt, delayMs) {
      for (const ref of refs) hand(ref, attempt, delayMs, 1);
    },
  };
  const hand = (ref: DeliveryRef, attempt: number, delayMs: number, receives: number) => {
    const again = () => {
      if (receives < maxReceives)
        hand(ref, attempt, leaseMs(eventSettings().deliveryTimeoutMs), receives + 1);
      else
        console.error(JSON.stringify({ level: 'error', message: 'webhook delivery given up', ref, attempt }));
    };
    const timer = setTimeout(() => {
      attemptDelivery(ref, attempt, { retryBaseMs, redelivered: receives > 1 })
        .then((outcome) => {
          if ('busy' in outcome) again();
          else if (!outcome.done) hand(ref, attempt + 1, outcome.retryInMs, 1);
        })
        .catch((error: unknown) => {
          console.error(
            JSON.stringify({ level: 'error', message: 'webhook delivery failed', ref, error: String(error) }),
          );
          again();
        });
    }, delayMs);
    // Pending retries must not keep a stopping process alive.
    timer.unref();
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
