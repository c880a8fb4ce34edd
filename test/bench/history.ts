import { benchStack, fmt, median } from './stack.ts';

/** 100,000 points of one metric: read whole through the gateway, and downsampled to 1,000 points. */
export async function historyBench(points = 100_000) {
  const stack = await benchStack();
  try {
    const Runs = await import('#functions/runs/store.ts');
    const run = await Runs.createRun(stack.tenantId, { experimentId: '0' }, 'bench');
    for (let offset = 0; offset < points; offset += 1000) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: Math.exp(-(offset + i) / 20_000) + Math.random() * 0.01,
        step: offset + i,
        timestamp: 1_700_000_000_000 + offset + i,
      }));
      await Runs.logBatch(stack.tenantId, run.id, { metrics, params: [], tags: [] }, Date.now());
    }
    const time = async (query: string) => {
      const samples: number[] = [];
      let count = 0;
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        let token: string | undefined;
        count = 0;
        do {
          const url = `${stack.url}/api/v1/runs/${run.id}/metric-history?key=loss&${query}${token ? `&pageToken=${token}` : ''}`;
          const page = (await (await fetch(url, { headers: { authorization: `Bearer ${stack.apiKey}` } })).json()) as {
            points: unknown[];
            nextPageToken?: string;
          };
          count += page.points.length;
          token = page.nextPageToken;
        } while (token);
        if (i > 0) samples.push(performance.now() - started);
      }
      return { ms: median(samples), count };
    };
    const whole = await time('maxResults=100000');
    const thin = await time('maxPoints=1000');
    return {
      name: `history: ${fmt(points)} points of one metric`,
      lines: [
        `read whole: median ${fmt(whole.ms)} ms for ${fmt(whole.count)} points`,
        `downsampled to ≤1,000 (min/max per bucket): median ${fmt(thin.ms)} ms for ${fmt(thin.count)} points`,
        `ratio whole / downsampled: ${fmt(whole.ms / thin.ms, 1)}× (the read dominates; the response is ${fmt(whole.count / thin.count)}× smaller)`,
      ],
    };
  } finally {
    await stack.stop();
  }
}
