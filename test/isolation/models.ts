import { expect } from 'vitest';
import type { IsolationCase } from '../isolation-cases.ts';
import { modelWithVersion } from '../support/models.ts';
import type { TestTenant } from '../support/tenants.ts';

/** Tenant A's model with version 1 aliased `production`; the snapshot includes A's audit log. */
async function registered(a: TestTenant) {
  const { name, runId } = await modelWithVersion(a);
  const at = `/api/v1/models/${encodeURIComponent(name)}`;
  await a.call('PUT', `${at}/aliases/production`, { body: { version: 1 } });
  const snapshot = async () => ({
    model: (await a.call('GET', at)).body,
    versions: (await a.call('GET', `${at}/versions`)).body,
    version: (await a.call('GET', `${at}/versions/1`)).body,
    audit: (await a.call('GET', '/api/v1/audit')).body,
  });
  return { name, runId, at, snapshot };
}

/** B names A's model in the path: it must look exactly like a missing one. */
const onModel = (suffix: string, body?: unknown): IsolationCase => ({
  arrange: async (a) => {
    const { at, snapshot } = await registered(a);
    return { path: `${at}${suffix}`, body, snapshot };
  },
  expect: 404,
});

export const modelCases: Record<string, IsolationCase> = {
  'POST /api/v1/models': {
    arrange: async (a) => {
      const { name, snapshot } = await registered(a);
      return { path: '/api/v1/models', body: { name }, snapshot };
    },
    // Names are unique per tenant: B may take A's name, and gets a model of its own.
    expect: ({ status, body }) => {
      expect(status).toBe(201);
      expect(body.model.latestVersion).toBe(0);
    },
  },
  'GET /api/v1/models': {
    arrange: async (a) => {
      const { snapshot } = await registered(a);
      return { path: '/api/v1/models', snapshot };
    },
    expect: ({ status, body }, a) => {
      expect(status).toBe(200);
      expect(body.models).toEqual([]);
      expect(JSON.stringify(body)).not.toContain(a.id);
    },
  },
  'GET /api/v1/models/{name}': onModel(''),
  'PATCH /api/v1/models/{name}': onModel('', { name: 'taken-over' }),
  'DELETE /api/v1/models/{name}': onModel(''),
  'PUT /api/v1/models/{name}/protected-aliases': onModel('/protected-aliases', { aliases: [] }),
  'POST /api/v1/models/{name}/versions': {
    arrange: async (a) => {
      const { at, runId, snapshot } = await registered(a);
      return { path: `${at}/versions`, body: { runId, artifactPath: 'model' }, snapshot };
    },
    expect: 404,
  },
  'GET /api/v1/models/{name}/versions': onModel('/versions'),
  'GET /api/v1/models/{name}/versions/{version}': onModel('/versions/1'),
  'PATCH /api/v1/models/{name}/versions/{version}': onModel('/versions/1', { description: 'by B' }),
  'DELETE /api/v1/models/{name}/versions/{version}': onModel('/versions/1'),
  'POST /api/v1/models/{name}/versions/{version}/stage': onModel('/versions/1/stage', { stage: 'Archived' }),
  'GET /api/v1/models/{name}/versions/{version}/lineage': onModel('/versions/1/lineage'),
  'PUT /api/v1/models/{name}/aliases/{alias}': onModel('/aliases/production', { version: 1 }),
  'DELETE /api/v1/models/{name}/aliases/{alias}': onModel('/aliases/production'),
  'GET /api/v1/models/{name}/resolve': onModel('/resolve?ref=production'),
  'GET /api/v1/resolve': {
    arrange: async (a) => {
      const { name, snapshot } = await registered(a);
      return { path: `/api/v1/resolve?uri=${encodeURIComponent(`models/${name}@production`)}`, snapshot };
    },
    expect: 404,
  },
  'GET /api/v1/model-versions': {
    arrange: async (a) => {
      const { runId, snapshot } = await registered(a);
      return { path: `/api/v1/model-versions?runId=${runId}`, snapshot };
    },
    // B's index of run → versions is B's own: A's run id finds nothing there.
    expect: ({ status, body }) => {
      expect(status).toBe(200);
      expect(body.versions).toEqual([]);
    },
  },
};
