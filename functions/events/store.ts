import { type NewEvent, newEvent, writeEvent } from './audit.ts';
import { fanOut } from './dispatch.ts';
import { publisher } from './publisher.ts';
import type { AuditEvent } from './schema.ts';

export { auditWrites, newEvent, queryAudit } from './audit.ts';
export { actorOf } from './schema.ts';
export type { NewEvent };

/**
 * After a change is committed (with its audit entry), tells the world: EventBridge, then the
 * tenant's webhooks. The change stands whatever happens here, so a failure is logged with the
 * event id, never thrown at the caller who made the change.
 */
export async function announce(event: AuditEvent): Promise<void> {
  const outcomes = await Promise.allSettled([publisher().publish(event), fanOut(event)]);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      console.error(
        JSON.stringify({
          level: 'error',
          message: 'event not announced',
          eventId: event.id,
          type: event.type,
          error: String(outcome.reason),
        }),
      );
    }
  }
}

/**
 * Records a change made outside a registry transaction (keys, deletions, restores): writes it to
 * the audit log and announces it.
 *
 * @example
 * await Events.record(caller.tenantId, {
 *   type: 'key.revoked', actor: actorOf(caller), resource: `keys/${keyId}`, before: key, after: revoked,
 * });
 */
export async function record(tenantId: string, input: NewEvent): Promise<AuditEvent> {
  const event = newEvent(tenantId, input);
  await writeEvent(event);
  await announce(event);
  return event;
}
