/**
 * THE table of the functions that consume the table's change stream. Like the route table, the rows
 * are plain data read by both stacks: the CDK stack subscribes one function per row to the stream
 * (an event source mapping with the row's filter), and the local stack polls DynamoDB Local's stream
 * and invokes the same handler with the same event when the same filter matches.
 */

/**
 * A Lambda event filter pattern over a DynamoDB stream record: nested objects, and at the leaves a
 * list of the exact values allowed. (Lambda accepts more; both stacks understand this much.)
 */
export interface StreamFilter {
  readonly [field: string]: StreamFilter | readonly string[];
}

export interface StreamConsumer {
  /** Also names the function in the AWS stack (`<Name>Function`). */
  name: string;
  /** The Lambda entry, below `functions/`, exporting `handler(event: DynamoDBStreamEvent)`. */
  entry: string;
  description: string;
  /** Only matching records reach the function: Lambda filters them before invoking it. */
  filter: StreamFilter;
  /** Records per invocation. */
  batchSize: number;
  timeoutSeconds: number;
  memorySize: number;
  /**
   * A failing record is retried (its shard waits, so order holds per partition key) until it is
   * this old; then its batch is reported to the consumer's dead-letter queue.
   */
  maxRecordAgeSeconds: number;
  /** Retries of a failing batch before it goes to the dead-letter queue; -1 retries until `maxRecordAgeSeconds`. */
  retryAttempts: number;
}

/** Marks the items a consumer cares about; the stream filters on it. */
export const itemKinds = { outbox: 'outbox', upload: 'upload' } as const;

export const streamConsumers = [
  {
    // Publishes every event its transaction wrote (EventBridge, webhooks): see events/outbox.ts.
    name: 'outbox',
    entry: 'events/outbox-consumer.ts',
    description: 'Cairn event outbox: publishes registry and audit events to EventBridge and webhooks',
    filter: {
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { NewImage: { kind: { S: [itemKinds.outbox] } } },
    },
    batchSize: 25,
    timeoutSeconds: 60,
    memorySize: 512,
    // EventBridge or SQS down for hours should delay events, not drop them.
    maxRecordAgeSeconds: 6 * 3600,
    retryAttempts: -1,
  },
  {
    // Hashes a completed multipart upload and adopts it under its content address: blobs/verify.ts.
    name: 'uploadVerifier',
    entry: 'blobs/verifier.ts',
    description: 'Cairn upload verifier: hashes completed multipart uploads before they become blobs',
    filter: {
      eventName: ['MODIFY'],
      dynamodb: { NewImage: { kind: { S: [itemKinds.upload] }, state: { S: ['verifying'] } } },
    },
    batchSize: 1,
    // Lambda's ceiling: what one invocation can hash bounds the largest blob (blobs/limits.ts).
    timeoutSeconds: 900,
    memorySize: 2048,
    maxRecordAgeSeconds: 3600,
    // A verdict (match or not) is never an error; an error is a crash worth two more tries.
    retryAttempts: 2,
  },
] as const satisfies readonly StreamConsumer[];

export type StreamConsumerName = (typeof streamConsumers)[number]['name'];

/**
 * Whether a stream record (in the JSON shape Lambda hands a function) matches a filter, as Lambda's
 * event filtering decides it for the subset above: every field of the pattern must be present and
 * hold one of the listed values.
 */
export function matchesFilter(record: unknown, filter: StreamFilter): boolean {
  if (typeof record !== 'object' || record === null) return false;
  return Object.entries(filter).every(([field, expected]) => {
    if (!Object.hasOwn(record, field)) return false;
    const value = (record as Record<string, unknown>)[field];
    if (Array.isArray(expected)) return typeof value === 'string' && expected.includes(value);
    return matchesFilter(value, expected as StreamFilter);
  });
}
