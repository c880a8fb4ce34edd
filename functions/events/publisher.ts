import { appendFile } from 'node:fs/promises';
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

/** Keeps what would have been put, newest last, for the local stack and tests. */
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

/**
 * Appends each event as one line of JSON to `path`: the local stack's stand-in for the bus. Its
 * functions run in separate containers, so what would have been put must land where every
 * container, and the tests, can read it.
 */
export function jsonLinesPublisher(path: string): EventPublisher {
  return {
    async publish(event) {
      await appendFile(path, `${JSON.stringify(event)}\n`);
    },
  };
}

/** Where nothing is configured (tests calling stores directly), events are recorded here. */
export const recorded = recordingPublisher();

let shared: EventPublisher | undefined;

/**
 * The publisher for this environment: EventBridge when `CAIRN_EVENT_BUS` is set, else the local
 * stack's file when `CAIRN_EVENTS_FILE` is, else the in-memory recorder.
 */
export function publisher(): EventPublisher {
  if (!shared) {
    const { eventBus, eventsFile } = eventSettings();
    shared = eventBus
      ? eventBridgePublisher(eventBus)
      : eventsFile
        ? jsonLinesPublisher(eventsFile)
        : recorded;
  }
  return shared;
}
