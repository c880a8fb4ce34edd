import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Cairn } from '@cairn/sdk';
import { encodeChunk, type Series } from '#functions/metrics/chunks.ts';
import { keys as tableKeys } from '#table/keys.ts';
import { maxBatchWriteItems } from '#table/limits.ts';
import { benchStack, fmt, median } from './stack.ts';

const metricKeys = Array.from({ length: 10 }, (_, i) => `metric_${i}`);

/**
 * Ingestion through the whole path (SDK → gateway → handler → DynamoDB Local) against the floor:
 * raw BatchWriteItem of the same chunk items to the same DynamoDB Local.
 */
export async function ingestBench(steps = Number(process.env.BENCH_STEPS ?? 100_000)) {
  const stack = await benchStack();
  try {
    const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 4);
    const cairn = new Cairn({ url: stack.url, apiKey: stack.apiKey, buffer: { maxInFlight: inFlight } });
    const run = await cairn.startRun({ experiment: 'ingest', name: 'bench' });
    const values: Record<string, number> = {};
    const started = performance.now();
    for (let step = 0; step < steps; step++) {
      for (const key of metricKeys) values[key] = Math.random();
      // log() says when the buffer is past its high-water mark: let the sender catch up then.
      if (!run.log(values, { step, timestamp: 1_700_000_000_000 + step })) await run.flush();
    }
    await run.end();
    const sdkSeconds = (performance.now() - started) / 1000;
    const points = steps * metricKeys.length;
    if (run.stats.sent !== points) throw new Error(`sent ${run.stats.sent} of ${points} points`);

    // The same chunks (1,000 points: 100 steps × 10 keys), written raw, 25 items per call.
    const { table } = await import('#table/client.ts');
    const { name, doc } = table();
    const chunks: Record<string, unknown>[] = [];
    for (let first = 0; first < steps; first += 100) {
      const series = new Map<string, Series>();
      for (const key of metricKeys) {
        const range = Array.from({ length: 100 }, (_, i) => first + i);
        series.set(key, { steps: range, timestamps: range.map((s) => 1_700_000_000_000 + s), values: range.map(() => Math.random()) });
      }
      chunks.push({
        ...tableKeys.metricChunk(stack.tenantId, 'f'.repeat(32), `raw-${first}`),
        receivedAt: Date.now(),
        count: 1000,
        minStep: first,
        maxStep: first + 99,
        keys: new Set(metricKeys),
        data: encodeChunk(series),
      });
    }
    const rawStarted = performance.now();
    const rawInFlight = 4;
    let next = 0;
    await Promise.all(
      Array.from({ length: rawInFlight }, async () => {
        while (next < chunks.length) {
          const slice = chunks.slice(next, next + maxBatchWriteItems);
          next += maxBatchWriteItems;
          let pending: unknown[] = slice.map((Item) => ({ PutRequest: { Item } }));
          while (pending.length) {
            const out = await doc.send(new BatchWriteCommand({ RequestItems: { [name]: pending as never } }));
            pending = out.UnprocessedItems?.[name] ?? [];
          }
        }
      }),
    );
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    const sdkRate = points / sdkSeconds;
    const rawRate = points / rawSeconds;
    return {
      name: `ingest: ${fmt(points)} points (1 run, 10 keys, ${fmt(steps)} steps)`,
      lines: [
        `SDK → gateway → DynamoDB Local: ${fmt(sdkRate)} points/s (${sdkSeconds.toFixed(1)} s, ${inFlight} batches in flight)`,
        `raw BatchWriteItem of the same chunk items: ${fmt(rawRate)} points/s (${rawSeconds.toFixed(1)} s)`,
        `ratio: ${fmt(sdkRate / rawRate, 2)} of raw (target ≥ 0.5)`,
      ],
    };
  } finally {
    await stack.stop();
  }
}

/** The SDK's `run.log` call overhead, against pushing the same record onto an array. */
export async function logOverheadBench(calls = 1_000_000) {
  const stack = await benchStack();
  try {
    const cairn = new Cairn({ url: stack.url, apiKey: stack.apiKey, buffer: { maxBufferedPoints: 2_000_000, highWaterMark: 2_000_000 } });
    const run = await cairn.startRun({ experiment: 'overhead' });
    const sample = 1000;
    const timeCalls = (call: (step: number) => void) => {
      const perCall: number[] = [];
      for (let offset = 0; offset < calls; offset += sample) {
        const started = process.hrtime.bigint();
        for (let step = offset; step < offset + sample; step++) call(step);
        perCall.push(Number(process.hrtime.bigint() - started) / sample);
      }
      return median(perCall);
    };
    const record = { loss: 0.5, accuracy: 0.9 };
    const options = { step: 0, timestamp: 1_700_000_000_000 };
    const sink: unknown[] = [];
    const baseline = timeCalls((step) => {
      sink.push({ loss: record.loss, accuracy: record.accuracy, step, timestamp: options.timestamp });
      if (sink.length > 100_000) sink.length = 0;
    });
    const logged = timeCalls((step) => {
      options.step = step;
      run.log(record, options);
    });
    await run.end();
    return {
      name: `SDK run.log overhead: ${fmt(calls)} calls of a 2-key record`,
      lines: [
        `run.log: median ${fmt(logged, 0)} ns per call (target ≤ 2,000 ns)`,
        `baseline (push the same record onto an array): median ${fmt(baseline, 0)} ns per call`,
        `ratio: ${fmt(logged / baseline, 1)}× the baseline`,
      ],
    };
  } finally {
    await stack.stop();
  }
}
