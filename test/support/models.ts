import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestTenant } from './tenants.ts';
import { type LocalFile, textFiles, upload } from './uploads.ts';

/** The files of a small model folder, as a training script would log them. */
export const modelFiles = (seed = randomBytes(4).toString('hex')): LocalFile[] =>
  textFiles({
    MLmodel: `flavors: {sklearn: {}}\nseed: ${seed}\n`,
    'model.pkl': `weights ${seed}`,
    'conda.yaml': 'name: m\n',
  });

/** A run with `files` uploaded and logged under `artifactPath`, and a param and metric. */
export async function runWithArtifacts(
  tenant: TestTenant,
  files: readonly LocalFile[] = modelFiles(),
  artifactPath = 'model',
): Promise<string> {
  const run = await tenant.call('POST', '/api/v1/runs', {
    body: { experimentId: '0', params: { lr: '0.01' } },
  });
  expect(run.status, JSON.stringify(run.body)).toBe(201);
  const runId: string = run.body.run.id;
  await tenant.call('POST', `/api/v1/runs/${runId}/log`, {
    body: { metrics: [{ key: 'auc', value: 0.91, step: 3 }] },
  });
  const { entries } = await upload(tenant, files);
  const logged = await tenant.call('POST', `/api/v1/runs/${runId}/artifacts`, {
    body: { artifactPath, files: entries },
  });
  expect(logged.status, JSON.stringify(logged.body)).toBe(201);
  return runId;
}

/** A registered model with one version (1) made from a fresh run's `model` folder. */
export async function modelWithVersion(tenant: TestTenant, name = `fraud-${randomBytes(3).toString('hex')}`) {
  const runId = await runWithArtifacts(tenant);
  const model = await tenant.call('POST', '/api/v1/models', { body: { name } });
  expect(model.status, JSON.stringify(model.body)).toBe(201);
  const version = await tenant.call('POST', `/api/v1/models/${encodeURIComponent(name)}/versions`, {
    body: { runId, artifactPath: 'model' },
  });
  expect(version.status, JSON.stringify(version.body)).toBe(201);
  return { name, runId, version: version.body.version.version as number };
}

/** A dataset version pushed by `tenant` and declared as an input of `runId`. */
export async function datasetInput(
  tenant: TestTenant,
  runId: string,
  dataset = `ds-${randomBytes(3).toString('hex')}`,
) {
  const files = textFiles({ 'train.csv': `a,b\n1,${randomBytes(2).toString('hex')}\n` });
  const { entries } = await upload(tenant, files);
  const pushed = await tenant.call('POST', `/api/v1/datasets/${dataset}/versions`, {
    body: { files: entries },
  });
  expect(pushed.status, JSON.stringify(pushed.body)).toBeLessThan(300);
  const input = await tenant.call('POST', `/api/v1/runs/${runId}/inputs`, { body: { dataset } });
  expect(input.status, JSON.stringify(input.body)).toBeLessThan(300);
  return { dataset, version: pushed.body.version.version as number };
}
