import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { maxBatchWriteItems } from '#table/limits.ts';
import { benchStack, fmt, meterCapacity } from './stack.ts';

/**
 * Write units per million metric points: Cairn's chunked batches (through the same store code the
 * API runs) against one item per point, both measured with ReturnConsumedCapacity on DynamoDB Local.
 */
export async function costBench() {
  const stack = await benchStack();
  try {
    const { table } = await import('#table/client.ts');
    const Runs = await import('#functions/runs/store.ts');
    const { name, doc } = table();
    const meter = meterCapacity(doc);
    const run = await Runs.createRun(stack.tenantId, { experimentId: '0', params: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`param_${i}`, String(i)])) }, 'bench');

    // 10 keys × 100 steps = 1,000 points per batch, as the SDK sends them.
    const keys = Array.from({ length: 10 }, (_, i) => `metric_${i}`);
    const batches = 50;
    meter.writeUnits = 0;
    let points = 0;
    for (let b = 0; b < batches; b++) {
      const metrics = [];
      for (let s = 0; s < 100; s++) {
        const step = b * 100 + s;
        for (const key of keys) metrics.push({ key, value: Math.random(), step, timestamp: 1_700_000_000_000 + step });
      }
      points += metrics.length;
      await Runs.logBatch(stack.tenantId, run.id, { batchId: `cost-${b}-xxxxxx`, metrics, params: [], tags: [] }, Date.now());
    }
    const chunkedPerMillion = (meter.writeUnits / points) * 1e6;

    // The naive design: one item per point, written 25 at a time.
    meter.writeUnits = 0;
    const naivePoints = 5000;
    for (let offset = 0; offset < naivePoints; offset += maxBatchWriteItems) {
      const items = Array.from({ length: maxBatchWriteItems }, (_, i) => {
        const step = offset + i;
        return {
          PutRequest: {
            Item: {
              pk: `${stack.tenantId}#RUN#${run.id}`,
              sk: `M#metric_${step % 10}#${String(step).padStart(12, '0')}`,
              key: `metric_${step % 10}`,
              step,
              timestamp: 1_700_000_000_000 + step,
              value: Math.random(),
            },
          },
        };
      });
      await doc.send(new BatchWriteCommand({ RequestItems: { [name]: items } }));
    }
    const naivePerMillion = (meter.writeUnits / naivePoints) * 1e6;
    return {
      name: 'cost: write units per million points',
      lines: [
        `chunked (1,000-point batches, 10 keys): ${fmt(chunkedPerMillion)} WCU per 1M points (${fmt(points)} points measured)`,
        `one item per point (BatchWriteItem):    ${fmt(naivePerMillion)} WCU per 1M points (${fmt(naivePoints)} points measured)`,
        `ratio: ${fmt(naivePerMillion / chunkedPerMillion, 1)}× fewer write units (target ≥ 50×)`,
        `at $0.625 per million on-demand WRUs (us-east-1): $${fmt((chunkedPerMillion / 1e6) * 0.625, 4)} per million points`,
      ],
    };
  } finally {
    await stack.stop();
  }
}
