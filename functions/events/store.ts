import { type NewEvent, newEvent, writeEvent } from './audit.ts';
import type { AuditEvent } from './schema.ts';

export { auditWriteCount, auditWrites, newEvent, queryAudit } from './audit.ts';
export { actorOf } from './schema.ts';
export type { NewEvent };

/**
 * Records a change made outside a registry transaction (keys, deletions, restores): writes it to
 * the audit log and the outbox in one transaction. The outbox consumer publishes it (EventBridge,
 * webhooks) from the table's stream, so nothing here can fail after the write.
 *
 * @example
 * await Events.record(caller.tenantId, {
 *   type: 'key.revoked', actor: actorOf(caller), resource: `keys/${keyId}`, before: key, after: revoked,
 * });
 */
export async function record(tenantId: string, input: NewEvent): Promise<AuditEvent> {
  const event = newEvent(tenantId, input);
  await writeEvent(event);
  return event;
}
