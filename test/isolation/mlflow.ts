import { expect } from 'vitest';
import type { IsolationCase } from '../isolation-cases.ts';
import { artifactRequest, mlflowClient, queryString } from '../support/mlflow.ts';
import type { TestTenant } from '../support/tenants.ts';

const at = '/api/2.0/mlflow';

/**
 * Tenant A's experiment, with a run holding a param, a tag and a metric, and a logged model the
 * run produced; all made through the MLflow API, and read back through it for the snapshot.
 */
async function tracked(a: TestTenant) {
  const mlflow = mlflowClient(a.adminKey);
  const name = `iso-${a.id}`;
  const experimentId: string = (
    await mlflow('POST', 'experiments/create', { name, tags: [{ key: 'owner', value: 'a' }] })
  ).body.experiment_id;
  const runId: string = (
    await mlflow('POST', 'runs/create', { experiment_id: experimentId, tags: [{ key: 'team', value: 'a' }] })
  ).body.run.info.run_id;
  await mlflow('POST', 'runs/log-batch', {
    run_id: runId,
    metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 1 }],
    params: [{ key: 'lr', value: '0.1' }],
  });
  const modelId: string = (
    await mlflow('POST', 'logged-models', {
      experiment_id: experimentId,
      name: 'model',
      source_run_id: runId,
      tags: [{ key: 'stage', value: 'a' }],
    })
  ).body.model.info.model_id;
  await mlflow('POST', 'runs/outputs', { run_id: runId, models: [{ model_id: modelId, step: 0 }] });
  const file = `${experimentId}/${runId}/artifacts/a.txt`;
  await artifactRequest(a.adminKey, 'PUT', file, { bytes: new TextEncoder().encode('a') });
  const snapshot = async () => ({
    experiment: (await mlflow('GET', 'experiments/get', { experiment_id: experimentId })).body,
    run: (await mlflow('GET', 'runs/get', { run_id: runId })).body,
    history: (await mlflow('GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss' })).body,
    model: (await mlflow('GET', `logged-models/${modelId}`)).body,
    artifacts: (await mlflow('GET', 'artifacts/list', { run_id: runId })).body,
  });
  return { name, experimentId, runId, modelId, file, snapshot };
}

type Tracked = Awaited<ReturnType<typeof tracked>>;

/** Tenant A's registered model with version 1 (from A's run) aliased `champion`. */
async function registered(a: TestTenant) {
  const t = await tracked(a);
  const mlflow = mlflowClient(a.adminKey);
  const model = `iso-model-${a.id}`;
  await mlflow('POST', 'registered-models/create', { name: model, tags: [{ key: 'owner', value: 'a' }] });
  await mlflow('POST', 'model-versions/create', {
    name: model,
    source: `runs:/${t.runId}/a.txt`,
    run_id: t.runId,
  });
  await mlflow('POST', 'registered-models/alias', { name: model, alias: 'champion', version: '1' });
  const snapshot = async () => ({
    tracked: await t.snapshot(),
    model: (await mlflow('GET', 'registered-models/get', { name: model })).body,
    version: (await mlflow('GET', 'model-versions/get', { name: model, version: '1' })).body,
  });
  return { ...t, model, snapshot };
}

type Registered = Awaited<ReturnType<typeof registered>>;

/** B names A's registered model (and its version 1) in a body, or in a GET's query string. */
const onRegistered = (
  method: 'GET' | 'OTHER',
  path: string,
  request: (r: Registered) => Record<string, unknown>,
  expectation: IsolationCase['expect'] = notFound,
): IsolationCase => ({
  arrange: async (a) => {
    const r = await registered(a);
    const sent = request(r);
    return method === 'GET'
      ? { path: `${at}/${path}?${queryString(sent as Record<string, string>)}`, snapshot: r.snapshot }
      : { path: `${at}/${path}`, body: sent, snapshot: r.snapshot };
  },
  expect: expectation,
});
const model = (r: Registered) => ({ name: r.model });
const version = (r: Registered) => ({ name: r.model, version: '1' });

const proxy = '/api/2.0/mlflow-artifacts';

