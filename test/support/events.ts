import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { eventsFileOf } from '#functions/events/publisher.ts';
import type { AuditEvent } from '#functions/events/schema.ts';

/** The local stack's events folder: where its outbox consumer publishes (one file per tenant). */
export const eventsDir = () => inject('cairn').env.CAIRN_EVENTS_DIR!;

/** Every event published so far for a tenant, oldest first, read from the stack's events file. */
export async function publishedEvents(tenantId: string): Promise<AuditEvent[]> {
  const text = await readFile(eventsFileOf(eventsDir(), tenantId), 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') return '';
      throw error;
    },
  );
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** Polls the tenant's published events until `done` holds (or the time is up), and answers them. */
export async function untilPublished(
  tenantId: string,
  done: (events: AuditEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<AuditEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await publishedEvents(tenantId);
    if (done(events) || Date.now() > deadline) return events;
    await new Promise((wait) => setTimeout(wait, 100));
  }
}
