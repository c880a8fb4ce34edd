import { createHash, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { decodePageToken, encodePageToken } from '#functions/search/page-token.ts';
import { CairnError } from '#http/errors.ts';
import { fitting } from '#http/response-budget.ts';
import { isConditionFailure, table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { getEvent } from './audit.ts';
import type { AuditEvent, Delivery, DeliveryAttempt } from './schema.ts';
import { eventSettings } from './settings.ts';
import { signatureHeader, signDelivery, timestampHeader } from './signature.ts';
import { addressRefusal, hostOf, resolveHost, type UrlPolicy } from './url-policy.ts';
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
/** The delivery log keeps a delivery this long (DynamoDB TTL, in seconds). */
const deliveryLogDays = 30;

/**
 * How long a worker holds an attempt it claimed: longer than the attempt can take (the receiver's
 * timeout, twice, plus the reads and the write around it), shorter than the queue's visibility
 * timeout, so that a worker that died mid-attempt leaves a lease that has expired by the time the
 * queue hands its message to another worker.
 */
export const leaseMs = (deliveryTimeoutMs: number) => 2 * deliveryTimeoutMs + 2_000;

/** Exponential backoff: `base`, 2×, 4×, 8× before attempts 2 to 5. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return baseMs * 2 ** (attempt - 1);
}

const deliveryKey = (ref: DeliveryRef) =>
  keys.webhookDelivery(ref.tenantId, ref.webhookId, ref.eventTime, ref.eventId);

/**
 * Opens one pending delivery per webhook the event selects, before any attempt is queued, so the
 * delivery log shows a delivery from the moment it exists and no attempt is ever queued for a
 * delivery that is not there. Each is a conditional put: opening the deliveries of an event again
 * (the outbox consumer handed the same record twice) leaves those already open, and their
 * progress, as they are. Any other failure throws, and the caller queues nothing.
 */
export async function openDeliveries(
  event: AuditEvent,
  webhooks: readonly WebhookItem[],
): Promise<DeliveryRef[]> {
  const { name, doc } = table();
  const expiresAt = Math.floor(Date.parse(event.time) / 1000) + deliveryLogDays * 86_400;
  const refs = webhooks.map((webhook) => ({
    tenantId: event.tenantId,
    webhookId: webhook.id,
    eventId: event.id,
    eventTime: event.time,
  }));
  // A tenant has at most `maxWebhooksPerTenant` (20) webhooks: one put each, in parallel.
  await Promise.all(
    refs.map(async (ref) => {
      try {
        await doc.send(
          new PutCommand({
            TableName: name,
            Item: {
              ...deliveryKey(ref),
              webhookId: ref.webhookId,
              eventId: event.id,
              eventType: event.type,
              eventTime: event.time,
              status: 'pending',
              attempts: [],
              attemptsMade: 0,
              nextAttemptAt: event.time,
              expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }),
  );
  return refs;
}

/** What the table holds of a delivery, as far as attempts go. */
interface DeliveryState {
  status: Delivery['status'];
  attemptsMade: number;
  leaseUntil?: number;
  nextAttemptAt?: string | null;
}

/**
 * Claims attempt `attempt` of a delivery with a lease: only one worker makes it, even when a queue
 * hands the same message out twice, and nothing is sent once a delivery has ended. A lease that
 * has expired (its worker died, or timed out) can be claimed again, which is what lets SQS's
 * redelivery finish what a dead worker started. On refusal, answers what the table holds.
 *
 *   claim(N): status pending|retrying AND attemptsMade = N-1 AND (no lease OR lease expired)
 *             SET leaseToken, leaseUntil = now + lease
 *   settle:   leaseToken still ours: SET status, attemptsMade = N, attempts += record, REMOVE lease
 */
async function claim(
  ref: DeliveryRef,
  attempt: number,
  lease: { token: string; now: number; ms: number },
): Promise<{ claimed: true } | { claimed: false; state: DeliveryState | undefined }> {
  const { name, doc } = table();
  try {
    await doc.send(
      new UpdateCommand({
        TableName: name,
        Key: deliveryKey(ref),
        UpdateExpression: 'SET leaseToken = :token, leaseUntil = :until',
        ConditionExpression: [
          'attribute_exists(pk)',
          '#status IN (:pending, :retrying)',
          'attemptsMade = :made',
          '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ].join(' AND '),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':token': lease.token,
          ':until': lease.now + lease.ms,
          ':now': lease.now,
          ':made': attempt - 1,
          ':pending': 'pending',
          ':retrying': 'retrying',
        },
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { claimed: false, state: await readState(ref) };
  }
}

async function readState(ref: DeliveryRef): Promise<DeliveryState | undefined> {
  const { name, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: name, Key: deliveryKey(ref), ConsistentRead: true }),
  );
  return Item as DeliveryState | undefined;
}

/**
 * Records the outcome of attempt `attempt` and releases the lease, if the lease is still ours: a
 * worker whose lease expired meanwhile (another worker took the attempt over) records nothing.
 */
async function settle(
  ref: DeliveryRef,
  attempt: number,
  token: string,
  change: { status: Delivery['status']; attempt?: DeliveryAttempt; nextAttemptAt: string | null },
): Promise<boolean> {
  const { name, doc } = table();
  const appended = change.attempt ? ', attempts = list_append(attempts, :attempt), attemptsMade = :made' : '';
  try {
    await doc.send(
      new UpdateCommand({
        TableName: name,
        Key: deliveryKey(ref),
        UpdateExpression: `SET #status = :status, nextAttemptAt = :next${appended} REMOVE leaseToken, leaseUntil`,
        ConditionExpression: 'leaseToken = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': change.status,
          ':next': change.nextAttemptAt,
          ':token': token,
          ...(change.attempt ? { ':attempt': [change.attempt], ':made': attempt } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return false;
  }
}

/** Connects only to addresses the policy allows, checked after resolution, on every connection. */
function guardedLookup(policy: UrlPolicy): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (...args: unknown[]) => void,
  ) => {
    resolveHost(hostname, policy).then(
      (found) => {
        const addresses = found
          .map((address) => ({ address, family: isIP(address) }))
          .filter((entry) => !options.family || entry.family === options.family);
        if (addresses.length === 0)
          return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }));
        for (const { address } of addresses) {
          const refusal = addressRefusal(address, policy);
          if (refusal)
            return callback(Object.assign(new Error(`${hostname}: ${refusal}`), { code: 'EREFUSED' }));
        }
        const first = addresses[0]!;
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: Error) => callback(error),
    );
  }) as LookupFunction;
}

/** One signed POST; resolves with the receiver's status, rejects when there is no answer. */
export function postSigned(
  url: URL,
  body: string,
  headers: Record<string, string>,
  policy: UrlPolicy,
  timeoutMs = eventSettings().deliveryTimeoutMs,
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

/**
 * What became of one attempt: `done` (delivered, given up, cancelled, or not this worker's to
 * make), the next attempt to queue after `retryInMs`, or `busy`: another worker holds the attempt's
 * lease, so the message should come back later (SQS: report it failed; it reappears after its
 * visibility timeout), by which time that worker has finished or its lease has expired.
 */
export type AttemptOutcome = { done: true } | { done: false; retryInMs: number } | { busy: true };

const terminal = new Set<Delivery['status']>(['succeeded', 'failed', 'cancelled']);

/** Why a claim was refused, read from the delivery as it stands. */
function refused(
  ref: DeliveryRef,
  attempt: number,
  state: DeliveryState | undefined,
  now: number,
  redelivered: boolean,
): AttemptOutcome {
  if (!state) {
    // Deliveries are opened before anything is queued for them: this is a bug, or an expired log.
    console.error(JSON.stringify({ level: 'error', message: 'no such delivery', ref, attempt }));
    return { done: true };
  }
  if (terminal.has(state.status)) return { done: true };
  if (state.attemptsMade >= attempt) {
    // Attempt `attempt` was made. A redelivered message means its worker may have failed to queue
    // the next one: queue it (again) for when it is due; the next claim sorts out duplicates.
    if (redelivered && state.attemptsMade === attempt && state.status === 'retrying') {
      const due = state.nextAttemptAt ? Date.parse(state.nextAttemptAt) : now;
      return { done: false, retryInMs: Math.max(0, due - now) };
    }
    return { done: true };
  }
  // The attempt is not made yet: another worker holds its lease, or an earlier one is still due.
  return { busy: true };
}

/**
 * Makes attempt `attempt` of a delivery and records it. A 2xx answer succeeds; anything else
 * (another status, a redirect, no answer) is retried with backoff until `maxDeliveryAttempts`.
 * `redelivered` says the queue handed this message out before (SQS's receive count above one).
 */
export async function attemptDelivery(
  ref: DeliveryRef,
  attempt: number,
  options: { retryBaseMs: number; post?: typeof postSigned; redelivered?: boolean; now?: () => number },
): Promise<AttemptOutcome> {
  const now = options.now ?? Date.now;
  const settings = eventSettings();
  const token = randomUUID();
  const claimed = await claim(ref, attempt, { token, now: now(), ms: leaseMs(settings.deliveryTimeoutMs) });
  if (!claimed.claimed) return refused(ref, attempt, claimed.state, now(), options.redelivered ?? false);
  const webhook = await webhookItem(ref.tenantId, ref.webhookId);
  const event = await getEvent(ref.tenantId, ref.eventTime, ref.eventId);
  if (!webhook || !event) {
    await settle(ref, attempt, token, { status: 'cancelled', nextAttemptAt: null });
    return { done: true };
  }
  const { body, headers } = deliveryRequest(webhook, event);
  const started = now();
  let status: number | null = null;
  let error: string | null = null;
  try {
    status = await (options.post ?? postSigned)(new URL(webhook.url), body, headers, {
      allowLocal: settings.allowLocalWebhooks,
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
    durationMs: now() - started,
  };
  let outcome: AttemptOutcome;
  let change: Parameters<typeof settle>[3];
  if (error === null) {
    outcome = { done: true };
    change = { status: 'succeeded', attempt: record, nextAttemptAt: null };
  } else if (attempt >= maxDeliveryAttempts) {
    outcome = { done: true };
    change = { status: 'failed', attempt: record, nextAttemptAt: null };
  } else {
    const retryInMs = retryDelayMs(attempt, options.retryBaseMs);
    outcome = { done: false, retryInMs };
    change = {
      status: 'retrying',
      attempt: record,
      nextAttemptAt: new Date(now() + retryInMs).toISOString(),
    };
  }
  // A lease lost meanwhile means another worker took this attempt over: its outcome is the one kept.
  if (!(await settle(ref, attempt, token, change))) return { done: true };
  return outcome;
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
