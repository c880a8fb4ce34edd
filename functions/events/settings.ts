import { z } from 'zod';

const Env = z.object({
  /** The EventBridge bus registry events go to; unset on the local stack, where events are recorded. */
  CAIRN_EVENT_BUS: z.string().min(1).optional(),
  /**
   * Without a bus, the folder where events are recorded instead: one JSON-lines file per tenant
   * (the local stack sets it inside its data folder, so any process can read what was published).
   */
  CAIRN_EVENTS_DIR: z.string().min(1).optional(),
  /** The SQS queue webhook deliveries go through; unset on the local stack, which delivers in-process. */
  CAIRN_WEBHOOK_QUEUE_URL: z.url().optional(),
  /** How long a webhook receiver has to answer one attempt; the lease on an attempt follows from it. */
  CAIRN_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(20).default(10),
  CAIRN_ALLOW_LOOPBACK_WEBHOOKS: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((value) => value === 'true'),
});

export interface EventSettings {
  eventBus: string | undefined;
  eventsDir: string | undefined;
  webhookQueueUrl: string | undefined;
  deliveryTimeoutMs: number;
  allowLocalWebhooks: boolean;
}

let cached: EventSettings | undefined;

/** The events domain's environment, parsed once: a malformed value fails at cold start. */
export function eventSettings(): EventSettings {
  if (!cached) {
    const env = Env.parse(process.env);
    cached = {
      eventBus: env.CAIRN_EVENT_BUS,
      eventsDir: env.CAIRN_EVENTS_DIR,
      webhookQueueUrl: env.CAIRN_WEBHOOK_QUEUE_URL,
      deliveryTimeoutMs: env.CAIRN_WEBHOOK_TIMEOUT_SECONDS * 1000,
      allowLocalWebhooks: env.CAIRN_ALLOW_LOOPBACK_WEBHOOKS,
    };
  }
  return cached;
}
