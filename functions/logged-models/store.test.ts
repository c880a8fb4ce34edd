import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import * as Runs from '#functions/runs/store.ts';
import { withTenantScope } from '#table/client.ts';
import { searchLoggedModels } from './search.ts';
import * as LoggedModels from './store.ts';

const newTenantId = () => `lm-${randomBytes(5).toString('hex')}`;

describe('logged models (store, on DynamoDB Local)', () => {
  test('a new model is PENDING, lives under its experiment, and is READY once finalized', async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const run = await Runs.createRun(tenantId, { experimentId: '0' }, 'alice');
      const model = await LoggedModels.createLoggedModel(
        tenantId,
        { experimentId: '0', name: 'model', sourceRunId: run.id, params: { depth: '3' } },
        'alice',
      );
      expect(model).toMatchObject({
        id: expect.stringMatching(/^m-[0-9a-f]{32}$/),
        status: 'LOGGED_MODEL_PENDING',
        artifactUri: `mlflow-artifacts:/0/models/${model.id}/artifacts`,
        params: { depth: '3' },
        user: 'alice',
      });

      const ready = await LoggedModels.finalizeLoggedModel(tenantId, model.id, 'LOGGED_MODEL_READY');
      expect(ready.status).toBe('LOGGED_MODEL_READY');
      expect(ready.updatedAt).toBeGreaterThanOrEqual(model.updatedAt);
    });
  });

  test('a model keeps the latest value of each metric per dataset', async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const { id } = await LoggedModels.createLoggedModel(tenantId, { experimentId: '0' }, 'alice');
      const point = { runId: null, datasetDigest: null, timestamp: 1 };
      await LoggedModels.recordLoggedModelMetrics(tenantId, id, [
        { ...point, key: 'acc', value: 0.5, step: 1, datasetName: 'train' },
        { ...point, key: 'acc', value: 0.7, step: 2, datasetName: 'train' },
        { ...point, key: 'acc', value: 0.6, step: 0, datasetName: 'train' },
        { ...point, key: 'acc', value: Number.NaN, step: 0, datasetName: 'eval' },
      ]);
      const { metrics } = await LoggedModels.getLoggedModel(tenantId, id);
      expect(metrics.map(({ datasetName, value, step }) => ({ datasetName, value, step }))).toEqual([
        { datasetName: 'train', value: 0.7, step: 2 },
        { datasetName: 'eval', value: 'NaN', step: 0 },
      ]);
    });
  });

  test("another tenant's model, a deleted one and a missing tag are not found", async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const { id } = await LoggedModels.createLoggedModel(tenantId, { experimentId: '0' }, 'alice');
      // Asked by another tenant, in that tenant's own request.
      const other = newTenantId();
      await expect(
        withTenantScope(other, () => LoggedModels.getLoggedModel(other, id)),
      ).rejects.toMatchObject({
        code: 'logged_models.not_found',
      });
      // Asked for another tenant inside this tenant's request: a bug the tenant guard (IAM, on AWS) stops.
      await expect(LoggedModels.getLoggedModel(other, id)).rejects.toMatchObject({
        name: 'TenantGuardError',
      });
      await expect(LoggedModels.deleteLoggedModelTag(tenantId, id, 'nope')).rejects.toMatchObject({
        code: 'logged_models.tag_not_found',
      });
      await LoggedModels.deleteLoggedModel(tenantId, id);
      await expect(LoggedModels.getLoggedModel(tenantId, id)).rejects.toMatchObject({
        code: 'logged_models.not_found',
      });
      expect((await searchLoggedModels(tenantId, { experimentIds: ['0'], maxResults: 10 })).models).toEqual(
        [],
      );
    });
  });

  test('search filters on attributes, params and tags, newest first', async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const older = await LoggedModels.createLoggedModel(
        tenantId,
        { experimentId: '0', name: 'm', tags: { stage: 'dev' } },
        'alice',
      );
      const newer = await LoggedModels.createLoggedModel(
        tenantId,
        { experimentId: '0', name: 'm', params: { depth: '3' } },
        'alice',
      );
      const search = (filter?: string) =>
        searchLoggedModels(tenantId, { experimentIds: ['0'], maxResults: 10, ...(filter ? { filter } : {}) });

      expect((await search()).models.map((m) => m.id)).toEqual([newer.id, older.id]);
      expect((await search("tags.stage = 'dev'")).models.map((m) => m.id)).toEqual([older.id]);
      expect((await search("params.depth = '3' AND name = 'm'")).models.map((m) => m.id)).toEqual([newer.id]);
      await expect(search('metrics.acc >>> 1')).rejects.toMatchObject({ code: 'search.invalid_filter' });
    });
  });
});
