import { describe, expect, test } from 'vitest';
import { mlflowClient } from '../../test/support/mlflow.ts';
import { newTenant } from '../../test/support/tenants.ts';

/** One store behind two APIs: what either writes, the other finds with the same search grammar. */
describe('MLflow and Cairn see the same runs', () => {
  test("a run logged through MLflow is found by Cairn's run search", async () => {
    const tenant = await newTenant('cross');
    const mlflow = mlflowClient(tenant.adminKey);
    const R = (await mlflow('POST', 'runs/create', { experiment_id: '0', run_name: 'from-mlflow' })).body.run
      .info.run_id;
    await mlflow('POST', 'runs/log-batch', {
      run_id: R,
      metrics: [{ key: 'acc', value: 0.93, timestamp: 5, step: 0 }],
      params: [{ key: 'n_estimators', value: '100' }],
    });

    const found = await tenant.call('POST', '/api/v1/runs/search', {
      body: { experimentIds: ['0'], filter: "params.n_estimators = '100' AND metrics.acc > 0.9" },
    });

    expect(found.status).toBe(200);
    expect(found.body.runs).toMatchObject([
      { id: R, name: 'from-mlflow', params: { n_estimators: '100' }, metrics: { acc: { value: 0.93 } } },
    ]);
  });

  test('a run logged through Cairn is found by MLflow runs/search, in MLflow shapes', async () => {
    const tenant = await newTenant('cross');
    const created = await tenant.call('POST', '/api/v1/runs', {
      body: { experimentId: '0', name: 'from-cairn', params: { lr: '0.1' }, tags: { team: 'vision' } },
    });
    const runId = created.body.run.id;
    await tenant.call('POST', `/api/v1/runs/${runId}/log`, {
      body: { metrics: [{ key: 'loss', value: 0.25, step: 3, timestamp: 7 }] },
    });

    const found = await mlflowClient(tenant.adminKey)('POST', 'runs/search', {
      experiment_ids: ['0'],
      filter: "tags.mlflow.runName = 'from-cairn' AND params.lr = '0.1'",
    });

    expect(found.status).toBe(200);
    expect(found.body.runs).toHaveLength(1);
    const [run] = found.body.runs;
    expect(run.info).toMatchObject({
      run_id: runId,
      run_uuid: runId,
      run_name: 'from-cairn',
      experiment_id: '0',
    });
    expect(run.data.metrics).toEqual([{ key: 'loss', value: 0.25, timestamp: 7, step: 3 }]);
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(run.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'vision' },
        { key: 'mlflow.runName', value: 'from-cairn' },
      ]),
    );
  });
});
