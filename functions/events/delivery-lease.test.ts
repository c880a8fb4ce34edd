import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, test } from 'vitest';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { newEvent } from './audit.ts';
import { attemptDelivery, type DeliveryRef, listDeliveries, openDeliveries } from './delivery.ts';
import type { Actor } from './schema.ts';
import { handler } from './webhook-worker.ts';
import * as Webhooks from './webhooks.ts';

const actor: Actor = { keyId: 'key_0123456789abcdef', name: 'admin', role: 'admin' };
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

/**
 * A receiver on loopback. The first request is held open, unanswered, and reported through
 * `onHeld` (so that a test can kill the worker that sent it); every later one gets 204.
 */
async function receiver(onHeld: () => void) {
  let requests = 0;
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    request.resume();
    requests++;
    if (requests === 1) {
      held.push(response);
      onHeld();
    } else response.writeHead(204).end();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  cleanup.push(() => {
    for (const response of held) response.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests: () => requests };
}

/** One webhook of a new tenant and one open delivery to it, as the outbox consumer leaves it. */
async function openDelivery(url: string): Promise<DeliveryRef> {
  const tenantId = `lease-${randomBytes(4).toString('hex')}`;
  const webhook = await Webhooks.createWebhook(tenantId, { url, events: ['*'], description: '' }, actor);
  const event = newEvent(tenantId, { type: 'model.created', actor, resource: 'models/fraud', after: {} });
  // The audit entry alone (no outbox item): this test hands the messages to the workers itself.
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
  const [ref] = await openDeliveries(event, [(await Webhooks.webhookItem(tenantId, webhook.id))!]);
  return ref!;
}

/** The SQS message of one attempt, as the worker's event source hands it over. */
const message = (ref: DeliveryRef, attempt: number, receiveCount: number): SQSEvent['Records'][number] =>
  ({
    messageId: 'm-1',
    receiptHandle: randomUUID(),
    body: JSON.stringify({ ref, attempt }),
    attributes: { ApproximateReceiveCount: String(receiveCount) },
  }) as never;

const deliveryOf = async (ref: DeliveryRef) =>
  (await listDeliveries(ref.tenantId, ref.webhookId, { maxResults: 1 })).deliveries[0]!;

describe('webhook delivery leases', () => {
  test('a worker killed between its claim and the answer does not lose the delivery: the redelivered message completes it', async () => {
    let worker: ChildProcess | undefined;
    let markKilled = () => {};
    const killed = new Promise<void>((done) => {
      markKilled = done;
    });
    const hook = await receiver(() => {
      worker?.kill('SIGKILL');
      markKilled();
    });
    const ref = await openDelivery(hook.url);

    // A real crash: the worker process dies while its attempt is in flight, as Lambda kills a
    // function that times out. A one-second receiver timeout makes its lease short for this test.
    worker = spawn(
      process.execPath,
      [
        resolve(import.meta.dirname, '../../test/support/webhook-worker-process.ts'),
        JSON.stringify(message(ref, 1, 1)),
      ],
      { env: { ...process.env, CAIRN_WEBHOOK_TIMEOUT_SECONDS: '1' }, stdio: 'pipe' },
    );
    const exited = new Promise<number | null>((done) =>
      worker!.once('exit', (_code, signal) => done(signal as never)),
    );
    await killed;
    expect(await exited).toBe('SIGKILL');
    expect(await deliveryOf(ref)).toMatchObject({ status: 'pending', attempts: [] });

    // SQS hands the message out again. Until the dead worker's lease expires, a worker leaves it
    // to SQS for later rather than racing a worker that may still be alive.
    const early = await handler({ Records: [message(ref, 1, 2)] });
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(hook.requests()).toBe(1);

    let answer = early;
    const deadline = Date.now() + 20_000;
    for (let receives = 3; answer.batchItemFailures.length && Date.now() < deadline; receives++) {
      await new Promise((wait) => setTimeout(wait, 500));
      answer = await handler({ Records: [message(ref, 1, receives)] });
    }

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(hook.requests()).toBe(2);
    expect(await deliveryOf(ref)).toMatchObject({
      status: 'succeeded',
      attempts: [{ attempt: 1, status: 204, error: null }],
      nextAttemptAt: null,
    });
  });

  test('when queuing the next attempt failed, the redelivered message queues it again; a mere duplicate does not', async () => {
    const ref = await openDelivery('http://127.0.0.1:9/hook');
    const post = async () => 503;

    const first = await attemptDelivery(ref, 1, { retryBaseMs: 1000, post });
    // SQS redelivers attempt 1 because the worker could not queue attempt 2.
    const redelivered = await attemptDelivery(ref, 1, { retryBaseMs: 1000, post, redelivered: true });
    const duplicate = await attemptDelivery(ref, 1, { retryBaseMs: 1000, post });
    const second = await attemptDelivery(ref, 2, { retryBaseMs: 1000, post: async () => 200 });

    expect(first).toEqual({ done: false, retryInMs: 1000 });
    expect(redelivered).toMatchObject({ done: false });
    expect(duplicate).toEqual({ done: true });
    expect(second).toEqual({ done: true });
    expect(await deliveryOf(ref)).toMatchObject({
      status: 'succeeded',
      attempts: [
        { attempt: 1, status: 503 },
        { attempt: 2, status: 200 },
      ],
    });
  });

  test('opening the deliveries of an event again (a redelivered stream record) keeps each one as it is', async () => {
    const ref = await openDelivery('http://127.0.0.1:9/hook');
    await attemptDelivery(ref, 1, { retryBaseMs: 1000, post: async () => 503 });
    const webhook = (await Webhooks.webhookItem(ref.tenantId, ref.webhookId))!;
    const event = {
      id: ref.eventId,
      time: ref.eventTime,
      tenantId: ref.tenantId,
      type: 'model.created',
    } as never;

    const again = await openDeliveries(event, [webhook]);

    expect(again).toEqual([ref]);
    expect(await deliveryOf(ref)).toMatchObject({
      status: 'retrying',
      attempts: [{ attempt: 1, status: 503 }],
    });
  });
});
