import mlflowPackage from 'mlflow';
import type { RunStatus, ViewType } from 'mlflow/enum.js';
import { afterAll, beforeAll, describe, expect, inject, test, vi } from 'vitest';
import { newTenant } from '../../test/support/tenants.ts';

/*
 * A third-party client, used as its authors meant: the `mlflow` package on npm, written against
 * MLflow's own server. Cairn must answer it as that server would.
 */

// The package is CommonJS whose `module.exports` is the client class, while its types declare an
// ES default export: at run time the default import is the class itself.
const MLflow = ((mlflowPackage as { default?: typeof mlflowPackage.default }).default ??
  mlflowPackage) as typeof mlflowPackage.default;

// The package prints every request body it sends.
const quiet = vi.spyOn(console, 'log');
beforeAll(() => {
  quiet.mockImplementation(() => {});
});
afterAll(() => {
  quiet.mockRestore();
});

async function connect() {
  const tenant = await newTenant('npm');
  const client = new MLflow({
    endpoint: inject('cairn').url,
    headers: { Authorization: `Bearer ${tenant.adminKey}` },
  });
  return { tenant, client };
}

/** The package throws `Error(JSON.stringify({ status, statusText, data }))`, wrapped once more. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; data: { error_code: string } }> {
  const error = await promise.then(
    () => undefined,
    (thrown: Error) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  return JSON.parse((error as Error).message.replace(/^Error: /, ''));
}

describe('the npm `mlflow` client against Cairn', () => {
  test('experiments: create, get, list, rename, delete and restore', async () => {
    const { client } = await connect();
    const { experiment_id } = await client.Experiments.create({ name: 'npm-iris', artifact_location: '' });

    const { experiment } = await client.Experiments.get({ experiment_id });
    expect(experiment).toMatchObject({ name: 'npm-iris', lifecycle_stage: 'active' });
    const listed = await client.Experiments.list();
    expect(listed.experiments.map((e: { name: string }) => e.name).sort()).toEqual(['Default', 'npm-iris']);

    await client.Experiments.update({ experiment_id, new_name: 'npm-irises' });
    await client.Experiments.delete({ experiment_id });
    expect((await client.Experiments.get({ experiment_id })).experiment).toMatchObject({
      name: 'npm-irises',
      lifecycle_stage: 'deleted',
    });
    await client.Experiments.restore({ experiment_id });
    expect((await client.Experiments.get({ experiment_id })).experiment.lifecycle_stage).toBe('active');
  });

  test('runs: params, metrics, tags, batches, history, search and the end of a run', async () => {
    const { client, tenant } = await connect();
    const { experiment_id } = await client.Experiments.create({ name: 'npm-runs', artifact_location: '' });
    const { run } = await client.Runs.create({
      experiment_id,
      user_id: 'someone',
      start_time: Date.now(),
      tags: [{ key: 'team', value: 'vision' }],
    });
    const run_id = run.info.run_id;

    await client.Runs.logParameter({ run_id, key: 'n_estimators', value: '100' });
    for (const [step, value] of [0.5, 0.7, 0.9].entries()) {
      await client.Runs.logMetric({ run_id, key: 'acc', value, timestamp: Date.now(), step });
    }
    await client.Runs.setTag({ run_id, key: 'stage', value: 'train' });
    await client.Runs.logBatch({
      run_id,
      metrics: [{ key: 'loss', value: 0.1, timestamp: Date.now(), step: 2 }],
      params: [{ key: 'max_depth', value: '3' }],
      tags: [{ key: 'doomed', value: 'yes' }],
    });
    await client.Runs.deleteTag({ run_id, key: 'doomed' });

    const { run: read } = await client.Runs.get({ run_id });
    expect(read.data.params).toEqual(
      expect.arrayContaining([
        { key: 'n_estimators', value: '100' },
        { key: 'max_depth', value: '3' },
      ]),
    );
    expect(read.data.metrics).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'acc', value: 0.9, step: 2 })]),
    );
    expect(read.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'vision' },
        { key: 'stage', value: 'train' },
      ]),
    );
    const { metrics } = await client.Metrics.getHistory({ run_id, metric_key: 'acc' });
    expect(metrics.map((metric: { value: number }) => metric.value)).toEqual([0.5, 0.7, 0.9]);

    const found = await client.Runs.search({
      experiment_ids: [experiment_id],
      filter: "metrics.acc > 0.8 and params.n_estimators = '100'",
      run_view_type: 'ACTIVE_ONLY' as ViewType,
    });
    expect(found.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run_id]);

    const ended = Date.now();
    const { run_info } = await client.Runs.update({
      run_id,
      status: 'FINISHED' as RunStatus,
      end_time: ended,
    });
    expect(run_info).toMatchObject({ status: 'FINISHED' as RunStatus, end_time: ended });
    await client.Runs.delete({ run_id });
    await client.Runs.restore({ run_id });

    // The same run through Cairn's own API.
    const inCairn = await tenant.call('POST', '/api/v1/runs/search', {
      body: { experimentIds: [experiment_id] },
    });
    expect(inCairn.body.runs).toMatchObject([
      { id: run_id, status: 'FINISHED', params: { n_estimators: '100', max_depth: '3' } },
    ]);
  });

  test("errors reach the client as MLflow's codes", async () => {
    const { client } = await connect();

    const missing = await failure(client.Runs.get({ run_id: 'f'.repeat(32) }));
    expect(missing).toMatchObject({ status: 404, data: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    await client.Experiments.create({ name: 'once', artifact_location: '' });
    const taken = await failure(client.Experiments.create({ name: 'once', artifact_location: '' }));
    expect(taken).toMatchObject({ status: 400, data: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    // The package builds this path without its slash (`experimentsset-experiment-tag`).
    const misspelled = await failure(
      client.Experiments.setExperimentTag({ experiment_id: '0', key: 'k', value: 'v' }),
    );
    expect(misspelled).toMatchObject({ status: 404, data: { error_code: 'ENDPOINT_NOT_FOUND' } });
  });
});
