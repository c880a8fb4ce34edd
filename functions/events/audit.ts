import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { decodePageToken, encodePageToken } from '#functions/search/page-token.ts';
import { itemKinds } from '#functions/stream-consumers.ts';
import { CairnError } from '#http/errors.ts';
import { pageBudgetBytes, wireBytes } from '#http/response-budget.ts';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { type Actor, type AuditEvent, type AuditQuery, type EventType, selects } from './schema.ts';

export interface NewEvent {
  type: EventType;
  actor: Actor;
  resource: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Events travel whole to EventBridge (256 KB per entry) and webhooks, so a change that is large
 * (a long description, many tags) keeps its shape but not its bulk.
 */
const maxStateBytes = 64 * 1024;

function bounded(state: unknown): unknown {
  if (state === undefined || state === null) return null;
  const bytes = Buffer.byteLength(JSON.stringify(state));
  return bytes > maxStateBytes ? { truncated: true, bytes } : state;
}

/** Builds an event; `auditWrites` records it and queues it for publication in the change's transaction. */
export function newEvent(tenantId: string, input: NewEvent, now = new Date()): AuditEvent {
  return {
    id: `evt_${randomBytes(10).toString('hex')}`,
    tenantId,
    type: input.type,
    actor: input.actor,
    time: now.toISOString(),
    resource: input.resource,
    before: bounded(input.before),
    after: bounded(input.after),
  };
}

/** The outbox keeps an unpublished event this long; the audit log keeps it for good. */
const outboxDays = 14;

/**
 * The writes that record an event: three audit puts (tenant log, resource log, actor log) and the
 * outbox item the outbox consumer publishes from. A store adds them to the transaction that makes
 * the change, so no change is ever missing from the log, and every change that commits is
 * published (and none that does not): the transactional outbox (see `outbox-consumer.ts`).
 */
export function auditWrites(event: AuditEvent) {
  const { name } = table();
  const sk = keys.auditOrder(event.time, event.id);
  const data = JSON.stringify(event);
  const audit = [
    keys.auditLog(event.tenantId),
    keys.auditByResource(event.tenantId, event.resource),
    keys.auditByActor(event.tenantId, event.actor.keyId),
  ].map((pk) => ({ Put: { TableName: name, Item: { pk, sk, data } } }));
  const outbox = {
    Put: {
      TableName: name,
      Item: {
        ...keys.outbox(event.tenantId, event.time, event.id),
        kind: itemKinds.outbox,
        tenantId: event.tenantId,
        data,
        expiresAt: Math.floor(Date.parse(event.time) / 1000) + outboxDays * 86_400,
      },
    },
  };
  return [...audit, outbox];
}

/** How many transaction items `auditWrites` adds: stores keep room for them under the limit of 100. */
export const auditWriteCount = 4;

/** Writes an event on its own, for changes made outside a registry transaction. */
export async function writeEvent(event: AuditEvent): Promise<void> {
  await table().doc.send(new TransactWriteCommand({ TransactItems: auditWrites(event) }));
}

/** One event by its time and id (key `auditLog`), as delivery reads it back. */
export async function getEvent(
  tenantId: string,
  time: string,
  eventId: string,
): Promise<AuditEvent | undefined> {
  const { name, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({
      TableName: name,
      Key: { pk: keys.auditLog(tenantId), sk: keys.auditOrder(time, eventId) },
    }),
  );
  return Item ? (JSON.parse(Item.data) as AuditEvent) : undefined;
}

const AuditPage = z.object({ after: z.string(), query: z.string() });

/** Queries read at most this many pages of the log for one answer, however sparse the filter. */
const maxReadsPerAnswer = 10;

/**
 * The audit log, newest first. The partition is the tenant's log, or the resource's or the actor's
 * when the query names one (keys `auditLog`, `auditByResource`, `auditByActor`); the time range is a
 * sort-key range, and any remaining filter (actor with resource, type) is applied to what is read.
 */
export async function queryAudit(
  tenantId: string,
  query: AuditQuery,
): Promise<{ events: AuditEvent[]; nextPageToken?: string }> {
  const { name, doc } = table();
  const pk = query.resource
    ? keys.auditByResource(tenantId, query.resource)
    : query.actor
      ? keys.auditByActor(tenantId, query.actor)
      : keys.auditLog(tenantId);
  const keep = (event: AuditEvent) =>
    (!query.actor || event.actor.keyId === query.actor) && (!query.type || selects([query.type], event.type));
  const digest = createHash('sha256')
    .update(JSON.stringify([query.since, query.until, query.resource, query.actor, query.type]))
    .digest('base64url')
    .slice(0, 16);
  let after: string | undefined;
  if (query.pageToken) {
    const page = decodePageToken(query.pageToken, AuditPage);
    if (page.query !== digest) {
      throw new CairnError(
        'search.invalid_page_token',
        'This page token belongs to a different audit query; start again without it',
      );
    }
    after = page.after;
  }
  // Sort keys are `<ISO time>#<id>`; "~" sorts after every id character.
  const lower = query.since ?? '0';
  const upper = query.until ? `${query.until}#~` : '~';
  const sparse = Boolean(query.type || (query.actor && query.resource));

  const events: AuditEvent[] = [];
  // Events carry before/after snapshots: a page also ends where its bytes reach the budget.
  let used = 0;
  for (let reads = 0; reads < maxReadsPerAnswer; reads++) {
    const page = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
        ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
        ScanIndexForward: false,
        Limit: sparse ? 200 : query.maxResults - events.length + 1,
        ExclusiveStartKey: after ? { pk, sk: after } : undefined,
      }),
    );
    const items = page.Items ?? [];
    for (const item of items) {
      if (events.length === query.maxResults) {
        // A further item exists, so this page ends at the last one read.
        return { events, nextPageToken: encodePageToken({ after, query: digest }) };
      }
      const event = JSON.parse(item.data) as AuditEvent;
      if (keep(event)) {
        const size = wireBytes(event);
        if (events.length && used + size > pageBudgetBytes) {
          // `after` is the last item taken: the next page starts with this one.
          return { events, nextPageToken: encodePageToken({ after, query: digest }) };
        }
        used += size;
        events.push(event);
      }
      after = item.sk as string;
    }
    if (!page.LastEvaluatedKey) return { events };
    after = page.LastEvaluatedKey.sk as string;
    if (events.length === query.maxResults) {
      return { events, nextPageToken: encodePageToken({ after, query: digest }) };
    }
  }
  return { events, nextPageToken: encodePageToken({ after: after as string, query: digest }) };
}
