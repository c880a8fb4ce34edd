import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { AuditEvent } from './schema.ts';
import { eventSettings } from './settings.ts';

/** Where events go besides the audit log and webhooks: EventBridge in AWS, a recorder elsewhere. */
export interface EventPublisher {
  publish(event: AuditEvent): Promise<void>;
}

/** Registry changes are what deploy pipelines subscribe to; the rest is audit trail. */
export function sourceOf(event: Pick<AuditEvent, 'type'>): 'cairn.registry' | 'cairn.audit' {
  return event.type.startsWith('model.') ? 'cairn.registry' : 'cairn.audit';
}

/**
 * Puts each event on the bus: source `cairn.registry` (or `cairn.audit`), detail-type the event
 * type, detail the event. A pipeline subscribes with a rule such as
 * `{"source": ["cairn.registry"], "detail-type": ["model.alias.moved"], "detail": {"after": {"alias": ["production"]}}}`.
 */
export function eventBridgePublisher(
  busName: string,
  client: Pick<EventBridgeClient, 'send'> = new EventBridgeClient({}),
): EventPublisher {
  return {
    async publish(event) {
      const answer = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: sourceOf(event),
              DetailType: event.type,
              Detail: JSON.stringify(event),
              Time: new Date(event.time),
            },
          ],
        }),
      );
      // PutEvents answers 200 even when an entry was refused; the count is the only signal.
      if (answer.FailedEntryCount) {
        const entry = answer.Entries?.[0];
        throw new Error(`EventBridge refused event ${event.id}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
      }
    },
  };
}

/** The file an events folder keeps a tenant's published events in, one JSON object per line. */
export const eventsFileOf = (dir: string, tenantId: string) => join(dir, `${tenantId}.jsonl`);

/**
 * Appends each event to its tenant's JSON-lines file: the local stand-in for the bus, which other
 * processes (tests, a developer's `tail -f`) can read. A failing write is a failed publication,
 * retried by the outbox consumer like a failing PutEvents.
 */
export function filePublisher(dir: string): EventPublisher {
  let ready: Promise<unknown> | undefined;
  return {
    async publish(event) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      await appendFile(eventsFileOf(dir, event.tenantId), `${JSON.stringify(event)}\n`);
    },
  };
}

/** Keeps what would have been put, newest last, in this process. */
export function recordingPublisher(limit = 1000): EventPublisher & { readonly events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return {
    events,
    async publish(event) {
      events.push(event);
      if (events.length > limit) events.splice(0, events.length - limit);
    },
  };
}

/** Where neither a bus nor a folder is configured, events are recorded here. */
export const recorded = recordingPublisher();

let shared: EventPublisher | undefined;

/**
 * The publisher for this environment: EventBridge when `CAIRN_EVENT_BUS` is set, else the files of
 * `CAIRN_EVENTS_DIR`, else this process's memory.
 */
export function publisher(): EventPublisher {
  if (!shared) {
    const { eventBus, eventsDir } = eventSettings();
    shared = eventBus ? eventBridgePublisher(eventBus) : eventsDir ? filePublisher(eventsDir) : recorded;
  }
  return shared;
}
