import { expect } from 'vitest';
import { artifactCases } from './isolation/artifacts.ts';
import { datasetCases } from './isolation/datasets.ts';
import { eventCases } from './isolation/events.ts';
import { mlflowCases } from './isolation/mlflow.ts';
import { modelCases } from './isolation/models.ts';
import type { TestTenant } from './support/tenants.ts';

/**
 * How one route is attacked across tenants. `arrange` creates tenant A's resource and says what
 * tenant B sends; `snapshot` reads A's data before and after, which must not change.
 */
export interface IsolationCase {
  arrange(a: TestTenant): Promise<{ path: string; body?: unknown; snapshot(): Promise<unknown> }>;
  /**
   * 404 for another tenant's resource (exactly as if it did not exist), 403 for a role failure, or
   * a check of a 2xx answer that must contain only B's own data.
   */
  expect: 404 | 403 | ((answer: { status: number; body: any }, a: TestTenant, b: TestTenant) => void);
}

const keysOf = (a: TestTenant) => async () => (await a.call('GET', '/api/v1/keys')).body;

/** Tenant A's experiment with one run holding a param, a tag and a metric. */
async function experimentWithRun(a: TestTenant) {
  const name = `iso-${a.id}`;
  const experiment = (await a.call('POST', '/api/v1/experiments', { body: { name, tags: { owner: 'a' } } }))
    .body.experiment;
  const run = (
    await a.call('POST', '/api/v1/runs', { body: { experimentId: experiment.id, tags: { team: 'a' } } })
  ).body.run;
  await a.call('POST', `/api/v1/runs/${run.id}/log`, {
    body: { metrics: [{ key: 'loss', value: 0.5, step: 1 }], params: [{ key: 'lr', value: '0.1' }] },
  });
  const snapshot = async () => ({
    experiment: (await a.call('GET', `/api/v1/experiments/${experiment.id}`)).body,
    run: (await a.call('GET', `/api/v1/runs/${run.id}`)).body,
    history: (await a.call('GET', `/api/v1/runs/${run.id}/metric-history?key=loss`)).body,
  });
  return { name, experimentId: experiment.id as string, runId: run.id as string, snapshot };
}

/** B names A's experiment or run in the path: it must look exactly like a missing one. */
const onExperiment = (suffix: string, body?: unknown): IsolationCase => ({
  arrange: async (a) => {
    const { experimentId, snapshot } = await experimentWithRun(a);
    return { path: `/api/v1/experiments/${experimentId}${suffix}`, body, snapshot };
  },
  expect: 404,
});
const onRun = (suffix: string, body?: unknown): IsolationCase => ({
  arrange: async (a) => {
    const { runId, snapshot } = await experimentWithRun(a);
    return { path: `/api/v1/runs/${runId}${suffix}`, body, snapshot };
  },
  expect: 404,
});

