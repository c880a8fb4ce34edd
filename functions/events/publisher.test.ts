// EventBridge cannot run here (no AWS, and no emulator for it), so these tests check our side of
// the contract: the PutEvents request the publisher makes, and what it does with the answer. The
// file publisher, used where no bus is configured, shows what an AWS stack would have put.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, test } from 'vitest';
import { untilPublished } from '../../test/support/events.ts';
import { eventBridgePublisher, eventsFileOf, filePublisher } from './publisher.ts';
import type { AuditEvent } from './schema.ts';
import * as Events from './store.ts';

const event: AuditEvent = {
  id: 'evt_0123',
  tenantId: 'acme',
  type: 'model.alias.moved',
  actor: { keyId: 'key_0123456789abcdef', name: 'ci', role: 'writer' },
  time: '2026-03-03T10:00:00.000Z',
  resource: 'models/fraud',
  before: { model: 'fraud', alias: 'production', version: 2 },
  after: { model: 'fraud', alias: 'production', version: 3 },
};

function fakeClient(answer: object = { FailedEntryCount: 0, Entries: [{ EventId: 'x' }] }) {
  const sent: PutEventsCommand['input'][] = [];
  return {
    sent,
    client: {
      send: async (command: PutEventsCommand) => {
        sent.push(command.input);
        return answer;
      },
    } as never,
  };
}

describe('the EventBridge publisher', () => {
  test('puts each event on the bus as source cairn.registry, detail-type its type, detail the event', async () => {
    const { sent, client } = fakeClient();
    await eventBridgePublisher('cairn-bus', client).publish(event);
    expect(sent).toEqual([
      {
        Entries: [
          {
            EventBusName: 'cairn-bus',
            Source: 'cairn.registry',
            DetailType: 'model.alias.moved',
            Detail: JSON.stringify(event),
            Time: new Date(event.time),
          },
        ],
      },
    ]);
  });

  test('audit-only events go out as source cairn.audit', async () => {
    const { sent, client } = fakeClient();
    await eventBridgePublisher('cairn-bus', client).publish({
      ...event,
      type: 'key.revoked',
      resource: 'keys/k',
    });
    expect(sent[0]?.Entries?.[0]?.Source).toBe('cairn.audit');
  });

  test('an entry EventBridge refused is an error, though the call itself answered 200', async () => {
    const { client } = fakeClient({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }],
    });
    await expect(eventBridgePublisher('cairn-bus', client).publish(event)).rejects.toThrow(/InternalFailure/);
  });
});

describe('recording an event', () => {
  test('writes it to the audit log and the outbox at once; the outbox consumer publishes it once', async () => {
    const tenantId = `rec-${randomBytes(4).toString('hex')}`;
    const recordedEvent = await Events.record(tenantId, {
      type: 'key.created',
      actor: event.actor,
      resource: 'keys/key_0123456789abcdef',
      after: { name: 'ci' },
    });

    const { events } = await Events.queryAudit(tenantId, { maxResults: 10 });
    expect(events).toEqual([recordedEvent]);
    expect(await untilPublished(tenantId, (published) => published.length > 0)).toEqual([recordedEvent]);
  });
});

describe('the file publisher (the local stand-in for the bus)', () => {
  test("appends each event to its tenant's JSON-lines file, which any process can read", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-events-'));
    try {
      const publish = filePublisher(join(dir, 'events'));
      await publish.publish(event);
      await publish.publish({ ...event, id: 'evt_4567' });
      const lines = (await readFile(eventsFileOf(join(dir, 'events'), 'acme'), 'utf8')).trim().split('\n');
      expect(lines.map((line) => JSON.parse(line).id)).toEqual(['evt_0123', 'evt_4567']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
