import { benchStack, fmt, median, percentile } from './stack.ts';

/** Runs `task(i)` for i < count with at most `width` in flight. */
export async function pool(count: number, width: number, task: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * Run search over 10,000 runs × 20 metrics × 20 params in one experiment: a filter on one metric
 * plus an order by another, through the gateway, p50 and p95.
 */
export async function searchBench(runCount = Number(process.env.BENCH_RUNS ?? 10_000)) {
  const stack = await benchStack();
  try {
    const Experiments = await import('#functions/experiments/store.ts');
    const Runs = await import('#functions/runs/store.ts');
    const experiment = await Experiments.createExperiment(stack.tenantId, { name: 'search-bench' });
    const seeded = performance.now();
    await pool(runCount, 16, async (i) => {
      const params = Object.fromEntries(Array.from({ length: 20 }, (_, p) => [`param_${p}`, String((i * (p + 1)) % 97)]));
      const run = await Runs.createRun(stack.tenantId, { experimentId: experiment.id, params, startTime: 1_700_000_000_000 + i }, 'bench');
      const metrics = Array.from({ length: 20 }, (_, m) => ({ key: `metric_${m}`, value: Math.random(), step: 0, timestamp: 1 }));
      await Runs.logBatch(stack.tenantId, run.id, { metrics, params: [], tags: [] }, Date.now());
    });
    const seedSeconds = (performance.now() - seeded) / 1000;

    const body = JSON.stringify({
      experimentIds: [experiment.id],
      filter: 'metrics.metric_3 > 0.5',
      orderBy: ['metrics.metric_7 DESC'],
      maxResults: 100,
    });
    const latencies: number[] = [];
    let cold = 0;
    let matched = 0;
    for (let i = 0; i < 21; i++) {
      const started = performance.now();
      const response = await fetch(`${stack.url}/api/v1/runs/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body,
      });
      const answer = (await response.json()) as { runs: unknown[] };
      // The first search reads every run; later ones read only what changed since (none here).
      if (i === 0) cold = performance.now() - started;
      else latencies.push(performance.now() - started);
      matched = answer.runs.length;
    }
    return {
      name: `search: ${fmt(runCount)} runs × 20 metrics × 20 params, filter on a metric + order by another`,
      lines: [
        `seeded through the store in ${seedSeconds.toFixed(0)} s`,
        `first search (reads all ${fmt(runCount)} runs): ${fmt(cold)} ms`,
        `warm searches: p50 ${fmt(median(latencies))} ms, p95 ${fmt(percentile(latencies, 95))} ms over ${latencies.length} (${matched} runs per page; target p50 ≤ 1,000 ms)`,
        `ratio cold / warm p50: ${fmt(cold / median(latencies), 1)}×`,
      ],
    };
  } finally {
    await stack.stop();
  }
}