/** Every non-public row of the route table needs a case here, or the isolation suite fails. */
export const isolationCases: Record<string, IsolationCase> = {
  ...artifactCases,
  ...datasetCases,
  ...modelCases,
  ...eventCases,
  ...mlflowCases,
  'POST /api/v1/tenants': {
    // A tenant admin is not an operator: creating tenants is refused whatever the body.
    arrange: async (a) => ({ path: '/api/v1/tenants', body: { id: `${a.id}-x` }, snapshot: keysOf(a) }),
    expect: 403,
  },
  'GET /api/v1/tenant': {
    arrange: async (a) => ({
      path: '/api/v1/tenant',
      snapshot: async () => (await a.call('GET', '/api/v1/tenant')).body,
    }),
    expect: ({ status, body }, a, b) => {
      expect(status).toBe(200);
      expect(body.tenant.id).toBe(b.id);
      expect(JSON.stringify(body)).not.toContain(a.id);
    },
  },
  'PATCH /api/v1/tenant': {
    arrange: async (a) => ({
      path: '/api/v1/tenant',
      body: { name: 'renamed by B' },
      snapshot: async () => (await a.call('GET', '/api/v1/tenant')).body.tenant,
    }),
    expect: ({ status, body }, _a, b) => {
      expect(status).toBe(200);
      expect(body.tenant.id).toBe(b.id);
    },
  },
  'GET /api/v1/keys': {
    arrange: async (a) => ({ path: '/api/v1/keys', snapshot: keysOf(a) }),
    expect: ({ status, body }, a) => {
      expect(status).toBe(200);
      expect(body.keys.length).toBeGreaterThan(0);
      expect(JSON.stringify(body)).not.toContain(a.adminKey.slice(0, 10));
    },
  },
  'POST /api/v1/keys': {
    arrange: async (a) => ({
      path: '/api/v1/keys',
      body: { name: 'made by B', role: 'admin' },
      snapshot: keysOf(a),
    }),
    expect: ({ status, body }, a) => {
      // B gets a key, in B's tenant: it cannot reach A.
      expect(status).toBe(201);
      expect(body.apiKey.secret).toMatch(/^cairn_/);
      expect(a.id).not.toBe('');
    },
  },
  'DELETE /api/v1/keys/{keyId}': {
    arrange: async (a) => {
      const listed = await a.call('GET', '/api/v1/keys');
      return { path: `/api/v1/keys/${listed.body.keys[0].id}`, snapshot: keysOf(a) };
    },
    expect: 404,
  },

  'POST /api/v1/experiments': {
    arrange: async (a) => {
      const { name, snapshot } = await experimentWithRun(a);
      return { path: '/api/v1/experiments', body: { name }, snapshot };
    },
    // Names are unique per tenant: B may use A's name, and gets its own experiment.
    expect: ({ status, body }) => {
      expect(status).toBe(201);
      expect(body.experiment.runCount).toBe(0);
    },
  },
  'GET /api/v1/experiments': {
    arrange: async (a) => {
      const { snapshot } = await experimentWithRun(a);
      return { path: '/api/v1/experiments?viewType=all', snapshot };
    },
    expect: ({ status, body }, a) => {
      expect(status).toBe(200);
      expect(body.experiments.map((e: { name: string }) => e.name)).toEqual(['Default']);
      expect(JSON.stringify(body)).not.toContain(a.id);
    },
  },
  'GET /api/v1/experiments/by-name': {
    arrange: async (a) => {
      const { name, snapshot } = await experimentWithRun(a);
      return { path: `/api/v1/experiments/by-name?name=${encodeURIComponent(name)}`, snapshot };
    },
    expect: 404,
  },
  'GET /api/v1/experiments/{experimentId}': onExperiment(''),
  'PATCH /api/v1/experiments/{experimentId}': onExperiment('', { name: 'taken over' }),
  'DELETE /api/v1/experiments/{experimentId}': onExperiment(''),
  'POST /api/v1/experiments/{experimentId}/restore': onExperiment('/restore'),

  'POST /api/v1/runs': {
    arrange: async (a) => {
      const { experimentId, snapshot } = await experimentWithRun(a);
      return { path: '/api/v1/runs', body: { experimentId }, snapshot };
    },
    expect: 404,
  },
  'POST /api/v1/runs/search': {
    arrange: async (a) => {
      const { experimentId, snapshot } = await experimentWithRun(a);
      return {
        path: '/api/v1/runs/search',
        body: { experimentIds: [experimentId], viewType: 'all' },
        snapshot,
      };
    },
    expect: ({ status, body }) => {
      expect(status).toBe(200);
      expect(body.runs).toEqual([]);
    },
  },
  'GET /api/v1/runs/{runId}': onRun(''),
  'PATCH /api/v1/runs/{runId}': onRun('', { status: 'KILLED' }),
  'DELETE /api/v1/runs/{runId}': onRun(''),
  'POST /api/v1/runs/{runId}/restore': onRun('/restore'),
  'POST /api/v1/runs/{runId}/log': onRun('/log', {
    metrics: [{ key: 'loss', value: 99, step: 2 }],
    params: [{ key: 'lr', value: '9' }],
    tags: [{ key: 'team', value: 'b' }],
  }),
  'DELETE /api/v1/runs/{runId}/tags/{key}': onRun('/tags/team'),
  'GET /api/v1/runs/{runId}/metric-history': onRun('/metric-history?key=loss'),
  'POST /api/v1/metrics/history': {
    arrange: async (a) => {
      const { runId, snapshot } = await experimentWithRun(a);
      return { path: '/api/v1/metrics/history', body: { runIds: [runId], keys: ['loss'] }, snapshot };
    },
    expect: 404,
  },
};
