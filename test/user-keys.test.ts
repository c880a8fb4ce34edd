import { describe, expect, test } from 'vitest';
import { type Route, routeKey, routes } from '#functions/routes.ts';
import { mlflowClient } from './support/mlflow.ts';
import { modelWithVersion, runWithArtifacts } from './support/models.ts';
import { newTenant, type TestTenant } from './support/tenants.ts';
import { textFiles, upload } from './support/uploads.ts';
import { keyedInputOf, mapTakingRoutes } from './support/user-keys.ts';

/*
 * Keys users choose are data. JavaScript's prototype names are the hostile ones: a plain object
 * already "has" `constructor` and `toString`, and assigning `__proto__` replaces its prototype
 * instead of adding a key. For every route that takes a user-keyed map or names one of its keys
 * (found from the route table, so a new one cannot be forgotten), these names must round-trip
 * exactly, a delete of a missing one must say so (404, nothing logged), and nothing may answer 5xx.
 */

const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;
/** Dataset version tags start with a letter: `__proto__` is refused by their schema. */
const letterNames = names.filter((name) => /^[A-Za-z]/.test(name));

const valueFor = (name: string) => `v:${name}`;
/** An object with exactly these own keys, `__proto__` included (a literal would set the prototype). */
const keyed = <V>(keys: readonly string[], value: (name: string) => V) =>
  Object.fromEntries(keys.map((name) => [name, value(name)]));

