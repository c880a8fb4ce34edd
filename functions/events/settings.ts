import { z } from 'zod';

const Env = z.object({
  /** The EventBridge bus registry events go to; unset on the local stack, where events are recorded. */
  CAIRN_EVENT_BUS: z.string().min(1).optional(),
  /** The SQS queue webhook deliveries go through; unset on the local stack, which delivers in-process. */
  CAIRN_WEBHOOK_QUEUE_URL: z.url().optional(),
  /** The local stack's stand-in for the bus: published events are appended here as JSON lines. */
  CAIRN_EVENTS_FILE: z.string().min(1).optional(),
  CAIRN_ALLOW_LOOPBACK_WEBHOOKS: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((value) => value === 'true'),
});

export interface EventSettings {
  eventBus: string | undefined;
  webhookQueueUrl: string | undefined;
  eventsFile: string | undefined;
  allowLocalWebhooks: boolean;
}

let cached: EventSettings | undefined;

/** The events domain's environment, parsed once: a malformed value fails at cold start. */
export function eventSettings(): EventSettings {
  if (!cached) {
    const env = Env.parse(process.env);
    cached = {
      eventBus: env.CAIRN_EVENT_BUS,
      webhookQueueUrl: env.CAIRN_WEBHOOK_QUEUE_URL,
      eventsFile: env.CAIRN_EVENTS_FILE,
      allowLocalWebhooks: env.CAIRN_ALLOW_LOOPBACK_WEBHOOKS,
    };
  }
  return cached;
}
