import { appendFile } from 'node:fs/promises';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { matchesFilter, type StreamConsumer } from '#functions/stream-consumers.ts';

/** A stream consumer's Lambda handler: it may answer which records failed, or nothing. */
type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

export interface StreamPollerOptions {
  endpoint: string;
  streamArn: string;
  consumers: { consumer: StreamConsumer; handler: StreamHandler }[];
  /** Between reads of an idle stream. */
  intervalMs?: number;
  /** Where batches given up on are appended (the local dead-letter queue). */
  failuresFile?: string;
  log?: (line: string) => void;
}

export interface StreamPoller {
  stop(): Promise<void>;
}

/** Lambda hands binary attributes to functions as base64 text; the SDK reads them as bytes. */
function lambdaValue(value: AttributeValue): unknown {
  if (value.B) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.M) return { M: lambdaImage(value.M) };
  if (value.L) return { L: value.L.map(lambdaValue) };
  return value;
}

function lambdaImage(image: Record<string, AttributeValue> | undefined) {
  return (
    image && Object.fromEntries(Object.entries(image).map(([name, value]) => [name, lambdaValue(value)]))
  );
}

/** A stream record as GetRecords returns it, in the JSON shape Lambda gives a function. */
function lambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(
        (change.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000,
      ),
      Keys: lambdaImage(change.Keys) as never,
      NewImage: lambdaImage(change.NewImage) as never,
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType as never,
    },
  };
}

function lambdaContext(consumer: StreamConsumer, requestId: string): Context {
  const deadline = Date.now() + consumer.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `cairn-${consumer.name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:cairn-${consumer.name}`,
    memoryLimitInMB: String(consumer.memorySize),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/cairn-${consumer.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms).unref());

/**
 * The local stand-in for Lambda's DynamoDB stream event source mappings: it reads DynamoDB Local's
 * stream shard by shard (parents before children) and, for each consumer of the table in
 * `functions/stream-consumers.ts`, invokes the consumer's real Lambda handler with the records its
 * filter matches, in order, in batches of its size. A failing batch (an error, or
 * `batchItemFailures`) is retried from the first failed record with backoff, holding back the
 * records after it, as Lambda does, until the record is older than the consumer's maximum age or
 * out of retries; then the batch is appended to `failuresFile` and the consumer moves on.
 *
 * Reading starts at the oldest record the stream keeps, so records a stopped stack left
 * unprocessed are handled when it starts again: the consumers are idempotent, so records already
 * handled are harmless.
 */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint });
  const intervalMs = options.intervalMs ?? 100;
  let stopped = false;
  let invocations = 0;

  const lanes = options.consumers.map(({ consumer, handler }) => {
    const queue: DynamoDBRecord[] = [];
    let wake: (() => void) | undefined;
    const run = async () => {
      let attempt = 0;
      while (!stopped) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const batch = queue.slice(0, consumer.batchSize);
        let failedAt = -1;
        let problem = '';
        try {
          const answer = await handler({ Records: batch }, lambdaContext(consumer, `local-${++invocations}`));
          const failed = (answer as DynamoDBBatchResponse | undefined)?.batchItemFailures?.[0]
            ?.itemIdentifier;
          if (failed !== undefined) {
            failedAt = Math.max(
              0,
              batch.findIndex((record) => record.dynamodb?.SequenceNumber === failed),
            );
            problem = `record ${failed} reported as failed`;
          }
        } catch (error) {
          failedAt = 0;
          problem = (error as Error).message;
        }
        if (failedAt < 0) {
          queue.splice(0, batch.length);
          attempt = 0;
          continue;
        }
        queue.splice(0, failedAt);
        attempt++;
        const ageSeconds = Date.now() / 1000 - (batch[failedAt]?.dynamodb?.ApproximateCreationDateTime ?? 0);
        const outOfRetries = consumer.retryAttempts >= 0 && attempt > consumer.retryAttempts;
        if (outOfRetries || ageSeconds > consumer.maxRecordAgeSeconds) {
          const dropped = queue.splice(0, batch.length - failedAt);
          options.log?.(
            `stream consumer ${consumer.name} gave up on ${dropped.length} record(s): ${problem}`,
          );
          if (options.failuresFile) {
            await appendFile(
              options.failuresFile,
              `${JSON.stringify({ consumer: consumer.name, at: new Date().toISOString(), problem, records: dropped })}\n`,
            ).catch(() => undefined);
          }
          attempt = 0;
          continue;
        }
        options.log?.(`stream consumer ${consumer.name} failed (attempt ${attempt}), retrying: ${problem}`);
        await sleep(Math.min(2000, 50 * 2 ** attempt));
      }
    };
    return {
      consumer,
      push(record: DynamoDBRecord) {
        queue.push(record);
        wake?.();
      },
      stop: () => wake?.(),
      done: run(),
    };
  });

  /** Shards in the order they were found, with where reading stands. */
  const shards = new Map<string, { parent?: string; iterator?: string; finished: boolean }>();

  async function discover() {
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: options.streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId && !shards.has(shard.ShardId))
          shards.set(shard.ShardId, { parent: shard.ParentShardId, finished: false });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  async function readOnce(): Promise<number> {
    let read = 0;
    for (const [shardId, shard] of shards) {
      if (shard.finished) continue;
      const parent = shard.parent ? shards.get(shard.parent) : undefined;
      if (parent && !parent.finished) continue;
      shard.iterator ??= (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: options.streamArn,
            ShardId: shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      if (!shard.iterator) {
        shard.finished = true;
        continue;
      }
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }));
      for (const raw of page.Records ?? []) {
        const record = lambdaRecord(raw, options.streamArn);
        for (const lane of lanes) if (matchesFilter(record, lane.consumer.filter)) lane.push(record);
      }
      read += page.Records?.length ?? 0;
      shard.iterator = page.NextShardIterator;
      if (!shard.iterator) shard.finished = true;
    }
    return read;
  }

  const reader = (async () => {
    let sinceDiscovery = Number.POSITIVE_INFINITY;
    while (!stopped) {
      try {
        // New shards appear when one closes (every few hours); look again now and then.
        if (sinceDiscovery++ > 50 || [...shards.values()].every((shard) => shard.finished)) {
          await discover();
          sinceDiscovery = 0;
        }
        if ((await readOnce()) > 0) continue;
      } catch (error) {
        if (stopped) break;
        options.log?.(`stream poller: ${(error as Error).message}`);
      }
      await sleep(intervalMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      for (const lane of lanes) lane.stop();
      await reader;
      await Promise.all(lanes.map((lane) => lane.done));
      streams.destroy();
    },
  };
}