/** Entries of a record or a `{key, value}` list, sorted: what round-tripping compares. */
function entriesOf(from: Record<string, unknown> | { key: string; value: unknown }[] | undefined) {
  const list = Array.isArray(from)
    ? from.map(({ key, value }) => [key, value] as [string, unknown])
    : Object.entries(from ?? {});
  return list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
const expected = (keys: readonly string[], value: (name: string) => unknown = valueFor) =>
  entriesOf(keyed(keys, value));

const at = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;

/** Every answer of the sweep: a 5xx is a bug whatever the case checks next. */
function guard<T extends { status: number; body: unknown }>(answer: T, what: string): T {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
  return answer;
}
const call = async (tenant: TestTenant, method: string, path: string, body?: unknown) =>
  guard(await tenant.call(method, path, body === undefined ? {} : { body }), `${method} ${path}`);
const mlflow = (tenant: TestTenant) => {
  const client = mlflowClient(tenant.adminKey);
  return async (method: string, path: string, request?: Record<string, unknown>) =>
    guard(await client(method, path, request), `MLflow ${method} ${path}`);
};

const auditCount = async (tenant: TestTenant) =>
  ((await call(tenant, 'GET', '/api/v1/audit?maxResults=500')).body.events as unknown[]).length;

async function experiment(tenant: TestTenant, tags?: Record<string, string>) {
  return (await call(tenant, 'POST', '/api/v1/experiments', { name: `e-${Math.random()}`, tags })).body
    .experiment as { id: string };
}
async function run(tenant: TestTenant) {
  return (await call(tenant, 'POST', '/api/v1/runs', { experimentId: '0' })).body.run.id as string;
}
const getRun = async (tenant: TestTenant, runId: string) =>
  (await call(tenant, 'GET', `/api/v1/runs/${runId}`)).body.run;
const mlflowRun = async (tenant: TestTenant, runId: string) =>
  (await mlflow(tenant)('GET', 'runs/get', { run_id: runId })).body.run;
async function dataset(tenant: TestTenant, name = `d-${Math.random().toString(36).slice(2, 8)}`) {
  const { entries } = await upload(tenant, textFiles({ 'a.csv': `${name}\n` }));
  await call(tenant, 'POST', `/api/v1/datasets/${name}/versions`, { files: entries });
  return name;
}
async function loggedModel(tenant: TestTenant, request: Record<string, unknown> = {}) {
  return (await mlflow(tenant)('POST', 'logged-models', { experiment_id: '0', ...request })).body.model.info
    .model_id as string;
}
const getLoggedModel = async (tenant: TestTenant, modelId: string) =>
  (await mlflow(tenant)('GET', `logged-models/${modelId}`)).body.model;
const metricsOf = (names_: readonly string[]) =>
  names_.map((key, i) => ({ key, value: i + 1, step: i, timestamp: 1000 + i }));
/** A metric's latest values as the API renders them, keyed by name. */
const latestOf = (names_: readonly string[]) =>
  keyed(names_, (name) => ({
    value: names_.indexOf(name) + 1,
    step: names_.indexOf(name),
    timestamp: 1000 + names_.indexOf(name),
  }));

/** How one route is checked; `tenant` is fresh for each. */
type KeyCase = (tenant: TestTenant) => Promise<void>;

/** For a route that deletes one key: a missing one is `notFound`, nothing is logged, then set ones go. */
async function deletesOnlyWhatIsThere(
  tenant: TestTenant,
  del: (name: string) => Promise<{ status: number; body: any }>,
  set: () => Promise<unknown>,
  read: () => Promise<Record<string, unknown> | { key: string; value: unknown }[] | undefined>,
  missing: { status: number; code: string },
) {
  const events = await auditCount(tenant);
  for (const name of names) {
    const answer = await del(name);
    expect(answer.status, name).toBe(missing.status);
    expect(answer.body.error?.code ?? answer.body.error_code, name).toBe(missing.code);
  }
  expect(await auditCount(tenant)).toBe(events);
  await set();
  for (const name of names) expect((await del(name)).status, name).toBe(200);
  expect(entriesOf(await read())).toEqual([]);
}

const cases: Record<string, KeyCase> = {
  'POST /api/v1/experiments': async (t) => {
    const created = await call(t, 'POST', '/api/v1/experiments', { name: 'e', tags: keyed(names, valueFor) });
    expect(created.status).toBe(201);
    expect(entriesOf(created.body.experiment.tags)).toEqual(expected(names));
    const read = await call(t, 'GET', `/api/v1/experiments/${created.body.experiment.id}`);
    expect(entriesOf(read.body.experiment.tags)).toEqual(expected(names));
  },
  'PATCH /api/v1/experiments/{experimentId}': async (t) => {
    const { id } = await experiment(t);
    const path = `/api/v1/experiments/${id}`;
    expect((await call(t, 'PATCH', path, { tags: keyed(names, valueFor) })).status).toBe(200);
    expect(entriesOf((await call(t, 'GET', path)).body.experiment.tags)).toEqual(expected(names));
    await call(t, 'PATCH', path, { tags: keyed(names, () => null) });
    expect(entriesOf((await call(t, 'GET', path)).body.experiment.tags)).toEqual([]);
  },
  'POST /api/v1/runs': async (t) => {
    const created = await call(t, 'POST', '/api/v1/runs', {
      experimentId: '0',
      params: keyed(names, valueFor),
      tags: keyed(names, valueFor),
    });
    expect(created.status).toBe(201);
    const read = await getRun(t, created.body.run.id);
    expect(entriesOf(read.params)).toEqual(expected(names));
    expect(entriesOf(read.tags)).toEqual(expected(names));
  },
  'POST /api/v1/runs/{runId}/log': async (t) => {
    const { id: experimentId } = await experiment(t);
    const runId = (await call(t, 'POST', '/api/v1/runs', { experimentId })).body.run.id;
    const log = (body: unknown) => call(t, 'POST', `/api/v1/runs/${runId}/log`, body);
    const pairs = names.map((key) => ({ key, value: valueFor(key) }));
    // Metrics alone (the fast path), then everything at once, then params again unchanged.
    expect((await log({ metrics: metricsOf(names) })).status).toBe(200);
    expect((await log({ metrics: metricsOf(names), params: pairs, tags: pairs })).status).toBe(200);
    expect((await log({ params: pairs })).status).toBe(200);
    const conflict = await log({ params: [{ key: 'toString', value: 'other' }] });
    expect(conflict.status).toBe(400);
    expect(conflict.body.error.details).toMatchObject({ key: 'toString', existing: valueFor('toString') });
    expect((await log({ metrics: metricsOf(names).map((m) => ({ ...m, step: m.step + 10 })) })).status).toBe(
      200,
    );
    const read = await getRun(t, runId);
    expect(entriesOf(read.params)).toEqual(expected(names));
    expect(entriesOf(read.tags)).toEqual(expected(names));
    expect(Object.keys(read.metrics).sort()).toEqual([...names].sort());
    expect(read.metrics.constructor.step).toBe(names.indexOf('constructor') + 10);
    const search = await call(t, 'POST', '/api/v1/runs/search', {
      experimentIds: [experimentId],
      filter: "metrics.constructor > 0 and params.toString = 'v:toString' and tags.valueOf = 'v:valueOf'",
      orderBy: ['metrics.hasOwnProperty DESC'],
    });
    expect(search.body.runs.map((found: { id: string }) => found.id)).toEqual([runId]);
  },
  'DELETE /api/v1/runs/{runId}/tags/{key}': async (t) => {
    const runId = await run(t);
    await deletesOnlyWhatIsThere(
      t,
      (name) => call(t, 'DELETE', `/api/v1/runs/${runId}/tags/${encodeURIComponent(name)}`),
      () => call(t, 'POST', `/api/v1/runs/${runId}/log`, { tags: names.map((key) => ({ key, value: 'x' })) }),
      async () => (await getRun(t, runId)).tags,
      { status: 404, code: 'runs.tag_not_found' },
    );
  },
  'GET /api/v1/runs/{runId}/metric-history': async (t) => {
    const runId = await run(t);
    const unlogged = await call(t, 'GET', `/api/v1/runs/${runId}/metric-history?key=constructor`);
    expect(unlogged.body.points).toEqual([]);
    await call(t, 'POST', `/api/v1/runs/${runId}/log`, { metrics: metricsOf(names) });
    for (const [i, name] of names.entries()) {
      const history = await call(
        t,
        'GET',
        `/api/v1/runs/${runId}/metric-history?key=${encodeURIComponent(name)}`,
      );
      expect(history.body.points, name).toEqual([{ step: i, timestamp: 1000 + i, value: i + 1 }]);
    }
  },
  'POST /api/v1/metrics/history': async (t) => {
    const runId = await run(t);
    await call(t, 'POST', `/api/v1/runs/${runId}/log`, { metrics: metricsOf(names) });
    const answer = await call(t, 'POST', '/api/v1/metrics/history', { runIds: [runId], keys: names });
    expect(answer.status).toBe(200);
    const text = JSON.stringify(answer.body);
    for (const name of names) expect(text, name).toContain(`"${name}"`);
  },
  'POST /api/v1/datasets': async (t) => {
    const created = await call(t, 'POST', '/api/v1/datasets', { name: 'd', tags: keyed(names, valueFor) });
    expect(created.status).toBe(201);
    expect(entriesOf((await call(t, 'GET', '/api/v1/datasets/d')).body.dataset.tags)).toEqual(
      expected(names),
    );
  },
  'PATCH /api/v1/datasets/{datasetName}': async (t) => {
    await call(t, 'POST', '/api/v1/datasets', { name: 'd' });
    expect((await call(t, 'PATCH', '/api/v1/datasets/d', { tags: keyed(names, valueFor) })).status).toBe(200);
    expect(entriesOf((await call(t, 'GET', '/api/v1/datasets/d')).body.dataset.tags)).toEqual(
      expected(names),
    );
    await call(t, 'PATCH', '/api/v1/datasets/d', { tags: keyed(names, () => null) });
    expect(entriesOf((await call(t, 'GET', '/api/v1/datasets/d')).body.dataset.tags)).toEqual([]);
  },
  'PUT /api/v1/datasets/{datasetName}/tags/{tag}': async (t) => {
    const name = await dataset(t);
    for (const tag of letterNames) {
      expect((await call(t, 'PUT', `/api/v1/datasets/${name}/tags/${tag}`, { version: 1 })).status, tag).toBe(
        200,
      );
      const resolved = await call(t, 'GET', `/api/v1/datasets/${name}/versions/${tag}`);
      expect(resolved.body.version.version, tag).toBe(1);
    }
    const version = await call(t, 'GET', `/api/v1/datasets/${name}/versions/1`);
    expect([...version.body.version.tags].sort()).toEqual([...letterNames].sort());
    expect((await call(t, 'PUT', `/api/v1/datasets/${name}/tags/__proto__`, { version: 1 })).status).toBe(
      400,
    );
  },
  'DELETE /api/v1/datasets/{datasetName}/tags/{tag}': async (t) => {
    const name = await dataset(t);
    const events = await auditCount(t);
    for (const tag of letterNames) {
      const answer = await call(t, 'DELETE', `/api/v1/datasets/${name}/tags/${tag}`);
      expect(answer.status, tag).toBe(404);
      expect(answer.body.error.code).toBe('datasets.tag_not_found');
    }
    expect(await auditCount(t)).toBe(events);
    for (const tag of letterNames)
      await call(t, 'PUT', `/api/v1/datasets/${name}/tags/${tag}`, { version: 1 });
    for (const tag of letterNames)
      expect((await call(t, 'DELETE', `/api/v1/datasets/${name}/tags/${tag}`)).status).toBe(200);
    expect((await call(t, 'GET', `/api/v1/datasets/${name}/versions/1`)).body.version.tags).toEqual([]);
  },
  'POST /api/v1/models': async (t) => {
    const created = await call(t, 'POST', '/api/v1/models', { name: 'm', tags: keyed(names, valueFor) });
    expect(created.status).toBe(201);
    expect(entriesOf((await call(t, 'GET', at('m'))).body.model.tags)).toEqual(expected(names));
  },
  'PATCH /api/v1/models/{name}': async (t) => {
    await call(t, 'POST', '/api/v1/models', { name: 'm' });
    expect((await call(t, 'PATCH', at('m'), { tags: keyed(names, valueFor) })).status).toBe(200);
    expect(entriesOf((await call(t, 'GET', at('m'))).body.model.tags)).toEqual(expected(names));
    await call(t, 'PATCH', at('m'), { tags: keyed(names, () => null) });
    expect(entriesOf((await call(t, 'GET', at('m'))).body.model.tags)).toEqual([]);
  },
  'POST /api/v1/models/{name}/versions': async (t) => {
    const runId = await runWithArtifacts(t);
    await call(t, 'POST', '/api/v1/models', { name: 'm' });
    const created = await call(t, 'POST', `${at('m')}/versions`, {
      runId,
      artifactPath: 'model',
      tags: keyed(names, valueFor),
    });
    expect(created.status).toBe(201);
    expect(entriesOf((await call(t, 'GET', `${at('m')}/versions/1`)).body.version.tags)).toEqual(
      expected(names),
    );
  },
  'PATCH /api/v1/models/{name}/versions/{version}': async (t) => {
    const { name } = await modelWithVersion(t);
    const path = `${at(name)}/versions/1`;
    expect((await call(t, 'PATCH', path, { tags: keyed(names, valueFor) })).status).toBe(200);
    expect(entriesOf((await call(t, 'GET', path)).body.version.tags)).toEqual(expected(names));
    await call(t, 'PATCH', path, { tags: keyed(names, () => null) });
    expect(entriesOf((await call(t, 'GET', path)).body.version.tags)).toEqual([]);
  },
  'PUT /api/v1/models/{name}/aliases/{alias}': async (t) => {
    const { name } = await modelWithVersion(t);
    for (const alias of names) {
      expect((await call(t, 'PUT', `${at(name)}/aliases/${alias}`, { version: 1 })).status, alias).toBe(200);
    }
    const model = (await call(t, 'GET', at(name))).body.model;
    expect(entriesOf(model.aliases)).toEqual(expected(names, () => 1));
    expect([...(await call(t, 'GET', `${at(name)}/versions/1`)).body.version.aliases].sort()).toEqual(
      [...names].sort(),
    );
    for (const alias of names) {
      const resolved = await call(
        t,
        'GET',
        `/api/v1/resolve?uri=${encodeURIComponent(`models/${name}@${alias}`)}`,
      );
      expect(resolved.body.version.version, alias).toBe(1);
    }
  },
  'DELETE /api/v1/models/{name}/aliases/{alias}': async (t) => {
    const { name } = await modelWithVersion(t);
    await deletesOnlyWhatIsThere(
      t,
      (alias) => call(t, 'DELETE', `${at(name)}/aliases/${alias}`),
      async () => {
        for (const alias of names) await call(t, 'PUT', `${at(name)}/aliases/${alias}`, { version: 1 });
      },
      async () => (await call(t, 'GET', at(name))).body.model.aliases,
      { status: 404, code: 'models.alias_not_found' },
    );
  },
  'POST /api/2.0/mlflow/experiments/create': async (t) => {
    const tags = names.map((key) => ({ key, value: valueFor(key) }));
    const created = await mlflow(t)('POST', 'experiments/create', { name: 'e', tags });
    const read = await mlflow(t)('GET', 'experiments/get', { experiment_id: created.body.experiment_id });
    expect(entriesOf(read.body.experiment.tags)).toEqual(expected(names));
  },
  'POST /api/2.0/mlflow/experiments/set-experiment-tag': async (t) => {
    const { id } = await experiment(t);
    for (const key of names) {
      const answer = await mlflow(t)('POST', 'experiments/set-experiment-tag', {
        experiment_id: id,
        key,
        value: valueFor(key),
      });
      expect(answer.status, key).toBe(200);
    }
    const read = await mlflow(t)('GET', 'experiments/get', { experiment_id: id });
    expect(entriesOf(read.body.experiment.tags)).toEqual(expected(names));
  },
  'POST /api/2.0/mlflow/experiments/delete-experiment-tag': async (t) => {
    const { id } = await experiment(t);
    await deletesOnlyWhatIsThere(
      t,
      (key) => mlflow(t)('POST', 'experiments/delete-experiment-tag', { experiment_id: id, key }),
      () => call(t, 'PATCH', `/api/v1/experiments/${id}`, { tags: keyed(names, valueFor) }),
      async () => (await call(t, 'GET', `/api/v1/experiments/${id}`)).body.experiment.tags,
      { status: 404, code: 'RESOURCE_DOES_NOT_EXIST' },
    );
  },
  'POST /api/2.0/mlflow/runs/create': async (t) => {
    const tags = names.map((key) => ({ key, value: valueFor(key) }));
    const created = await mlflow(t)('POST', 'runs/create', { experiment_id: '0', tags });
    const read = await getRun(t, created.body.run.info.run_id);
    expect(entriesOf(read.tags)).toEqual(expected(names));
  },
  'POST /api/2.0/mlflow/runs/log-metric': async (t) => {
    const runId = await run(t);
    for (const [i, key] of names.entries()) {
      await mlflow(t)('POST', 'runs/log-metric', {
        run_id: runId,
        key,
        value: i + 1,
        step: i,
        timestamp: 1000 + i,
      });
    }
    const read = await mlflowRun(t, runId);
    expect(entriesOf(read.data.metrics)).toEqual(expected(names, (name) => names.indexOf(name as never) + 1));
  },
  'POST /api/2.0/mlflow/runs/log-parameter': async (t) => {
    const runId = await run(t);
    for (const key of names) {
      for (let again = 0; again < 2; again++) {
        const answer = await mlflow(t)('POST', 'runs/log-parameter', {
          run_id: runId,
          key,
          value: valueFor(key),
        });
        expect(answer.status, key).toBe(200);
      }
    }
    expect(entriesOf((await mlflowRun(t, runId)).data.params)).toEqual(expected(names));
  },
  'POST /api/2.0/mlflow/runs/set-tag': async (t) => {
    const runId = await run(t);
    for (const key of names)
      await mlflow(t)('POST', 'runs/set-tag', { run_id: runId, key, value: valueFor(key) });
    const tags = (await mlflowRun(t, runId)).data.tags.filter(
      (tag: { key: string }) => !tag.key.startsWith('mlflow.'),
    );
    expect(entriesOf(tags)).toEqual(expected(names));
  },
  'POST /api/2.0/mlflow/runs/delete-tag': async (t) => {
    const runId = await run(t);
    await deletesOnlyWhatIsThere(
      t,
      (key) => mlflow(t)('POST', 'runs/delete-tag', { run_id: runId, key }),
      () => call(t, 'POST', `/api/v1/runs/${runId}/log`, { tags: names.map((key) => ({ key, value: 'x' })) }),
      async () => (await getRun(t, runId)).tags,
      { status: 404, code: 'RESOURCE_DOES_NOT_EXIST' },
    );
  },
  'POST /api/2.0/mlflow/runs/log-batch': async (t) => {
    const runId = await run(t);
    const pairs = names.map((key) => ({ key, value: valueFor(key) }));
    const answer = await mlflow(t)('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: metricsOf(names),
      params: pairs,
      tags: pairs,
    });
    expect(answer.status).toBe(200);
    const read = await getRun(t, runId);
    expect(entriesOf(read.params)).toEqual(expected(names));
    expect(entriesOf(read.tags)).toEqual(expected(names));
    expect(entriesOf(read.metrics)).toEqual(entriesOf(latestOf(names)));
  },
  'POST /api/2.0/mlflow/runs/log-inputs': async (t) => {
    const runId = await run(t);
    const answer = await mlflow(t)('POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [
        {
          dataset: { name: 'd', digest: 'abc', source_type: 'local', source: '{}' },
          tags: names.map((key) => ({ key, value: valueFor(key) })),
        },
      ],
    });
    expect(answer.status).toBe(200);
    const [input] = (await mlflowRun(t, runId)).inputs.dataset_inputs;
    expect(entriesOf(input.tags)).toEqual(expected(names));
    expect(entriesOf((await getRun(t, runId)).inputs.datasets[0].tags)).toEqual(expected(names));
  },
  'GET /api/2.0/mlflow/metrics/get-history': async (t) => {
    const runId = await run(t);
    await call(t, 'POST', `/api/v1/runs/${runId}/log`, { metrics: metricsOf(names) });
    for (const [i, key] of names.entries()) {
      const history = await mlflow(t)('GET', 'metrics/get-history', { run_id: runId, metric_key: key });
      expect(history.body.metrics, key).toMatchObject([{ key, value: i + 1, step: i }]);
    }
  },
  'GET /api/2.0/mlflow/metrics/get-history-bulk-interval': async (t) => {
    const runId = await run(t);
    await call(t, 'POST', `/api/v1/runs/${runId}/log`, { metrics: metricsOf(names) });
    for (const [i, key] of names.entries()) {
      const history = await mlflow(t)('GET', 'metrics/get-history-bulk-interval', {
        run_ids: [runId],
        metric_key: key,
        max_results: 10,
      });
      expect(history.body.metrics, key).toMatchObject([{ key, value: i + 1, step: i, run_id: runId }]);
    }
  },
  'POST /api/2.0/mlflow/logged-models': async (t) => {
    const pairs = names.map((key) => ({ key, value: valueFor(key) }));
    const modelId = await loggedModel(t, { params: pairs, tags: pairs });
    const model = await getLoggedModel(t, modelId);
    expect(entriesOf(model.info.tags)).toEqual(expected(names));
    expect(entriesOf(model.data.params)).toEqual(expected(names));
  },
  'PATCH /api/2.0/mlflow/logged-models/{modelId}/tags': async (t) => {
    const modelId = await loggedModel(t);
    const tags = names.map((key) => ({ key, value: valueFor(key) }));
    expect((await mlflow(t)('PATCH', `logged-models/${modelId}/tags`, { tags })).status).toBe(200);
    expect(entriesOf((await getLoggedModel(t, modelId)).info.tags)).toEqual(expected(names));
  },
  'DELETE /api/2.0/mlflow/logged-models/{modelId}/tags/{key+}': async (t) => {
    const modelId = await loggedModel(t);
    await deletesOnlyWhatIsThere(
      t,
      (key) => mlflow(t)('DELETE', `logged-models/${modelId}/tags/${encodeURIComponent(key)}`),
      () =>
        mlflow(t)('PATCH', `logged-models/${modelId}/tags`, {
          tags: names.map((key) => ({ key, value: 'x' })),
        }),
      async () => (await getLoggedModel(t, modelId)).info.tags,
      { status: 404, code: 'RESOURCE_DOES_NOT_EXIST' },
    );
  },
  'POST /api/2.0/mlflow/logged-models/{modelId}/params': async (t) => {
    const modelId = await loggedModel(t);
    const params = names.map((key) => ({ key, value: valueFor(key) }));
    expect((await mlflow(t)('POST', `logged-models/${modelId}/params`, { params })).status).toBe(200);
    expect(entriesOf((await getLoggedModel(t, modelId)).data.params)).toEqual(expected(names));
  },
  'POST /api/2.0/mlflow/registered-models/create': async (t) => {
    const tags = names.map((key) => ({ key, value: valueFor(key) }));
    await mlflow(t)('POST', 'registered-models/create', { name: 'm', tags });
    const read = await mlflow(t)('GET', 'registered-models/get', { name: 'm' });
    expect(entriesOf(read.body.registered_model.tags)).toEqual(expected(names));
  },
  'POST /api/2.0/mlflow/registered-models/set-tag': async (t) => {
    await call(t, 'POST', '/api/v1/models', { name: 'm' });
    for (const key of names) {
      expect(
        (await mlflow(t)('POST', 'registered-models/set-tag', { name: 'm', key, value: valueFor(key) }))
          .status,
      ).toBe(200);
    }
    expect(entriesOf((await call(t, 'GET', at('m'))).body.model.tags)).toEqual(expected(names));
  },
  'DELETE /api/2.0/mlflow/registered-models/delete-tag': async (t) => {
    await call(t, 'POST', '/api/v1/models', { name: 'm' });
    // MLflow's own store deletes a missing model tag silently: the same answer, and nothing logged.
    await deletesOnlyWhatIsThere(
      t,
      (key) => mlflow(t)('DELETE', 'registered-models/delete-tag', { name: 'm', key }),
      () => call(t, 'PATCH', at('m'), { tags: keyed(names, valueFor) }),
      async () => (await call(t, 'GET', at('m'))).body.model.tags,
      { status: 200, code: undefined as never },
    );
  },
  'POST /api/2.0/mlflow/registered-models/alias': async (t) => {
    const { name } = await modelWithVersion(t);
    for (const alias of names) {
      expect(
        (await mlflow(t)('POST', 'registered-models/alias', { name, alias, version: '1' })).status,
        alias,
      ).toBe(200);
    }
    const read = await mlflow(t)('GET', 'registered-models/get', { name });
    expect(
      entriesOf(
        read.body.registered_model.aliases.map(({ alias, version }: { alias: string; version: string }) => ({
          key: alias,
          value: version,
        })),
      ),
    ).toEqual(expected(names, () => '1'));
  },
  'DELETE /api/2.0/mlflow/registered-models/alias': async (t) => {
    const { name } = await modelWithVersion(t);
    await deletesOnlyWhatIsThere(
      t,
      (alias) => mlflow(t)('DELETE', 'registered-models/alias', { name, alias }),
      async () => {
        for (const alias of names) await call(t, 'PUT', `${at(name)}/aliases/${alias}`, { version: 1 });
      },
      async () => (await call(t, 'GET', at(name))).body.model.aliases,
      { status: 404, code: 'RESOURCE_DOES_NOT_EXIST' },
    );
  },
  'GET /api/2.0/mlflow/registered-models/alias': async (t) => {
    const { name } = await modelWithVersion(t);
    for (const alias of names) {
      const missing = await mlflow(t)('GET', 'registered-models/alias', { name, alias });
      expect(missing.status, alias).toBe(404);
    }
    for (const alias of names) await call(t, 'PUT', `${at(name)}/aliases/${alias}`, { version: 1 });
    for (const alias of names) {
      const found = await mlflow(t)('GET', 'registered-models/alias', { name, alias });
      expect(found.body.model_version.version, alias).toBe('1');
    }
  },
  'POST /api/2.0/mlflow/model-versions/create': async (t) => {
    const runId = await runWithArtifacts(t);
    await call(t, 'POST', '/api/v1/models', { name: 'm' });
    const tags = names.map((key) => ({ key, value: valueFor(key) }));
    const created = await mlflow(t)('POST', 'model-versions/create', {
      name: 'm',
      source: `runs:/${runId}/model`,
      run_id: runId,
      tags,
    });
    expect(created.status).toBe(200);
    expect(entriesOf((await call(t, 'GET', `${at('m')}/versions/1`)).body.version.tags)).toEqual(
      expected(names),
    );
  },
  'POST /api/2.0/mlflow/model-versions/set-tag': async (t) => {
    const { name } = await modelWithVersion(t);
    for (const key of names) {
      await mlflow(t)('POST', 'model-versions/set-tag', { name, version: '1', key, value: valueFor(key) });
    }
    const read = await mlflow(t)('GET', 'model-versions/get', { name, version: '1' });
    expect(entriesOf(read.body.model_version.tags)).toEqual(expected(names));
  },
  'DELETE /api/2.0/mlflow/model-versions/delete-tag': async (t) => {
    const { name } = await modelWithVersion(t);
    await deletesOnlyWhatIsThere(
      t,
      (key) => mlflow(t)('DELETE', 'model-versions/delete-tag', { name, version: '1', key }),
      () => call(t, 'PATCH', `${at(name)}/versions/1`, { tags: keyed(names, valueFor) }),
      async () => (await call(t, 'GET', `${at(name)}/versions/1`)).body.version.tags,
      { status: 200, code: undefined as never },
    );
  },
};

describe('prototype names are keys like any other, on every route that takes user keys', () => {
  test.each(mapTakingRoutes())('%s', async (key) => {
    const check = cases[key];
    // A new route that takes user keys must bring its case: this is what keeps the sweep complete.
    expect(check, `route ${key} takes user keys and has no case in test/user-keys.test.ts`).toBeDefined();
    await check!(await newTenant('keys'));
  });

  test('every case names a route that takes user keys', () => {
    expect(Object.keys(cases).filter((key) => !mapTakingRoutes().includes(key))).toEqual([]);
  });

  test('no request schema uses z.record, which drops a __proto__ key without a word', () => {
    const offenders = (routes as readonly Route[]).flatMap((route) =>
      keyedInputOf(route).plainRecords.map((where) => `${routeKey(route)} ${where}`),
    );
    expect(offenders).toEqual([]);
  });
});
