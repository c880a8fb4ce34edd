import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, test } from 'vitest';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { newEvent } from './audit.ts';
import {
  attemptDelivery,
  type DeliveryRef,
  listDeliveries,
  maxDeliveryAttempts,
  retryDelayMs,
} from './delivery.ts';
import { type DeliveryQueue, fanOut } from './dispatch.ts';
import type { Actor } from './schema.ts';
import * as Webhooks from './webhooks.ts';

const actor: Actor = { keyId: 'key_0123456789abcdef', name: 'admin', role: 'admin' };

/** A queue that only records what it was asked to do: these tests make the attempts themselves. */
function recordingQueue() {
  const queued: { refs: readonly DeliveryRef[]; attempt: number; delayMs: number }[] = [];
  const queue: DeliveryQueue = {
    retryBaseMs: 1,
    enqueue: async (refs, attempt, delayMs) => {
      queued.push({ refs, attempt, delayMs });
    },
  };
  return { queue, queued };
}

async function setup(filters: string[][] = [['*']]) {
  const tenantId = `dlv-${randomBytes(4).toString('hex')}`;
  const webhooks = [];
  for (const events of filters) {
    webhooks.push(
      await Webhooks.createWebhook(
        tenantId,
        { url: 'http://127.0.0.1:9/hook', events, description: '' },
        actor,
      ),
    );
  }
  const event = newEvent(tenantId, {
    type: 'model.version.created',
    actor,
    resource: 'models/fraud',
    after: { model: 'fraud', version: 1 },
  });
  // Only the audit entry, not the outbox item: the stack's outbox consumer must not fan this
  // event out itself, since these tests make every attempt by hand.
  const { name, doc } = table();
  await doc.send(
    new PutCommand({
      TableName: name,
      Item: {
        pk: keys.auditLog(tenantId),
        sk: keys.auditOrder(event.time, event.id),
        data: JSON.stringify(event),
      },
    }),
  );
  const { queue, queued } = recordingQueue();
  const refs = await fanOut(event, queue);
  return { tenantId, webhooks, event, refs, queued };
}

describe('webhook delivery (store)', () => {
  test('an event is queued, at once and as attempt 1, for each webhook whose filter selects it', async () => {
    const { webhooks, refs, queued, tenantId } = await setup([
      ['model.*'],
      ['model.alias.*'],
      ['model.version.created'],
    ]);

    expect(refs.map((ref) => ref.webhookId).sort()).toEqual([webhooks[0]!.id, webhooks[2]!.id].sort());
    expect(queued).toEqual([{ refs, attempt: 1, delayMs: 0 }]);
    const log = await listDeliveries(tenantId, webhooks[0]!.id, { maxResults: 10 });
    expect(log.deliveries).toMatchObject([
      { status: 'pending', attempts: [], eventType: 'model.version.created' },
    ]);
  });

  test(`a failing receiver is retried with exponential backoff and given up after ${maxDeliveryAttempts} attempts`, async () => {
    const { refs, tenantId, webhooks } = await setup();
    const ref = refs[0]!;
    let posts = 0;
    const post = async () => {
      posts++;
      return 503;
    };

    const outcomes = [];
    for (let attempt = 1; attempt <= maxDeliveryAttempts; attempt++) {
      outcomes.push(await attemptDelivery(ref, attempt, { retryBaseMs: 1000, post }));
    }

    expect(outcomes).toEqual([
      { done: false, retryInMs: 1000 },
      { done: false, retryInMs: 2000 },
      { done: false, retryInMs: 4000 },
      { done: false, retryInMs: 8000 },
      { done: true },
    ]);
    expect(posts).toBe(maxDeliveryAttempts);
    const [delivery] = (await listDeliveries(tenantId, webhooks[0]!.id, { maxResults: 1 })).deliveries;
    expect(delivery).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(delivery!.attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.error])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [n, 503, 'answered 503']),
    );
    expect(retryDelayMs(4, 60_000)).toBe(480_000);
  });

  test('an attempt handed out twice (as a queue may) is made once', async () => {
    const { refs } = await setup();
    let posts = 0;
    const post = async () => {
      posts++;
      return 204;
    };

    const [first, second] = await Promise.all([
      attemptDelivery(refs[0]!, 1, { retryBaseMs: 1, post }),
      attemptDelivery(refs[0]!, 1, { retryBaseMs: 1, post }),
    ]);
    // The copy that found the attempt leased comes back later, and then finds it made.
    const later = await attemptDelivery(refs[0]!, 1, { retryBaseMs: 1, post, redelivered: true });

    // One makes it; the other finds it leased (`busy`: try again later) or, if it looked after the
    // first had finished, made (`done`).
    expect([first, second]).toEqual(expect.arrayContaining([{ done: true }]));
    for (const outcome of [first, second]) expect([{ done: true }, { busy: true }]).toContainEqual(outcome);
    expect(later).toEqual({ done: true });
    expect(posts).toBe(1);
  });

  test('a delivery to a webhook removed meanwhile is cancelled, not sent', async () => {
    const { refs, tenantId, webhooks } = await setup();
    await Webhooks.deleteWebhook(tenantId, webhooks[0]!.id);
    let posts = 0;

    const outcome = await attemptDelivery(refs[0]!, 1, {
      retryBaseMs: 1,
      post: async () => {
        posts++;
        return 200;
      },
    });

    expect(outcome).toEqual({ done: true });
    expect(posts).toBe(0);
    const [delivery] = (await listDeliveries(tenantId, webhooks[0]!.id, { maxResults: 1 })).deliveries;
    expect(delivery!.status).toBe('cancelled');
  });
});