/** A's resources look to B exactly like missing ones, in MLflow's error format. */
const notFound = ({ status, body }: { status: number; body: any }) => {
  expect(status).toBe(404);
  expect(body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
};

/** B sends a request naming A's resources (in the body, or in a GET's query string). */
const naming = (
  path: string,
  request: (t: Tracked) => Record<string, unknown>,
  expectation: IsolationCase['expect'] = notFound,
  method: 'GET' | 'OTHER' = 'OTHER',
): IsolationCase => ({
  arrange: async (a) => {
    const t = await tracked(a);
    const sent = request(t);
    return method === 'GET'
      ? { path: `${at}/${path}?${queryString(sent as Record<string, string>)}`, snapshot: t.snapshot }
      : { path: `${at}/${path}`, body: sent, snapshot: t.snapshot };
  },
  expect: expectation,
});
const get = (path: string, request: (t: Tracked) => Record<string, unknown>, expectation = notFound) =>
  naming(path, request, expectation, 'GET');

/** B names A's logged model in the path. */
const onModel = (suffix: string, body?: unknown): IsolationCase => ({
  arrange: async (a) => {
    const t = await tracked(a);
    return { path: `${at}/logged-models/${t.modelId}${suffix}`, body, snapshot: t.snapshot };
  },
  expect: notFound,
});

/** B names one of A's artifact files through the artifact proxy. */
const onFile = (
  suffix: (t: Tracked) => string,
  body?: unknown,
  expectation: IsolationCase['expect'] = notFound,
): IsolationCase => ({
  arrange: async (a) => {
    const t = await tracked(a);
    return { path: `${proxy}${suffix(t)}`, body, snapshot: t.snapshot };
  },
  expect: expectation,
});
const refused = ({ status, body }: { status: number; body: any }) => {
  expect(status).toBe(501);
  expect(body.error_code).toBe('NOT_IMPLEMENTED');
};

/** B sees only its own experiment "0". */
const onlyDefault = ({ status, body }: { status: number; body: any }) => {
  expect(status).toBe(200);
  expect(body.experiments.map((e: { name: string }) => e.name)).toEqual(['Default']);
};
const nothingFound =
  (list: string) =>
  ({ status, body }: { status: number; body: any }) => {
    expect(status).toBe(200);
    expect(body[list] ?? []).toEqual([]);
  };

const run = (t: Tracked) => ({ run_id: t.runId, run_uuid: t.runId });

export const mlflowCases: Record<string, IsolationCase> = {
  [`POST ${at}/experiments/create`]: naming(
    'experiments/create',
    (t) => ({ name: t.name }),
    // Names are unique per tenant: B may use A's name, and gets its own experiment.
    ({ status, body }) => {
      expect(status).toBe(200);
      expect(body.experiment_id).toBe('1');
    },
  ),
  [`GET ${at}/experiments/get`]: get('experiments/get', (t) => ({ experiment_id: t.experimentId })),
  [`GET ${at}/experiments/get-by-name`]: get('experiments/get-by-name', (t) => ({ experiment_name: t.name })),
  [`POST ${at}/experiments/search`]: naming('experiments/search', () => ({ view_type: 'ALL' }), onlyDefault),
  [`GET ${at}/experiments/search`]: get('experiments/search', () => ({ view_type: 'ALL' }), onlyDefault),
  [`GET ${at}/experiments/list`]: get('experiments/list', () => ({ view_type: 'ALL' }), onlyDefault),
  [`POST ${at}/experiments/update`]: naming('experiments/update', (t) => ({
    experiment_id: t.experimentId,
    new_name: 'taken over',
  })),
  [`POST ${at}/experiments/delete`]: naming('experiments/delete', (t) => ({ experiment_id: t.experimentId })),
  [`POST ${at}/experiments/restore`]: naming('experiments/restore', (t) => ({
    experiment_id: t.experimentId,
  })),
  [`POST ${at}/experiments/set-experiment-tag`]: naming('experiments/set-experiment-tag', (t) => ({
    experiment_id: t.experimentId,
    key: 'owner',
    value: 'b',
  })),
  [`POST ${at}/experiments/delete-experiment-tag`]: naming('experiments/delete-experiment-tag', (t) => ({
    experiment_id: t.experimentId,
    key: 'owner',
  })),

  [`POST ${at}/runs/create`]: naming('runs/create', (t) => ({ experiment_id: t.experimentId })),
  [`GET ${at}/runs/get`]: get('runs/get', run),
  [`POST ${at}/runs/update`]: naming('runs/update', (t) => ({ ...run(t), status: 'KILLED', end_time: 2 })),
  [`POST ${at}/runs/delete`]: naming('runs/delete', run),
  [`POST ${at}/runs/restore`]: naming('runs/restore', run),
  [`POST ${at}/runs/search`]: naming(
    'runs/search',
    (t) => ({ experiment_ids: [t.experimentId], run_view_type: 'ALL' }),
    nothingFound('runs'),
  ),
  [`POST ${at}/runs/log-metric`]: naming('runs/log-metric', (t) => ({
    ...run(t),
    key: 'loss',
    value: 99,
    timestamp: 2,
    step: 2,
  })),
  [`POST ${at}/runs/log-parameter`]: naming('runs/log-parameter', (t) => ({
    ...run(t),
    key: 'lr',
    value: '9',
  })),
  [`POST ${at}/runs/set-tag`]: naming('runs/set-tag', (t) => ({ ...run(t), key: 'team', value: 'b' })),
  [`POST ${at}/runs/delete-tag`]: naming('runs/delete-tag', (t) => ({ ...run(t), key: 'team' })),
  [`POST ${at}/runs/log-batch`]: naming('runs/log-batch', (t) => ({
    run_id: t.runId,
    metrics: [{ key: 'loss', value: 99, timestamp: 2, step: 2 }],
    params: [{ key: 'lr', value: '9' }],
    tags: [{ key: 'mlflow.runName', value: 'taken over' }],
  })),
  [`POST ${at}/runs/log-inputs`]: naming('runs/log-inputs', (t) => ({
    run_id: t.runId,
    datasets: [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: 's' } }],
  })),
  [`POST ${at}/runs/outputs`]: naming('runs/outputs', (t) => ({
    run_id: t.runId,
    models: [{ model_id: t.modelId, step: 3 }],
  })),
  [`POST ${at}/runs/log-model`]: naming('runs/log-model', (t) => ({ run_id: t.runId, model_json: '{}' })),
  [`GET ${at}/metrics/get-history`]: get('metrics/get-history', (t) => ({ ...run(t), metric_key: 'loss' })),
  [`GET ${at}/metrics/get-history-bulk-interval`]: get('metrics/get-history-bulk-interval', (t) => ({
    run_ids: t.runId,
    metric_key: 'loss',
  })),

  [`POST ${at}/logged-models`]: naming('logged-models', (t) => ({
    experiment_id: t.experimentId,
    source_run_id: t.runId,
  })),
  [`POST ${at}/logged-models/search`]: naming(
    'logged-models/search',
    (t) => ({ experiment_ids: [t.experimentId] }),
    nothingFound('models'),
  ),
  [`GET ${at}/logged-models/{modelId}`]: onModel(''),
  [`PATCH ${at}/logged-models/{modelId}`]: onModel('', { status: 'LOGGED_MODEL_UPLOAD_FAILED' }),
  [`DELETE ${at}/logged-models/{modelId}`]: onModel('', {}),
  [`PATCH ${at}/logged-models/{modelId}/tags`]: onModel('/tags', { tags: [{ key: 'stage', value: 'b' }] }),
  [`DELETE ${at}/logged-models/{modelId}/tags/{key+}`]: onModel('/tags/stage'),
  [`POST ${at}/logged-models/{modelId}/params`]: onModel('/params', { params: [{ key: 'p', value: 'b' }] }),

  [`GET ${at}/artifacts/list`]: get('artifacts/list', run),
  [`PUT ${proxy}/artifacts/{path+}`]: onFile((t) => `/artifacts/${t.file}`, 'overwritten by B'),
  [`GET ${proxy}/artifacts/{path+}`]: onFile((t) => `/artifacts/${t.file}`),
  [`GET ${proxy}/artifacts`]: onFile(
    (t) => `/artifacts?${queryString({ path: t.file.replace(/\/a\.txt$/, '') })}`,
  ),
  // Refused for everyone, so the client falls back to one PUT, which is checked above.
  [`POST ${proxy}/mpu/create/{path+}`]: onFile((t) => `/mpu/create/${t.file}`, { num_parts: 2 }, refused),
  [`POST ${proxy}/mpu/complete/{path+}`]: onFile(
    (t) => `/mpu/complete/${t.file}`,
    { upload_id: 'u' },
    refused,
  ),
  [`POST ${at}/registered-models/create`]: onRegistered(
    'OTHER',
    'registered-models/create',
    model,
    ({ status, body }) => {
      // Names are unique per tenant: B may use A's name, and gets its own model.
      expect(status).toBe(200);
      expect(body.registered_model.latest_versions).toEqual([]);
    },
  ),
  [`GET ${at}/registered-models/get`]: onRegistered('GET', 'registered-models/get', model),
  [`POST ${at}/registered-models/rename`]: onRegistered('OTHER', 'registered-models/rename', (r) => ({
    name: r.model,
    new_name: 'taken',
  })),
  [`PATCH ${at}/registered-models/update`]: onRegistered('OTHER', 'registered-models/update', (r) => ({
    name: r.model,
    description: 'by B',
  })),
  [`DELETE ${at}/registered-models/delete`]: onRegistered('OTHER', 'registered-models/delete', model),
  [`GET ${at}/registered-models/search`]: onRegistered(
    'GET',
    'registered-models/search',
    () => ({ filter: "name LIKE 'iso%'" }),
    nothingFound('registered_models'),
  ),
  [`POST ${at}/registered-models/get-latest-versions`]: onRegistered(
    'OTHER',
    'registered-models/get-latest-versions',
    model,
  ),
  [`GET ${at}/registered-models/get-latest-versions`]: onRegistered(
    'GET',
    'registered-models/get-latest-versions',
    model,
  ),
  [`POST ${at}/registered-models/set-tag`]: onRegistered('OTHER', 'registered-models/set-tag', (r) => ({
    name: r.model,
    key: 'owner',
    value: 'b',
  })),
  [`DELETE ${at}/registered-models/delete-tag`]: onRegistered(
    'OTHER',
    'registered-models/delete-tag',
    (r) => ({
      name: r.model,
      key: 'owner',
    }),
  ),
  [`POST ${at}/registered-models/alias`]: onRegistered('OTHER', 'registered-models/alias', (r) => ({
    ...version(r),
    alias: 'champion',
  })),
  [`DELETE ${at}/registered-models/alias`]: onRegistered('OTHER', 'registered-models/alias', (r) => ({
    name: r.model,
    alias: 'champion',
  })),
  [`GET ${at}/registered-models/alias`]: onRegistered('GET', 'registered-models/alias', (r) => ({
    name: r.model,
    alias: 'champion',
  })),
  [`POST ${at}/model-versions/create`]: onRegistered('OTHER', 'model-versions/create', (r) => ({
    name: r.model,
    source: `runs:/${r.runId}/a.txt`,
    run_id: r.runId,
  })),
  [`GET ${at}/model-versions/get`]: onRegistered('GET', 'model-versions/get', version),
  [`PATCH ${at}/model-versions/update`]: onRegistered('OTHER', 'model-versions/update', (r) => ({
    ...version(r),
    description: 'by B',
  })),
  [`DELETE ${at}/model-versions/delete`]: onRegistered('OTHER', 'model-versions/delete', version),
  [`POST ${at}/model-versions/transition-stage`]: onRegistered(
    'OTHER',
    'model-versions/transition-stage',
    (r) => ({
      ...version(r),
      stage: 'Production',
      archive_existing_versions: true,
    }),
  ),
  [`GET ${at}/model-versions/search`]: onRegistered(
    'GET',
    'model-versions/search',
    (r) => ({ filter: `run_id = '${r.runId}'` }),
    nothingFound('model_versions'),
  ),
  [`GET ${at}/model-versions/get-download-uri`]: onRegistered(
    'GET',
    'model-versions/get-download-uri',
    version,
  ),
  [`POST ${at}/model-versions/set-tag`]: onRegistered('OTHER', 'model-versions/set-tag', (r) => ({
    ...version(r),
    key: 'k',
    value: 'b',
  })),
  [`DELETE ${at}/model-versions/delete-tag`]: onRegistered('OTHER', 'model-versions/delete-tag', (r) => ({
    ...version(r),
    key: 'k',
  })),
  [`POST ${proxy}/mpu/abort/{path+}`]: onFile((t) => `/mpu/abort/${t.file}`, { upload_id: 'u' }, refused),
};
