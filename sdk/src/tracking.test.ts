import { describe, expect, inject, test, vi } from 'vitest';
import { newTenant } from '../../test/support/tenants.ts';
import { Cairn } from './client.ts';
import { CairnError } from './errors.ts';
import { startFaultProxy } from './test-support/fault-proxy.ts';

/*
 * The SDK against the real tracking routes of the local gateway (DynamoDB Local underneath). The
 * buffering edge cases live in run.test.ts, against a stub that can stall and misbehave on cue.
 */

const url = () => inject('cairn').url;
const fast = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50 };

async function tenantClient(options: { url?: string } = {}) {
  const tenant = await newTenant('sdk');
  return new Cairn({ url: options.url ?? url(), apiKey: tenant.adminKey, retry: fast });
}

describe('tracking through the SDK, against the real gateway', () => {
  test('the README example runs as written', async () => {
    const tenant = await newTenant('sdk');
    vi.stubEnv('CAIRN_URL', url());
    vi.stubEnv('CAIRN_API_KEY', tenant.adminKey);
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
      await run.end(); // flushes, then FINISHED (FAILED: run.end('FAILED'))
      const best = await cairn.searchRuns({
        experiment: 'iris',
        filter: 'metrics.accuracy > 0.5',
        orderBy: ['metrics.accuracy DESC'],
        maxResults: 10,
      });
      const history = await cairn.getMetricHistory(run.id, 'loss');

      expect(best.runs.map((one) => one.id)).toEqual([run.id]);
      expect(best.runs[0]).toMatchObject({
        name: 'rf-100',
        status: 'FINISHED',
        params: { n_estimators: '100', max_depth: '8' },
        tags: expect.objectContaining({ team: 'vision' }),
        metrics: { accuracy: { value: 0.99, step: 99 }, loss: { value: 0.01, step: 99 } },
      });
      expect(best.runs[0]!.endTime).toEqual(expect.any(Number));
      expect(history.points.map((point) => point.step)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(history.points[0]!.value).toBe(1);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test('startRun by experiment name reuses the experiment, and races end in one experiment', async () => {
    const cairn = await tenantClient();

    const runs = await Promise.all([1, 2, 3].map(() => cairn.startRun({ experiment: 'shared' })));

    expect(new Set(runs.map((run) => run.experimentId)).size).toBe(1);
    const { experiments } = await cairn.experiments.list({ filter: "name = 'shared'" });
    expect(experiments).toHaveLength(1);
    await Promise.all(runs.map((run) => run.end()));
  });

  test('thousands of points arrive whole, batched and concurrent; latest values are the last steps', async () => {
    const cairn = await tenantClient();
    const run = await cairn.startRun({ experiment: 'bulk' });

    for (let step = 0; step < 2500; step++) run.log({ a: step, b: step * 2 }, { step });
    await run.end();

    const history = await cairn.getMetricHistory(run.id, 'a');
    expect(history.points).toHaveLength(2500);
    expect(new Set(history.points.map((point) => point.step)).size).toBe(2500);
    expect((await cairn.getRun(run.id)).metrics).toMatchObject({
      a: { value: 2499, step: 2499 },
      b: { value: 4998 },
    });
    expect(run.stats).toMatchObject({ logged: 5000, sent: 5000, failed: 0, dropped: 0 });
  });

  test('NaN and the infinities survive the round trip', async () => {
    const cairn = await tenantClient();
    const run = await cairn.startRun();

    run.log({ odd: Number.NaN }, { step: 0 });
    run.log({ odd: Number.POSITIVE_INFINITY }, { step: 1 });
    run.log({ odd: Number.NEGATIVE_INFINITY }, { step: 2 });
    await run.end();

    const history = await cairn.getMetricHistory(run.id, 'odd');
    expect(history.points.map((point) => point.value)).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    expect((await cairn.getRun(run.id)).metrics.odd!.value).toBe(Number.NEGATIVE_INFINITY);
  });

  test('a batch whose answer was lost is retried and logged once', async () => {
    const tenant = await newTenant('sdk');
    const proxy = await startFaultProxy(url(), (method, path) => method === 'POST' && path.endsWith('/log'));
    try {
      proxy.faults.push({ drop: 'after' }, { drop: 'after' });
      const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });
      const run = await cairn.startRun();

      for (let step = 0; step < 10; step++) run.log({ loss: step }, { step });
      await run.end();

      const batches = proxy.requests.filter((request) => request.path.endsWith('/log'));
      expect(batches).toHaveLength(3);
      expect(new Set(batches.map((request) => JSON.parse(request.body).batchId)).size).toBe(1);
      expect((await cairn.getMetricHistory(run.id, 'loss')).points).toHaveLength(10);
    } finally {
      await proxy.close();
    }
  });

  test('a param the server already holds with another value: runs.param_conflict from flush', async () => {
    const cairn = await tenantClient();
    const run = await cairn.startRun({ params: { lr: 0.1 } });
    const other = await cairn.resumeRun(run.id);
    other.logParams({ seed: 1 });
    await other.flush();

    run.log({ loss: 1 }, { step: 0 });
    run.logParams({ seed: 2 });
    const failure = await run.flush().catch((error: unknown) => error);

    expect(CairnError.is(failure, 'runs.param_conflict')).toBe(true);
    expect(failure).toMatchObject({ status: 400 });
    expect((await cairn.getMetricHistory(run.id, 'loss')).points).toHaveLength(1);
    await run.end();
  });

  test('tags set, overwritten and deleted', async () => {
    const cairn = await tenantClient();
    const run = await cairn.startRun({ tags: { stage: 'draft' } });

    run.setTags({ stage: 'final', team: 'vision' });
    await run.deleteTag('team');
    await run.end();

    expect((await cairn.getRun(run.id)).tags).toMatchObject({ stage: 'final' });
    expect((await cairn.getRun(run.id)).tags).not.toHaveProperty('team');
  });

  test('history downsampled, paged, and in bulk', async () => {
    const cairn = await tenantClient();
    const runs = await Promise.all([cairn.startRun(), cairn.startRun()]);
    for (const run of runs) {
      for (let step = 0; step < 300; step++) run.log({ loss: 300 - step, acc: step / 300 }, { step });
      await run.end();
    }
    const [first] = runs;

    const downsampled = await cairn.getMetricHistory(first!.id, 'loss', { maxPoints: 20 });
    const page = await cairn.getMetricHistory(first!.id, 'loss', { maxResults: 50 });
    const series = await cairn.getMetricHistories({
      runIds: runs.map((run) => run.id),
      keys: ['loss', 'acc'],
      maxPoints: 10,
    });

    expect(downsampled.points.length).toBeLessThanOrEqual(20);
    expect(downsampled.points[0]!.step).toBe(0);
    expect(downsampled.points.at(-1)!.step).toBe(299);
    expect(page.points).toHaveLength(50);
    expect(page.nextPageToken).toEqual(expect.any(String));
    expect(series).toHaveLength(4);
  });

  test('experiments: create, rename, delete, restore', async () => {
    const cairn = await tenantClient();

    const created = await cairn.experiments.create({ name: 'cifar', description: 'resnets' });
    const renamed = await cairn.experiments.rename(created.id, 'cifar-10');
    await cairn.experiments.delete(created.id);
    const deleted = await cairn.experiments.get(created.id);
    await cairn.experiments.restore(created.id);

    expect(renamed).toMatchObject({ id: created.id, name: 'cifar-10', description: 'resnets' });
    expect(deleted.lifecycleStage).toBe('deleted');
    expect((await cairn.experiments.getByName('cifar-10')).lifecycleStage).toBe('active');
    await expect(cairn.experiments.getByName('cifar')).rejects.toMatchObject({
      code: 'experiments.not_found',
      status: 404,
    });
  });

  test('a malformed filter is a 400 that says where', async () => {
    const cairn = await tenantClient();

    const failure = await cairn
      .searchRuns({ experimentIds: ['0'], filter: 'metrics.acc >>> 1' })
      .catch((error: unknown) => error);

    expect(CairnError.is(failure, 'search.')).toBe(true);
    expect(failure).toMatchObject({ status: 400 });
  });
});
