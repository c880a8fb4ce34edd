import { z } from 'zod';
import { Role } from '#functions/tenants/schema.ts';
import type { Caller } from '#http/caller.ts';

/**
 * Everything the audit log records. `model.*` are registry changes (they also go to EventBridge as
 * source `cairn.registry`); the rest are security-relevant changes elsewhere (`cairn.audit`).
 */
export const eventTypes = [
  'model.created',
  'model.updated',
  'model.renamed',
  'model.deleted',
  'model.protected_aliases_changed',
  'model.version.created',
  'model.version.updated',
  'model.version.deleted',
  'model.version.stage_changed',
  'model.alias.set',
  'model.alias.moved',
  'model.alias.removed',
  'key.created',
  'key.revoked',
  'experiment.deleted',
  'experiment.restored',
  'run.deleted',
  'run.restored',
  'webhook.created',
  'webhook.deleted',
] as const;
export const EventType = z.enum(eventTypes);
export type EventType = z.infer<typeof EventType>;

/** Who made a change: the API key, by id (stable) and by name (readable), with its role then. */
export const Actor = z.object({
  keyId: z.string(),
  name: z.string(),
  role: z.union([Role, z.literal('operator')]),
});
export type Actor = z.infer<typeof Actor>;

/** The actor of a request, as the authorizer established it. */
export function actorOf(caller: Caller): Actor {
  const role = caller.role === 'anonymous' ? 'reader' : caller.role;
  return { keyId: caller.keyId, name: caller.principal, role };
}

/** `models/fraud`, `keys/key_…`, `runs/<id>`: the thing an event is about, as the audit log filters it. */
export const Resource = z
  .string()
  .min(3)
  .max(600)
  .regex(/^[a-z-]+\/[^\s]+$/, 'must look like models/<name>, runs/<id>, keys/<id>, experiments/<id>');

export const AuditEvent = z.object({
  id: z.string(),
  tenantId: z.string(),
  type: EventType,
  actor: Actor,
  /** ISO 8601, UTC, millisecond precision: sorts as text. */
  time: z.string(),
  resource: z.string(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

/** A webhook's event filter entry: a type, a prefix ending in `.*` (`model.alias.*`), or `*`. */
export const EventPattern = z
  .string()
  .refine(
    (pattern) =>
      pattern === '*' ||
      eventTypes.some((type) =>
        pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern,
      ),
    'must be an event type (model.version.created), a prefix such as model.alias.*, or *',
  );

/** Whether an event type is selected by a webhook's patterns. */
export function selects(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (pattern) =>
      pattern === '*' ||
      pattern === type ||
      (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}

/** A time bound: ISO 8601 or milliseconds since the epoch. */
const TimeBound = z.union([
  z.iso.datetime({ offset: true }).transform((text) => new Date(text).toISOString()),
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be an ISO 8601 time or milliseconds since the epoch')
    .transform((ms) => new Date(Number(ms)).toISOString()),
]);

export const AuditQuery = z
  .strictObject({
    since: TimeBound.optional(),
    until: TimeBound.optional(),
    resource: Resource.optional(),
    /** An API key id. */
    actor: z.string().max(100).optional(),
    /** Event types, as webhook filters: `model.alias.*`. */
    type: EventPattern.optional(),
    maxResults: z.coerce.number().int().min(1).max(500).default(50),
    pageToken: z.string().max(2000).optional(),
  })
  .refine((query) => !query.since || !query.until || query.since <= query.until, {
    message: 'since must not be after until',
    path: ['since'],
  });
export type AuditQuery = z.output<typeof AuditQuery>;

export const WebhookId = z
  .string()
  .regex(/^wh_[0-9a-f]{16}$/, 'must be a webhook id like wh_0123456789abcdef');

export const Webhook = z.object({
  id: WebhookId,
  url: z.string(),
  events: z.array(z.string()),
  description: z.string(),
  createdAt: z.string(),
  createdBy: Actor,
});
export type Webhook = z.infer<typeof Webhook>;

/** A webhook as answered once, at creation: the only time its signing secret leaves the server. */
export const CreatedWebhook = Webhook.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

export const CreateWebhookBody = z.strictObject({
  url: z.string().max(2000),
  events: z.array(EventPattern).min(1).max(50).default(['*']),
  description: z.string().max(500).default(''),
});

export const WebhookPath = z.strictObject({ webhookId: WebhookId });

export const deliveryStatuses = ['pending', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;

export const DeliveryAttempt = z.object({
  attempt: z.number(),
  at: z.string(),
  /** The receiver's HTTP status, when it answered. */
  status: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttempt>;

export const Delivery = z.object({
  webhookId: WebhookId,
  eventId: z.string(),
  eventType: EventType,
  eventTime: z.string(),
  status: z.enum(deliveryStatuses),
  attempts: z.array(DeliveryAttempt),
  nextAttemptAt: z.string().nullable(),
});
export type Delivery = z.infer<typeof Delivery>;

export const DeliveriesQuery = z.strictObject({
  maxResults: z.coerce.number().int().min(1).max(200).default(50),
  pageToken: z.string().max(2000).optional(),
});
