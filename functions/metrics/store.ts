import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, table } from '#table/client.ts';
import { keys, metricChunkSortPrefix } from '#table/keys.ts';
import { decodeChunk, encodeChunk, type Series } from './chunks.ts';
import { byStepThenTime, type KeyedPoint, type Point } from './point.ts';

/** Above this many bytes of key names, a chunk does not list its keys (the item would grow too much). */
const maxListedKeyBytes = 32 * 1024;

/**
 * Writes one batch of points as one immutable chunk item, named by the batch id: the same batch
 * sent twice finds its chunk there and is not stored again.
 */
export async function appendChunk(
  tenantId: string,
  runId: string,
  batchId: string,
  points: KeyedPoint[],
  receivedAt: number,
): Promise<'written' | 'duplicate'> {
  const series = new Map<string, Series>();
  let minStep = Number.POSITIVE_INFINITY;
  let maxStep = Number.NEGATIVE_INFINITY;
  for (const point of points) {
    let entry = series.get(point.key);
    if (!entry) {
      entry = { steps: [], timestamps: [], values: [] };
      series.set(point.key, entry);
    }
    entry.steps.push(point.step);
    entry.timestamps.push(point.timestamp);
    entry.values.push(point.value);
    minStep = Math.min(minStep, point.step);
    maxStep = Math.max(maxStep, point.step);
  }
  const keyBytes = [...series.keys()].reduce((sum, key) => sum + Buffer.byteLength(key), 0);
  const { name, doc } = table();
  try {
    await doc.send(
      new PutCommand({
        TableName: name,
        Item: {
          ...keys.metricChunk(tenantId, runId, batchId),
          receivedAt,
          count: points.length,
          minStep,
          maxStep,
          ...(keyBytes <= maxListedKeyBytes ? { keys: new Set(series.keys()) } : {}),
          data: encodeChunk(series),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return 'written';
  } catch (error) {
    if (isConditionFailure(error)) return 'duplicate';
    throw error;
  }
}

/**
 * The full history of some keys of one run, each sorted by step then time. Reads the run's chunk
 * items (partition `runPartition`, prefix `metricChunk`), skipping chunks that hold none of the keys
 * or lie outside the step range.
 */
export async function readHistories(
  tenantId: string,
  runId: string,
  wanted: string[],
  range: { startStep?: number; endStep?: number } = {},
): Promise<Map<string, Point[]>> {
  const { name, doc } = table();
  const only = new Set(wanted);
  const names: Record<string, string> = { '#keys': 'keys' };
  const values: Record<string, unknown> = {
    ':pk': keys.runPartition(tenantId, runId),
    ':prefix': metricChunkSortPrefix,
  };
  const listed = wanted.map((key, index) => {
    values[`:k${index}`] = key;
    return `contains(#keys, :k${index})`;
  });
  const filters = [`(attribute_not_exists(#keys) OR ${listed.join(' OR ')})`];
  if (range.startStep !== undefined) {
    filters.push('maxStep >= :start');
    values[':start'] = range.startStep;
  }
  if (range.endStep !== undefined) {
    filters.push('minStep <= :end');
    values[':end'] = range.endStep;
  }

  const chunks: { receivedAt: number; series: Map<string, Series> }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: { ...names, '#data': 'data' },
        ExpressionAttributeValues: values,
        ProjectionExpression: 'receivedAt, #data',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      chunks.push({ receivedAt: item.receivedAt, series: decodeChunk(item.data as Uint8Array, only) });
    }
    start = page.LastEvaluatedKey;
  } while (start);

  // Chunks in arrival order, so that points with equal step and time keep their logging order.
  chunks.sort((a, b) => a.receivedAt - b.receivedAt);
  const result = new Map<string, Point[]>(wanted.map((key) => [key, []]));
  for (const { series } of chunks) {
    for (const [key, { steps, timestamps, values: vals }] of series) {
      const into = result.get(key)!;
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i]!;
        if (range.startStep !== undefined && step < range.startStep) continue;
        if (range.endStep !== undefined && step > range.endStep) continue;
        into.push({ step, timestamp: timestamps[i]!, value: vals[i]! });
      }
    }
  }
  for (const points of result.values()) points.sort(byStepThenTime);
  return result;
}
