import { expect } from 'vitest';
import type { IsolationCase } from '../isolation-cases.ts';
import type { TestTenant } from '../support/tenants.ts';
import { textFiles, upload } from '../support/uploads.ts';

/** Tenant A's dataset with one tagged version, used by one of A's runs. */
async function datasetWithUse(a: TestTenant) {
  const name = `iso-${a.id}`;
  const { entries } = await upload(a, textFiles({ 'data.csv': `rows of ${a.id}\n`, 'README.md': 'A' }));
  await a.call('POST', `/api/v1/datasets/${name}/versions`, { body: { files: entries, message: 'by A' } });
  await a.call('PUT', `/api/v1/datasets/${name}/tags/golden`, { body: { version: 1 } });
  const run = (await a.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run.id as string;
  await a.call('POST', `/api/v1/runs/${run}/inputs`, { body: { dataset: name, version: 1 } });
  const snapshot = async () => ({
    dataset: (await a.call('GET', `/api/v1/datasets/${name}`)).body,
    versions: (await a.call('GET', `/api/v1/datasets/${name}/versions`)).body,
    files: (await a.call('GET', `/api/v1/datasets/${name}/versions/1`)).body,
    inputs: (await a.call('GET', `/api/v1/runs/${run}/inputs`)).body,
    users: (await a.call('GET', `/api/v1/datasets/${name}/versions/1/runs`)).body,
  });
  return { name, run, entries, snapshot };
}

/** B names A's dataset in the path: it must look exactly like a missing one. */
const onDataset = (suffix: string, body?: unknown): IsolationCase => ({
  arrange: async (a) => {
    const { name, snapshot } = await datasetWithUse(a);
    return { path: `/api/v1/datasets/${name}${suffix}`, body, snapshot };
  },
  expect: 404,
});

const onRun = (suffix: string, body?: (name: string) => unknown): IsolationCase => ({
  arrange: async (a) => {
    const { name, run, snapshot } = await datasetWithUse(a);
    return { path: `/api/v1/runs/${run}${suffix}`, body: body?.(name), snapshot };
  },
  expect: 404,
});

export const datasetCases: Record<string, IsolationCase> = {
  'POST /api/v1/datasets': {
    arrange: async (a) => {
      const { name, snapshot } = await datasetWithUse(a);
      return { path: '/api/v1/datasets', body: { name }, snapshot };
    },
    // Names are unique per tenant: B may use A's name, and gets an empty dataset of its own.
    expect: ({ status, body }) => {
      expect(status).toBe(201);
      expect(body.dataset).toMatchObject({ latestVersion: 0, latestDigest: null });
    },
  },
  'GET /api/v1/datasets': {
    arrange: async (a) => {
      const { snapshot } = await datasetWithUse(a);
      return { path: '/api/v1/datasets', snapshot };
    },
    expect: ({ status, body }, a) => {
      expect(status).toBe(200);
      expect(body.datasets).toEqual([]);
      expect(JSON.stringify(body)).not.toContain(a.id);
    },
  },
  'GET /api/v1/datasets/{datasetName}': onDataset(''),
  'PATCH /api/v1/datasets/{datasetName}': onDataset('', { description: 'taken over' }),
  'POST /api/v1/datasets/{datasetName}/versions': {
    arrange: async (a) => {
      const { name, entries, snapshot } = await datasetWithUse(a);
      return { path: `/api/v1/datasets/${name}/versions`, body: { files: entries }, snapshot };
    },
    // B knows A's digests but holds none of the blobs: nothing is recorded for B either.
    expect: ({ status, body }) => {
      expect(status).toBe(409);
      expect(body.error.code).toBe('blobs.missing');
      expect(body.error.details.count).toBe(2);
    },
  },
  'GET /api/v1/datasets/{datasetName}/versions': onDataset('/versions'),
  'GET /api/v1/datasets/{datasetName}/versions/{version}': onDataset('/versions/1'),
  'POST /api/v1/datasets/{datasetName}/versions/{version}/urls': onDataset('/versions/golden/urls', {}),
  'GET /api/v1/datasets/{datasetName}/versions/{version}/runs': onDataset('/versions/1/runs'),
  'GET /api/v1/datasets/{datasetName}/diff': onDataset('/diff?from=1&to=golden'),
  'PUT /api/v1/datasets/{datasetName}/tags/{tag}': onDataset('/tags/golden', { version: 1 }),
  'DELETE /api/v1/datasets/{datasetName}/tags/{tag}': onDataset('/tags/golden'),
  'POST /api/v1/runs/{runId}/inputs': onRun('/inputs', (name) => ({ dataset: name, version: 1 })),
  'GET /api/v1/runs/{runId}/inputs': onRun('/inputs'),
};
