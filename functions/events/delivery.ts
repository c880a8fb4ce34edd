import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { decodePageToken, encodePageToken } from '#functions/search/page-token.ts';
import { CairnError } from '#http/errors.ts';
import { fitting } from '#http/response-budget.ts';
import { isConditionFailure, table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { maxBatchWriteItems } from '#table/limits.ts';
import { getEvent } from './audit.ts';
import type { AuditEvent, Delivery, DeliveryAttempt } from './schema.ts';
import { eventSettings } from './settings.ts';
import { signatureHeader, signDelivery, timestampHeader } from './signature.ts';
import { addressRefusal, hostOf, type UrlPolicy } from './url-policy.ts';
import { type WebhookItem, webhookItem } from './webhooks.ts';

/** One event on its way to one webhook: what a queue message carries. */
export interface DeliveryRef {
  tenantId: string;
  webhookId: string;
  eventId: string;
  eventTime: string;
}

/** Attempts per delivery, the first included; the CDK queue's dead-letter threshold matches. */
export const maxDeliveryAttempts = 5;
/** A receiver that has not answered by then has failed this attempt. */
export const deliveryTimeoutMs = 10_000;
/** The delivery log keeps a delivery this long (DynamoDB TTL, in seconds). */
const deliveryLogDays = 30;

/** Exponential backoff: `base`, 2×, 4×, 8× before attempts 2 to 5. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return baseMs * 2 ** (attempt - 1);
}

const deliveryKey = (ref: DeliveryRef) =>
  keys.webhookDelivery(ref.tenantId, ref.webhookId, ref.eventTime, ref.eventId);

/**
 * Opens one pending delivery per webhook the event selects, before any attempt is queued, so the
 * delivery log shows a delivery from the moment it exists.
 */
export async function openDeliveries(
  event: AuditEvent,
  webhooks: readonly WebhookItem[],
): Promise<DeliveryRef[]> {
  const { name, doc } = table();
  const refs = webhooks.map((webhook) => ({
    tenantId: event.tenantId,
    webhookId: webhook.id,
    eventId: event.id,
    eventTime: event.time,
  }));
  const expiresAt = Math.floor(Date.parse(event.time) / 1000) + deliveryLogDays * 86_400;
  for (let start = 0; start < refs.length; start += maxBatchWriteItems) {
    let pending: Record<string, unknown>[] | undefined = refs
      .slice(start, start + maxBatchWriteItems)
      .map((ref) => ({
        PutRequest: {
          Item: {
            ...deliveryKey(ref),
            webhookId: ref.webhookId,
            eventId: event.id,
            eventType: event.type,
            eventTime: event.time,
            status: 'pending',
            attempts: [],
            claimed: 0,
            nextAttemptAt: event.time,
            expiresAt,
          },
        },
      }));
    for (let tries = 0; pending?.length && tries < 5; tries++) {
      const { UnprocessedItems } = await doc.send(
        new BatchWriteCommand({ RequestItems: { [name]: pending } }),
      );
      pending = UnprocessedItems?.[name] as Record<string, unknown>[] | undefined;
    }
  }
  return refs;
}

/**
 * Claims attempt `attempt` of a delivery: only one worker makes it, even when a queue hands the
 * same message out twice, and nothing is sent once a delivery has ended.
 */
async function claim(ref: DeliveryRef, attempt: number): Promise<boolean> {
  const { name, doc } = table();
  try {
    await doc.send(
      new UpdateCommand({
        TableName: name,
        Key: deliveryKey(ref),
        UpdateExpression: 'SET claimed = :attempt',
        ConditionExpression: 'claimed < :attempt AND #status IN (:pending, :retrying)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':attempt': attempt, ':pending': 'pending', ':retrying': 'retrying' },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

async function settle(
  ref: DeliveryRef,
  change: { status: Delivery['status']; attempt?: DeliveryAttempt; nextAttemptAt: string | null },
): Promise<void> {
  const { name, doc } = table();
  const appended = change.attempt ? ', attempts = list_append(attempts, :attempt)' : '';
  await doc.send(
    new UpdateCommand({
      TableName: name,
      Key: deliveryKey(ref),
      UpdateExpression: `SET #status = :status, nextAttemptAt = :next${appended}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': change.status,
        ':next': change.nextAttemptAt,
        ...(change.attempt ? { ':attempt': [change.attempt] } : {}),
      },
    }),
  );
}

/** Connects only to addresses the policy allows, checked after resolution, on every connection. */
function guardedLookup(policy: UrlPolicy): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (...args: unknown[]) => void,
  ) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      for (const { address } of addresses) {
        const refusal = addressRefusal(address, policy);
        if (refusal)
          return callback(Object.assign(new Error(`${hostname}: ${refusal}`), { code: 'EREFUSED' }));
      }
      const first = addresses[0]!;
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

/** One signed POST; resolves with the receiver's status, rejects when there is no answer. */
export function postSigned(
  url: URL,
  body: string,
  headers: Record<string, string>,
  policy: UrlPolicy,
  timeoutMs = deliveryTimeoutMs,
): Promise<number> {
  const literal = hostOf(url);
  const refusal = isIP(literal) ? addressRefusal(literal, policy) : undefined;
  if (refusal) return Promise.reject(new Error(refusal));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(policy),
        timeout: timeoutMs,
      },
      (response) => {
        // The answer's body is of no interest; draining it frees the socket.
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The request a receiver gets: the event as JSON, signed over timestamp and body. */
export function deliveryRequest(webhook: Pick<WebhookItem, 'secret'>, event: AuditEvent, now = Date.now()) {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(now / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Cairn-Webhooks/1',
      'x-cairn-event': event.type,
      'x-cairn-delivery': event.id,
      [timestampHeader]: String(timestamp),
      [signatureHeader]: signDelivery(webhook.secret, timestamp, body),
    },
  };
}

export type AttemptOutcome = { done: true } | { done: false; retryInMs: number };

/**
 * Makes attempt `attempt` of a delivery and records it. A 2xx answer succeeds; anything else
 * (another status, a redirect, no answer) is retried with backoff until `maxDeliveryAttempts`.
 */
export async function attemptDelivery(
  ref: DeliveryRef,
  attempt: number,
  options: { retryBaseMs: number; post?: typeof postSigned },
): Promise<AttemptOutcome> {
  if (!(await claim(ref, attempt))) return { done: true };
  const webhook = await webhookItem(ref.tenantId, ref.webhookId);
  const event = await getEvent(ref.tenantId, ref.eventTime, ref.eventId);
  if (!webhook || !event) {
    await settle(ref, { status: 'cancelled', nextAttemptAt: null });
    return { done: true };
  }
  const { body, headers } = deliveryRequest(webhook, event);
  const started = Date.now();
  let status: number | null = null;
  let error: string | null = null;
  try {
    status = await (options.post ?? postSigned)(new URL(webhook.url), body, headers, {
      allowLocal: eventSettings().allowLocalWebhooks,
    });
    if (status < 200 || status >= 300) error = `answered ${status}`;
  } catch (failure) {
    error = (failure as Error).message;
  }
  const record: DeliveryAttempt = {
    attempt,
    at: new Date(started).toISOString(),
    status,
    error,
    durationMs: Date.now() - started,
  };
  if (error === null) {
    await settle(ref, { status: 'succeeded', attempt: record, nextAttemptAt: null });
    return { done: true };
  }
  if (attempt >= maxDeliveryAttempts) {
    await settle(ref, { status: 'failed', attempt: record, nextAttemptAt: null });
    return { done: true };
  }
  const retryInMs = retryDelayMs(attempt, options.retryBaseMs);
  await settle(ref, {
    status: 'retrying',
    attempt: record,
    nextAttemptAt: new Date(Date.now() + retryInMs).toISOString(),
  });
  return { done: false, retryInMs };
}

const DeliveryPage = z.object({ after: z.string(), webhook: z.string() });

/** A webhook's delivery log, newest event first (partition `webhookDeliveriesOf`). */
export async function listDeliveries(
  tenantId: string,
  webhookId: string,
  request: { maxResults: number; pageToken?: string },
): Promise<{ deliveries: Delivery[]; nextPageToken?: string }> {
  const { name, doc } = table();
  const pk = keys.webhookDeliveriesOf(tenantId, webhookId);
  const digest = createHash('sha256').update(webhookId).digest('base64url').slice(0, 12);
  let after: string | undefined;
  if (request.pageToken) {
    const page = decodePageToken(request.pageToken, DeliveryPage);
    if (page.webhook !== digest) {
      throw new CairnError('search.invalid_page_token', 'This page token belongs to another webhook');
    }
    after = page.after;
  }
  const page = await doc.send(
    new QueryCommand({
      TableName: name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
      Limit: request.maxResults,
      ExclusiveStartKey: after ? { pk, sk: after } : undefined,
    }),
  );
  const read = (page.Items ?? []).map(
    (item): Delivery => ({
      webhookId: item.webhookId,
      eventId: item.eventId,
      eventType: item.eventType,
      eventTime: item.eventTime,
      status: item.status,
      attempts: item.attempts ?? [],
      nextAttemptAt: item.nextAttemptAt ?? null,
    }),
  );
  // Each delivery carries its attempts: a page also ends where its bytes reach the budget.
  const deliveries = read.slice(0, fitting(read));
  const last =
    deliveries.length < read.length
      ? (page.Items?.[deliveries.length - 1]?.sk as string)
      : (page.LastEvaluatedKey?.sk as string | undefined);
  return last
    ? { deliveries, nextPageToken: encodePageToken({ after: last, webhook: digest }) }
    : { deliveries };
}
