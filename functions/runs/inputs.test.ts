import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { withTenantScope } from '#table/client.ts';
import { searchRuns } from './search.ts';
import * as Runs from './store.ts';

const newTenantId = () => `ri-${randomBytes(5).toString('hex')}`;
const modelId = () => `m-${randomBytes(16).toString('hex')}`;

const iris = {
  name: 'iris',
  digest: 'abc123',
  sourceType: 'local',
  source: '{"uri": "iris.csv"}',
  tags: { 'mlflow.data.context': 'training' },
};

describe('run inputs and outputs (store, on DynamoDB Local)', () => {
  test('inputs are recorded once per dataset and model; search filters on them', async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const run = await Runs.createRun(tenantId, { experimentId: '0' }, 'alice');
      const used = modelId();
      await Runs.logInputs(tenantId, run.id, { datasets: [iris], models: [{ modelId: used }] });
      await Runs.logInputs(tenantId, run.id, { datasets: [iris], models: [{ modelId: used }] });

      expect((await Runs.getRun(tenantId, run.id)).inputs).toEqual({
        datasets: [iris],
        models: [{ modelId: used }],
      });
      const search = (filter: string) =>
        searchRuns(tenantId, { experimentIds: ['0'], filter, maxResults: 10, viewType: 'active' });
      expect((await search("dataset.context = 'training'")).runs).toHaveLength(1);
      expect((await search("dataset.name = 'wine'")).runs).toHaveLength(0);
    });
  });

  test('outputs keep each model at each step once; a deleted run takes none', async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const run = await Runs.createRun(tenantId, { experimentId: '0' }, 'alice');
      const produced = modelId();
      await Runs.logOutputs(tenantId, run.id, [{ modelId: produced, step: 0 }]);
      await Runs.logOutputs(tenantId, run.id, [
        { modelId: produced, step: 0 },
        { modelId: produced, step: 5 },
      ]);
      expect((await Runs.getRun(tenantId, run.id)).outputs.models).toEqual([
        { modelId: produced, step: 0 },
        { modelId: produced, step: 5 },
      ]);

      await Runs.setRunLifecycle(tenantId, run.id, 'deleted');
      await expect(
        Runs.logOutputs(tenantId, run.id, [{ modelId: modelId(), step: 1 }]),
      ).rejects.toMatchObject({
        code: 'runs.not_active',
      });
    });
  });

  test("MLflow's system tags are derived from the run's attributes, for search", async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const parent = await Runs.createRun(tenantId, { experimentId: '0', name: 'sweep' }, 'alice');
      const child = await Runs.createRun(tenantId, { experimentId: '0', parentRunId: parent.id }, 'bob');
      const search = (filter: string) =>
        searchRuns(tenantId, { experimentIds: ['0'], filter, maxResults: 10, viewType: 'active' });

      expect((await search("tags.mlflow.runName = 'sweep'")).runs.map((r) => r.id)).toEqual([parent.id]);
      expect((await search("tags.mlflow.user = 'bob'")).runs.map((r) => r.id)).toEqual([child.id]);
      expect((await search(`tags.mlflow.parentRunId = '${parent.id}'`)).runs.map((r) => r.id)).toEqual([
        child.id,
      ]);
    });
  });
});
