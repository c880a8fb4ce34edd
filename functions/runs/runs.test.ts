import { describe, expect, test } from 'vitest';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';

async function newRun(tenant: TestTenant, body: Record<string, unknown> = {}) {
  const created = await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0', ...body } });
  expect(created.status).toBe(201);
  return created.body.run;
}

const history = async (tenant: TestTenant, runId: string, query: string) =>
  (await tenant.call('GET', `/api/v1/runs/${runId}/metric-history?${query}`)).body;

describe('runs', () => {
  test('a new run is RUNNING, named, owned by the key that made it, with its params and tags', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant, { params: { n_estimators: 100, fast: true }, tags: { team: 'vision' } });
    expect(run).toMatchObject({
      status: 'RUNNING',
      endTime: null,
      user: 'admin',
      params: { n_estimators: '100', fast: 'true' },
      tags: { team: 'vision' },
      artifactUri: `mlflow-artifacts:/0/${run.id}/artifacts`,
    });
    expect(run.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect((await tenant.call('GET', '/api/v1/experiments/0')).body.experiment.runCount).toBe(1);
  });

  test('ending a run records its end time; a child run names its parent', async () => {
    const tenant = await newTenant();
    const parent = await newRun(tenant, { name: 'sweep' });
    const child = await newRun(tenant, { parentRunId: parent.id });
    expect(child.parentRunId).toBe(parent.id);

    const ended = await tenant.call('PATCH', `/api/v1/runs/${parent.id}`, { body: { status: 'FINISHED' } });
    expect(ended.body.run).toMatchObject({ status: 'FINISHED', endTime: expect.any(Number), name: 'sweep' });

    const orphan = await tenant.call('POST', '/api/v1/runs', {
      body: { experimentId: '0', parentRunId: 'f'.repeat(32) },
    });
    expect(orphan.status).toBe(404);
  });

  test('metrics keep their full history; the run holds the latest value of each', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const metrics = [
      { key: 'loss', value: 0.9, step: 0, timestamp: 1000 },
      { key: 'loss', value: 0.5, step: 1, timestamp: 1001 },
      { key: 'acc', value: 0.7, step: 1, timestamp: 1001 },
    ];
    await tenant.call('POST', `/api/v1/runs/${run.id}/log`, { body: { metrics } });
    await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
      body: { metrics: [{ key: 'loss', value: 0.7, step: 0 }] },
    });

    const read = (await tenant.call('GET', `/api/v1/runs/${run.id}`)).body.run;
    expect(read.metrics.loss).toEqual({ value: 0.5, step: 1, timestamp: 1001 });
    expect(read.metrics.acc.value).toBe(0.7);
    const loss = await history(tenant, run.id, 'key=loss');
    expect(loss.points.map((p: { value: number }) => p.value)).toEqual([0.9, 0.7, 0.5]);
  });

  test('NaN and infinities round-trip as MLflow strings', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
      body: {
        metrics: [
          { key: 'x', value: 'NaN', step: 0 },
          { key: 'x', value: 'Infinity', step: 1 },
          { key: 'x', value: '-Infinity', step: 2 },
          { key: 'x', value: 1e-300, step: 3 },
        ],
      },
    });
    const points = (await history(tenant, run.id, 'key=x')).points.map((p: { value: unknown }) => p.value);
    expect(points).toEqual(['NaN', 'Infinity', '-Infinity', 1e-300]);
    expect((await tenant.call('GET', `/api/v1/runs/${run.id}`)).body.run.metrics.x.value).toBe(1e-300);
  });

  test('a retried batch (same batchId) is not logged twice', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const batch = {
      batchId: 'batch-0001-retry',
      metrics: [{ key: 'loss', value: 1, step: 0 }],
      tags: [{ key: 'phase', value: 'train' }],
    };
    const first = await tenant.call('POST', `/api/v1/runs/${run.id}/log`, { body: batch });
    const second = await tenant.call('POST', `/api/v1/runs/${run.id}/log`, { body: batch });
    expect(first.body).toEqual({ duplicate: false });
    expect(second.body).toEqual({ duplicate: true });
    expect((await history(tenant, run.id, 'key=loss')).points).toHaveLength(1);
  });

  test('params are immutable: the same value is a no-op, another value a 400 naming the key, and the batch writes nothing', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant, { params: { lr: '0.01' } });
    const same = await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
      body: { params: [{ key: 'lr', value: '0.01' }] },
    });
    expect(same.status).toBe(200);

    const changed = await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
      body: {
        params: [{ key: 'lr', value: '0.1' }],
        metrics: [{ key: 'loss', value: 1 }],
        tags: [{ key: 't', value: 'x' }],
      },
    });

    expect(changed.status).toBe(400);
    expect(changed.body.error).toMatchObject({
      code: 'runs.param_conflict',
      details: { key: 'lr', existing: '0.01' },
    });
    const after = (await tenant.call('GET', `/api/v1/runs/${run.id}`)).body.run;
    expect(after).toMatchObject({ params: { lr: '0.01' }, tags: {}, metrics: {} });
    expect((await history(tenant, run.id, 'key=loss')).points).toEqual([]);
  });

  test('a deleted run takes no logs until restored', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    await tenant.call('DELETE', `/api/v1/runs/${run.id}`);
    const refused = await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
      body: { metrics: [{ key: 'a', value: 1 }] },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('runs.not_active');
    await tenant.call('POST', `/api/v1/runs/${run.id}/restore`);
    expect(
      (
        await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
          body: { metrics: [{ key: 'a', value: 1 }] },
        })
      ).status,
    ).toBe(200);
  });

  test('tags can be overwritten and deleted', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant, { tags: { stage: 'a', keep: 'yes' } });
    await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
      body: { tags: [{ key: 'stage', value: 'b' }] },
    });
    expect((await tenant.call('DELETE', `/api/v1/runs/${run.id}/tags/keep`)).status).toBe(200);
    expect((await tenant.call('GET', `/api/v1/runs/${run.id}`)).body.run.tags).toEqual({ stage: 'b' });
    expect((await tenant.call('DELETE', `/api/v1/runs/${run.id}/tags/keep`)).body.error.code).toBe(
      'runs.tag_not_found',
    );
  });
});

