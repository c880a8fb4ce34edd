import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { withTenantScope } from '#table/client.ts';
import * as Experiments from './store.ts';

const newTenantId = () => `et-${randomBytes(5).toString('hex')}`;

describe('experiment tags (store, on DynamoDB Local)', () => {
  test('deleting a tag removes it; deleting a missing one is experiments.tag_not_found', async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const { id } = await Experiments.createExperiment(tenantId, { name: 'iris', tags: { a: '1', b: '2' } });

      const after = await Experiments.deleteExperimentTag(tenantId, id, 'a');

      expect(after.tags).toEqual({ b: '2' });
      await expect(Experiments.deleteExperimentTag(tenantId, id, 'a')).rejects.toMatchObject({
        code: 'experiments.tag_not_found',
      });
    });
  });

  test('a deleted experiment keeps its tags until restored', async () => {
    const tenantId = newTenantId();
    await withTenantScope(tenantId, async () => {
      const { id } = await Experiments.createExperiment(tenantId, { name: 'iris', tags: { a: '1' } });
      await Experiments.setLifecycle(tenantId, id, 'deleted');

      await expect(Experiments.deleteExperimentTag(tenantId, id, 'a')).rejects.toMatchObject({
        code: 'experiments.not_active',
      });
    });
  });
});
