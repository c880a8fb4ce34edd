import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Cairn, type CairnOptions } from './client.ts';
import { CairnError } from './errors.ts';
import { type FaultProxy, startFaultProxy } from './test-support/fault-proxy.ts';
import { startTrackingStub, type TrackingStub } from './test-support/tracking-stub.ts';

/*
 * The tracking routes (issue 3) are being built on the server side; until they land, these tests
 * exercise the SDK's buffering, batching and retries against a small in-test stub of those routes
 * (test-support/tracking-stub.ts), with the fault injector in front where a test needs failures.
 * The real routes are covered by the server's integration tests against DynamoDB Local.
 */

let stub: TrackingStub;
let proxy: FaultProxy | undefined;
beforeEach(async () => {
  stub = await startTrackingStub();
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await stub.close();
});

const fast = { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20 };
const client = (options: CairnOptions = {}) =>
  new Cairn({ url: stub.url, apiKey: 'cairn_stub', retry: fast, ...options });
const logPath = (method: string, path: string) => method === 'POST' && path.endsWith('/log');

describe('the README example', () => {
  test('runs as written: one experiment, a finished run, its points, search and history', async () => {
    vi.stubEnv('CAIRN_URL', stub.url);
    vi.stubEnv('CAIRN_API_KEY', 'cairn_stub');
    try {
      const cairn = new Cairn();
      const run = await cairn.startRun({
        experiment: 'iris',
        name: 'rf-100',
        params: { n_estimators: 100, max_depth: 8 },
        tags: { team: 'vision' },
      });
      for (let step = 0; step < 100; step++)
        run.log({ loss: 1 / (step + 1), accuracy: step / 100 }, { step });
      await run.end();
      const best = await cairn.searchRuns({
        experiment: 'iris',
        filter: 'metrics.accuracy > 0.5',
        orderBy: ['metrics.accuracy DESC'],
        maxResults: 10,
      });
      const history = await cairn.getMetricHistory(run.id, 'loss');

      const stored = stub.runs.get(run.id)!;
      expect(stored).toMatchObject({
        name: 'rf-100',
        status: 'FINISHED',
        params: { n_estimators: '100', max_depth: '8' },
      });
      expect(stored.endTime).toEqual(expect.any(Number));
      expect(best.runs.map((one) => one.id)).toEqual([run.id]);
      expect(best.runs[0]!.metrics.accuracy).toMatchObject({ value: 0.99, step: 99 });
      expect(history.points).toHaveLength(100);
      expect(history.points[99]).toMatchObject({ step: 99, value: 0.01 });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('startRun', () => {
  test('two processes starting runs in a new experiment at once share one experiment', async () => {
    const [a, b] = [client(), client()];

    const [runA, runB] = await Promise.all([
      a.startRun({ experiment: 'race' }),
      b.startRun({ experiment: 'race' }),
    ]);

    const named = [...stub.experiments.values()].filter((experiment) => experiment.name === 'race');
    expect(named).toHaveLength(1);
    expect(runA.experimentId).toBe(named[0]!.id);
    expect(runB.experimentId).toBe(named[0]!.id);
    await Promise.all([runA.end(), runB.end()]);
  });

  test('without an experiment the run goes to Default ("0")', async () => {
    const run = await client().startRun();

    expect(run.experimentId).toBe('0');
    await run.end();
  });

  test('an experiment name and an id together are refused', async () => {
    await expect(client().startRun({ experiment: 'iris', experimentId: '0' })).rejects.toMatchObject({
      code: 'client.invalid_argument',
    });
  });
});

describe('run.log: buffered, batched, never blocking', () => {
  test('returns at once, with no promise', async () => {
    const run = await client().startRun();

    const accepted = run.log({ loss: 0.5 }, { step: 1 });

    expect(accepted).toBe(true);
    await run.end();
  });

  test('sends batches of at most 1,000 points, every point exactly once', async () => {
    const run = await client().startRun();

    for (let step = 0; step < 1250; step++)
      run.log({ a: step, b: -step }, { step, timestamp: 1_700_000_000_000 + step });
    await run.flush();

    const sizes = stub.batches.map((batch) => batch.metrics).sort((x, y) => y - x);
    expect(sizes).toEqual([1000, 1000, 500]);
    // Batches travel concurrently, so arrival order is not step order; every step arrives once.
    const steps = stub.points(run.id, 'a').map((point) => point.step);
    expect(steps.sort((x, y) => x - y)).toEqual(Array.from({ length: 1250 }, (_, i) => i));
    expect(stub.points(run.id, 'b')).toHaveLength(1250);
    expect(run.stats).toMatchObject({ logged: 2500, sent: 2500, dropped: 0, failed: 0, buffered: 0 });
    await run.end();
  });

  test('a partial batch is sent within about a second without any flush', async () => {
    const run = await client().startRun();

    run.log({ loss: 1 }, { step: 0 });
    run.log({ loss: 0.5 }, { step: 1 });

    await vi.waitFor(() => expect(stub.points(run.id, 'loss')).toHaveLength(2), {
      timeout: 5000,
      interval: 50,
    });
    await run.end();
  });

  test('NaN and the infinities survive the round trip', async () => {
    const cairn = client();
    const run = await cairn.startRun();

    run.log({ odd: Number.NaN }, { step: 0 });
    run.log({ odd: Number.POSITIVE_INFINITY }, { step: 1 });
    run.log({ odd: Number.NEGATIVE_INFINITY }, { step: 2 });
    await run.end();

    expect(stub.points(run.id, 'odd').map((point) => point.value)).toEqual(['NaN', 'Infinity', '-Infinity']);
    const history = await cairn.getMetricHistory(run.id, 'odd');
    expect(history.points.map((point) => point.value)).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    expect((await cairn.getRun(run.id)).metrics.odd!.value).toBe(Number.NEGATIVE_INFINITY);
  });

  test('mistakes are thrown at the call that made them, not later in a batch', async () => {
    const run = await client().startRun();

    expect(() => run.log({ loss: 1 }, { step: 1.5 })).toThrow(
      expect.objectContaining({ code: 'client.invalid_argument' }),
    );
    expect(() => run.log({ loss: '1' as unknown as number })).toThrow(
      expect.objectContaining({ code: 'client.invalid_argument' }),
    );
    expect(() => run.log({ 'bad\nkey': 1 })).toThrow(
      expect.objectContaining({ code: 'client.invalid_argument' }),
    );
    expect(() => run.log({ ['k'.repeat(251)]: 1 })).toThrow(
      expect.objectContaining({ code: 'client.invalid_argument' }),
    );
    await run.end();
    expect(stub.batches).toHaveLength(0);
  });

  test('a full buffer never blocks: log signals back-pressure, then the oldest unsent points give way, counted', async () => {
    const warnings: string[] = [];
    const cairn = client({
      buffer: { maxBufferedPoints: 2000, highWaterMark: 1000, batchSize: 100, maxInFlight: 1 },
      onWarning: (message) => warnings.push(message),
    });
    const run = await cairn.startRun();
    const release = stub.stall();

    // A synchronous loop gives the sender no turn at all: the worst case for the buffer.
    const accepted = Array.from({ length: 5000 }, (_, step) => run.log({ loss: step }, { step }));

    expect(accepted.indexOf(false)).toBe(999);
    expect(run.stats).toMatchObject({ logged: 5000, buffered: 2000, dropped: 3000 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('dropped');
    release();
    await run.flush();
    const steps = stub.points(run.id, 'loss').map((point) => point.step);
    expect(steps).toEqual(Array.from({ length: 2000 }, (_, i) => 3000 + i));
    expect(warnings[1]).toContain('3000 metric points were dropped');
    await run.end();
  });
});

describe('delivery failures and retries', () => {
  test('a batch retried after a lost answer is logged once (same batch id)', async () => {
    proxy = await startFaultProxy(stub.url, logPath);
    proxy.faults.push({ drop: 'after' }, { status: 503 }, { status: 429, headers: { 'retry-after': '0' } });
    const run = await new Cairn({ url: proxy.url, apiKey: 'cairn_stub', retry: fast }).startRun();

    for (let step = 0; step < 10; step++) run.log({ loss: step }, { step });
    await run.flush();

    expect(stub.points(run.id, 'loss')).toHaveLength(10);
    const ids = stub.batches.map((batch) => batch.batchId);
    expect(new Set(ids).size).toBe(1);
    expect(stub.batches.map((batch) => batch.duplicate)).toEqual([false, true]);
    await run.end();
  });

  test('a failure that outlives the retries is thrown by the next flush, once, with the points lost', async () => {
    proxy = await startFaultProxy(stub.url, logPath);
    proxy.faults.push(...Array.from({ length: 3 }, () => ({ status: 503 })));
    const run = await new Cairn({
      url: proxy.url,
      apiKey: 'cairn_stub',
      retry: { ...fast, maxAttempts: 3 },
    }).startRun();

    run.log({ loss: 1, acc: 0.5 }, { step: 1 });
    const failure = await run.flush().catch((error: unknown) => error);

    expect(CairnError.is(failure, 'http.503')).toBe(true);
    expect(failure).toMatchObject({ details: { lostPoints: 2, failedBatches: 1 } });
    expect(run.stats).toMatchObject({ failed: 2, sent: 0 });
    await expect(run.flush()).resolves.toBeUndefined();
    run.log({ loss: 0.5 }, { step: 2 });
    await run.end();
    expect(stub.points(run.id, 'loss')).toHaveLength(1);
  });

  test('end() still ends the run when delivery failed, then throws the failure', async () => {
    proxy = await startFaultProxy(stub.url, logPath);
    proxy.faults.push({
      status: 400,
      body: { error: { code: 'runs.not_active', message: 'Run is deleted' } },
    });
    const run = await new Cairn({ url: proxy.url, apiKey: 'cairn_stub', retry: fast }).startRun();

    run.log({ loss: 1 });
    const failure = await run.end('FAILED').catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'runs.not_active', status: 400 });
    expect(stub.runs.get(run.id)!.status).toBe('FAILED');
  });

  test('a param the server refuses fails its own batch only: metric points still arrive', async () => {
    const run = await client().startRun({ params: { lr: 0.1 } });
    // Another process logged `seed` first; this handle cannot know.
    stub.runs.get(run.id)!.params.seed = '1';

    run.log({ loss: 1 }, { step: 0 });
    run.logParams({ seed: 2 });
    const failure = await run.flush().catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'runs.param_conflict', status: 400 });
    expect(stub.points(run.id, 'loss')).toHaveLength(1);
    await run.end();
  });
});

describe('params and tags', () => {
  test('a changed param is refused at once; the same value again is a no-op', async () => {
    const run = await client().startRun({ params: { lr: 0.1 } });

    expect(() => run.logParams({ lr: 0.2 })).toThrow(
      expect.objectContaining({ code: 'runs.param_conflict' }),
    );
    run.logParams({ lr: 0.1, depth: 8 });
    await run.flush();

    expect(stub.runs.get(run.id)!.params).toEqual({ lr: '0.1', depth: '8' });
    expect(stub.batches).toHaveLength(1);
    await run.end();
  });

  test('more than 100 params go in several batches; tags set then deleted end up deleted', async () => {
    const run = await client().startRun();
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, i]));

    run.logParams(many);
    run.setTags({ stage: 'draft', team: 'vision' });
    run.setTags({ stage: 'final' });
    await run.deleteTag('team');

    const stored = stub.runs.get(run.id)!;
    expect(Object.keys(stored.params)).toHaveLength(150);
    expect(stored.tags).toEqual({ stage: 'final' });
    expect(stub.batches.every((batch) => batch.params <= 100)).toBe(true);
    await run.end();
  });
});