describe('batch limits and bad values: 400 naming the field, nothing written', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      '1,001 metrics',
      { metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, step: i })) },
      'body.metrics',
    ],
    [
      '101 params',
      { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) },
      'body.params',
    ],
    ['a non-numeric value', { metrics: [{ key: 'm', value: 'high' }] }, 'body.metrics.0.value'],
    ['a fractional step', { metrics: [{ key: 'm', value: 1, step: 1.5 }] }, 'body.metrics.0.step'],
    ['a 251-character key', { metrics: [{ key: 'k'.repeat(251), value: 1 }] }, 'body.metrics.0.key'],
    ['a control character in a key', { tags: [{ key: 'a\nb', value: 'x' }] }, 'body.tags.0.key'],
    [
      'a param over 6,000 characters',
      { params: [{ key: 'p', value: 'v'.repeat(6001) }] },
      'body.params.0.value',
    ],
    ['a tag over 8,000 characters', { tags: [{ key: 't', value: 'v'.repeat(8001) }] }, 'body.tags.0.value'],
  ];
  test.each(cases)('%s', async (_name, body, path) => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const { status, body: answer } = await tenant.call('POST', `/api/v1/runs/${run.id}/log`, { body });
    expect(status).toBe(400);
    expect(answer.error.code).toBe('request.invalid');
    expect(answer.error.details.issues.map((issue: { path: string }) => issue.path)).toContain(path);
    expect((await tenant.call('GET', `/api/v1/runs/${run.id}`)).body.run).toMatchObject({
      params: {},
      tags: {},
      metrics: {},
    });
  });

  test('the limit is named in the message', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i }));
    const { body } = await tenant.call('POST', `/api/v1/runs/${run.id}/log`, { body: { metrics } });
    expect(body.error.message).toContain('at most 1000 metrics per batch');
  });

  test('an unknown run: 404', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('POST', `/api/v1/runs/${'a'.repeat(32)}/log`, {
      body: { metrics: [] },
    });
    expect(status).toBe(404);
    expect(body.error.code).toBe('runs.not_found');
  });
});

describe('metric history', () => {
  test('pages, step ranges and downsampling that keeps the first and last points', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    for (let batch = 0; batch < 3; batch++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: Math.sin((batch * 1000 + i) / 50),
        step: batch * 1000 + i,
        timestamp: 1,
      }));
      await tenant.call('POST', `/api/v1/runs/${run.id}/log`, { body: { metrics } });
    }

    const page1 = await history(tenant, run.id, 'key=loss&maxResults=2000');
    expect(page1.points).toHaveLength(2000);
    const page2 = await history(tenant, run.id, `key=loss&maxResults=2000&pageToken=${page1.nextPageToken}`);
    expect(page2.points).toHaveLength(1000);
    expect(page2.nextPageToken).toBeUndefined();
    expect(page2.points.at(-1).step).toBe(2999);

    const ranged = await history(tenant, run.id, 'key=loss&startStep=1500&endStep=1509');
    expect(ranged.points.map((p: { step: number }) => p.step)).toEqual(
      Array.from({ length: 10 }, (_, i) => 1500 + i),
    );

    const thin = await history(tenant, run.id, 'key=loss&maxPoints=100');
    expect(thin.points.length).toBeLessThanOrEqual(100);
    expect(thin.points[0].step).toBe(0);
    expect(thin.points.at(-1).step).toBe(2999);
    expect(Math.max(...thin.points.map((p: { value: number }) => p.value))).toBeCloseTo(1, 2);
  });

  test('bulk histories for several runs and keys', async () => {
    const tenant = await newTenant();
    const [a, b] = [await newRun(tenant), await newRun(tenant)];
    for (const run of [a, b]) {
      await tenant.call('POST', `/api/v1/runs/${run.id}/log`, {
        body: {
          metrics: [
            { key: 'loss', value: 1, step: 0 },
            { key: 'acc', value: 0.5, step: 0 },
          ],
        },
      });
    }
    const { body } = await tenant.call('POST', '/api/v1/metrics/history', {
      body: { runIds: [a.id, b.id], keys: ['loss', 'acc'] },
    });
    expect(body.series).toHaveLength(4);
    expect(
      body.series.find((s: { runId: string; key: string }) => s.runId === b.id && s.key === 'acc').points,
    ).toEqual([{ step: 0, timestamp: expect.any(Number), value: 0.5 }]);
  });
});