describe('ending and closing', () => {
  test('after end(), logging throws client.run_ended; end() twice is one end', async () => {
    const run = await client().startRun();

    const [first, second] = [run.end(), run.end()];

    expect(first).toBe(second);
    await first;
    expect(() => run.log({ loss: 1 })).toThrow(expect.objectContaining({ code: 'client.run_ended' }));
  });

  test('cairn.close() delivers what every run holds, and leaves runs as they are', async () => {
    const cairn = client();
    const [a, b] = await Promise.all([cairn.startRun(), cairn.startRun()]);
    a.log({ loss: 1 });
    b.log({ loss: 2 });

    await cairn.close();

    expect(stub.points(a.id, 'loss')).toHaveLength(1);
    expect(stub.points(b.id, 'loss')).toHaveLength(1);
    expect(stub.runs.get(a.id)!.status).toBe('RUNNING');
    expect(() => a.log({ loss: 3 })).toThrow(expect.objectContaining({ code: 'client.run_ended' }));
  });
});

describe('when the process exits on its own (Node)', () => {
  const sdk = fileURLToPath(new URL('./index.ts', import.meta.url));
  // Asynchronous: the stub lives in this process and must keep answering while the child runs.
  const runScript = (body: string, env: Record<string, string>) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const code = `import { Cairn } from ${JSON.stringify(sdk)};\n${body}`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
        env: { ...process.env, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  test('pending points are delivered before it exits', async () => {
    const child = await runScript(
      `const run = await new Cairn().startRun({ experiment: 'exit' });
       for (let step = 0; step < 2500; step++) run.log({ loss: step }, { step });
       console.log(run.id);`,
      { CAIRN_URL: stub.url, CAIRN_API_KEY: 'cairn_stub' },
    );

    expect(child.status, child.stderr).toBe(0);
    expect(stub.points(child.stdout.trim(), 'loss')).toHaveLength(2500);
  });

  test('points that cannot be delivered make it exit non-zero, saying why', async () => {
    proxy = await startFaultProxy(stub.url, logPath);
    proxy.faults.push(
      ...Array.from({ length: 5 }, () => ({
        status: 400,
        body: { error: { code: 'runs.not_active', message: 'gone' } },
      })),
    );
    const child = await runScript(
      `const run = await new Cairn().startRun();
       run.log({ loss: 1 });`,
      { CAIRN_URL: proxy.url, CAIRN_API_KEY: 'cairn_stub' },
    );

    expect(child.status).toBe(1);
    expect(child.stderr).toContain('runs.not_active');
  });
});

describe('reading back', () => {
  test('getMetricHistory follows the pages to the end, or returns one page when asked', async () => {
    const cairn = client();
    const run = await cairn.startRun();
    for (let step = 0; step < 600; step++) run.log({ loss: step }, { step });
    await run.end();

    const whole = await cairn.getMetricHistory(run.id, 'loss');
    const page = await cairn.getMetricHistory(run.id, 'loss', { maxResults: 100 });
    const downsampled = await cairn.getMetricHistory(run.id, 'loss', { maxPoints: 50 });

    expect(whole.points.map((point) => point.step)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(page.points).toHaveLength(100);
    expect(page.nextPageToken).toEqual(expect.any(String));
    expect(downsampled.points).toHaveLength(50);
  });

  test('getMetricHistories answers several runs × keys at once', async () => {
    const cairn = client();
    const runs = await Promise.all([cairn.startRun(), cairn.startRun()]);
    for (const run of runs) {
      run.log({ loss: 1, acc: Number.NaN }, { step: 0 });
      await run.end();
    }

    const series = await cairn.getMetricHistories({
      runIds: runs.map((run) => run.id),
      keys: ['loss', 'acc'],
    });

    expect(series).toHaveLength(4);
    expect(series.find((one) => one.key === 'acc')!.points[0]!.value).toBeNaN();
  });

  test('logBatch sends big inputs within the limits, each request with its own batch id', async () => {
    const cairn = client();
    const run = await cairn.startRun();

    await cairn.logBatch(run.id, {
      metrics: Array.from({ length: 2500 }, (_, step) => ({ key: 'loss', value: step, step })),
      params: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, i])),
    });

    // 1,000 entities per request in all: params take room from metrics.
    expect(stub.batches.map((batch) => [batch.metrics, batch.params])).toEqual([
      [900, 100],
      [950, 50],
      [650, 0],
    ]);
    expect(new Set(stub.batches.map((batch) => batch.batchId)).size).toBe(3);
    await run.end();
  });
});
