import { describe, expect, test } from 'vitest';
import { api } from '../../test/support/http.ts';
import { artifactRequest, mlflowClient } from '../../test/support/mlflow.ts';
import { newTenant } from '../../test/support/tenants.ts';

/*
 * The requests MLflow 3's Python client sends for the seed notebook cell, in order and with the
 * bodies it writes (`start_run`, `log_param`, `log_metric`, `mlflow.sklearn.log_model(clf,
 * name='model', input_example=X)`, leaving the `with` block), and the parts of each response the
 * client parses. If one of these changes shape, the stock client breaks.
 */

const runId = /^[0-9a-f]{32}$/;

/** What `mlflow.sklearn.log_model` writes: text files, a pickle (binary), and an empty file. */
const text = (value: string) => new TextEncoder().encode(value);
const modelFiles = [
  { name: 'MLmodel', bytes: text('artifact_path: model\nflavors:\n  sklearn: {}\n'), contentType: undefined },
  {
    name: 'model.pkl',
    bytes: Uint8Array.from({ length: 4096 }, (_, i) => (i * 131) % 256),
    contentType: 'application/octet-stream',
  },
  { name: 'conda.yaml', bytes: text('name: mlflow-env\n'), contentType: 'application/x-yaml' },
  { name: 'requirements.txt', bytes: text('mlflow==3.1.0\nscikit-learn\n'), contentType: 'text/plain' },
  {
    name: 'input_example.json',
    bytes: text('{"columns": ["x"], "data": [[1.5]]}'),
    contentType: 'application/json',
  },
  { name: 'empty.txt', bytes: new Uint8Array(), contentType: 'text/plain' },
];

describe('the seed notebook cell, as MLflow 3 sends it', () => {
  test('start_run, log_param, log_metric, log_model and end_run all succeed and read back', async () => {
    const tenant = await newTenant('mlflow');
    const mlflow = mlflowClient(tenant.adminKey);
    const started = Date.now();
    const contextTags = [
      { key: 'mlflow.user', value: 'alice' },
      { key: 'mlflow.source.name', value: '/usr/lib/python3/site-packages/ipykernel_launcher.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
    ];

    // 1. with mlflow.start_run(): the default experiment "0", no run name.
    const created = await mlflow('POST', 'runs/create', {
      experiment_id: '0',
      user_id: 'alice',
      start_time: started,
      tags: contextTags,
    });
    expect(created.status).toBe(200);
    const run = created.body.run;
    const R: string = run.info.run_id;
    expect(run.info).toMatchObject({
      run_id: expect.stringMatching(runId),
      run_uuid: R,
      experiment_id: '0',
      status: 'RUNNING',
      start_time: started,
      lifecycle_stage: 'active',
      artifact_uri: `mlflow-artifacts:/0/${R}/artifacts`,
      run_name: expect.stringMatching(/^[a-z]+-[a-z]+-\d+$/),
    });
    expect(run.info.end_time).toBeUndefined();
    expect(run.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'mlflow.runName', value: run.info.run_name },
        { key: 'mlflow.source.type', value: 'LOCAL' },
        // Whoever holds the API key, not what the notebook claims.
        { key: 'mlflow.user', value: 'admin' },
      ]),
    );
    expect(run.inputs).toEqual({ dataset_inputs: [], model_inputs: [] });
    expect(run.outputs).toEqual({ model_outputs: [] });

    // 2. mlflow.log_param('n_estimators', 100)
    const param = await mlflow('POST', 'runs/log-parameter', {
      run_id: R,
      run_uuid: R,
      key: 'n_estimators',
      value: '100',
    });
    expect(param).toMatchObject({ status: 200, body: {} });

    // 3. mlflow.log_metric('accuracy', acc): two reads of the run's inputs and outputs, then the metric.
    for (let read = 0; read < 2; read++) {
      const got = await mlflow('GET', 'runs/get', { run_uuid: R, run_id: R });
      expect(got.status).toBe(200);
      expect(got.body.run.outputs.model_outputs).toEqual([]);
      expect(got.body.run.inputs.dataset_inputs).toEqual([]);
    }
    const loggedAt = Date.now();
    const metric = await mlflow('POST', 'runs/log-metric', {
      run_id: R,
      run_uuid: R,
      key: 'accuracy',
      value: 0.93,
      timestamp: loggedAt,
      step: 0,
    });
    expect(metric).toMatchObject({ status: 200, body: {} });

    // 4a. log_model reads the run's params to copy them onto the model.
    const beforeModel = await mlflow('GET', 'runs/get', { run_uuid: R, run_id: R });
    expect(beforeModel.body.run.data.params).toEqual([{ key: 'n_estimators', value: '100' }]);
    expect(beforeModel.body.run.data.metrics).toEqual([
      { key: 'accuracy', value: 0.93, timestamp: loggedAt, step: 0 },
    ]);

    // 4b. the logged model.
    const model = await mlflow('POST', 'logged-models', {
      experiment_id: '0',
      name: 'model',
      source_run_id: R,
      params: [{ key: 'n_estimators', value: '100' }],
      tags: contextTags,
    });
    expect(model.status).toBe(200);
    const M: string = model.body.model.info.model_id;
    expect(model.body.model.info).toMatchObject({
      model_id: expect.stringMatching(/^m-[0-9a-f]{32}$/),
      experiment_id: '0',
      name: 'model',
      source_run_id: R,
      status: 'LOGGED_MODEL_PENDING',
      artifact_uri: `mlflow-artifacts:/0/models/${M}/artifacts`,
      creation_timestamp_ms: expect.any(Number),
    });
    expect(model.body.model.data.params).toEqual([{ key: 'n_estimators', value: '100' }]);

    // 4c. the run records the model as its output at step 0.
    const outputs = await mlflow('POST', 'runs/outputs', { run_id: R, models: [{ model_id: M, step: 0 }] });
    expect(outputs).toMatchObject({ status: 200, body: {} });

    // 4d. log_model_metrics_for_step: the run, each metric's history, then the metrics again with the model id.
    const withOutput = await mlflow('GET', 'runs/get', { run_uuid: R, run_id: R });
    expect(withOutput.body.run.outputs.model_outputs).toEqual([{ model_id: M, step: 0 }]);
    const history = await mlflow('GET', 'metrics/get-history', {
      run_uuid: R,
      run_id: R,
      metric_key: 'accuracy',
      max_results: 25000,
    });
    expect(history.status).toBe(200);
    expect(history.body).toEqual({
      metrics: [{ key: 'accuracy', value: 0.93, timestamp: loggedAt, step: 0 }],
    });
    const batch = await mlflow('POST', 'runs/log-batch', {
      run_id: R,
      metrics: [{ key: 'accuracy', value: 0.93, timestamp: loggedAt, step: 0, model_id: M, run_id: R }],
    });
    expect(batch).toMatchObject({ status: 200, body: {} });

    // 4f. log_model_artifacts reads the model for its artifact location, then PUTs each file to the proxy.
    const forUpload = await mlflow('GET', `logged-models/${M}`);
    expect(forUpload.status).toBe(200);
    expect(forUpload.body.model.info.artifact_uri).toBe(`mlflow-artifacts:/0/models/${M}/artifacts`);
    expect(forUpload.body.model.data.metrics).toEqual([
      { key: 'accuracy', value: 0.93, timestamp: loggedAt, step: 0, model_id: M, run_id: R },
    ]);
    for (const file of modelFiles) {
      const put = await artifactRequest(tenant.adminKey, 'PUT', `0/models/${M}/artifacts/${file.name}`, file);
      expect(put.status, file.name).toBe(200);
      expect(await put.json()).toEqual({});
    }

    // 4g. leaving _use_logged_model finalizes it.
    const finalized = await mlflow('PATCH', `logged-models/${M}`, {
      model_id: M,
      status: 'LOGGED_MODEL_READY',
    });
    expect(finalized.status).toBe(200);
    expect(finalized.body.model.info.status).toBe('LOGGED_MODEL_READY');

    // 5. end_run: the run (for the "View run" link), then FINISHED.
    expect((await mlflow('GET', 'runs/get', { run_uuid: R, run_id: R })).status).toBe(200);
    const ended = Date.now();
    const update = await mlflow('POST', 'runs/update', {
      run_id: R,
      run_uuid: R,
      status: 'FINISHED',
      end_time: ended,
    });
    expect(update.status).toBe(200);
    expect(update.body.run_info).toMatchObject({ run_id: R, status: 'FINISHED', end_time: ended });

    // What Cairn's own API shows of it: the param, the metric once (the re-log is the model's), the model.
    const inCairn = (await tenant.call('GET', `/api/v1/runs/${R}`)).body.run;
    expect(inCairn).toMatchObject({
      status: 'FINISHED',
      endTime: ended,
      params: { n_estimators: '100' },
      metrics: { accuracy: { value: 0.93, step: 0, timestamp: loggedAt } },
      outputs: { models: [{ modelId: M, step: 0 }] },
    });
    const cairnHistory = await tenant.call('GET', `/api/v1/runs/${R}/metric-history?key=accuracy`);
    expect(cairnHistory.body.points).toEqual([{ step: 0, timestamp: loggedAt, value: 0.93 }]);
    // The model's files, in the run's artifact tree.
    const files = await tenant.call(
      'GET',
      `/api/v1/runs/${R}/artifacts?path=${encodeURIComponent(`models/${M}`)}`,
    );
    expect(files.body.entries.map((entry: { path: string }) => entry.path).sort()).toEqual(
      modelFiles.map((file) => `models/${M}/${file.name}`).sort(),
    );

    // mlflow.pyfunc.load_model('models:/M'): the model, the listing of its files, then each file.
    const listed = await mlflow('GET', `logged-models/${M}`);
    const listing = await api('GET', `/api/2.0/mlflow-artifacts/artifacts?path=0/models/${M}/artifacts`, {
      key: tenant.adminKey,
    });
    expect(listed.status).toBe(200);
    expect(listing.body.files).toEqual(
      expect.arrayContaining(
        modelFiles.map((file) => ({ path: file.name, is_dir: false, file_size: file.bytes.length })),
      ),
    );
    for (const file of modelFiles) {
      const got = await artifactRequest(tenant.adminKey, 'GET', `0/models/${M}/artifacts/${file.name}`);
      expect(got.status, file.name).toBe(307);
      const download = await fetch(got.headers.get('location')!);
      expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(file.bytes)), file.name).toBe(true);
    }
  });

  test('MLflow 2.x: log-model appends the model to the run tag mlflow.log-model.history', async () => {
    const tenant = await newTenant('mlflow');
    const mlflow = mlflowClient(tenant.adminKey);
    const R = (await mlflow('POST', 'runs/create', { experiment_id: '0', start_time: Date.now(), tags: [] }))
      .body.run.info.run_id;
    const modelJson = (path: string) =>
      JSON.stringify({ run_id: R, artifact_path: path, flavors: { sklearn: {} }, utc_time_created: 'now' });

    for (const path of ['model', 'model2']) {
      const logged = await mlflow('POST', 'runs/log-model', { run_id: R, model_json: modelJson(path) });
      expect(logged).toMatchObject({ status: 200, body: {} });
    }

    const tags = (await mlflow('GET', 'runs/get', { run_id: R })).body.run.data.tags;
    const history = tags.find((tag: { key: string }) => tag.key === 'mlflow.log-model.history');
    expect(JSON.parse(history.value).map((model: { artifact_path: string }) => model.artifact_path)).toEqual([
      'model',
      'model2',
    ]);
  });

  test('set_experiment: get-by-name misses, create, then get by id', async () => {
    const tenant = await newTenant('mlflow');
    const mlflow = mlflowClient(tenant.adminKey);

    const missing = await mlflow('GET', 'experiments/get-by-name', { experiment_name: 'iris' });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');

    const created = await mlflow('POST', 'experiments/create', { name: 'iris' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ experiment_id: expect.stringMatching(/^\d+$/) });

    const got = await mlflow('GET', 'experiments/get', { experiment_id: created.body.experiment_id });
    expect(got.body.experiment).toMatchObject({
      experiment_id: created.body.experiment_id,
      name: 'iris',
      lifecycle_stage: 'active',
      artifact_location: `mlflow-artifacts:/${created.body.experiment_id}`,
      tags: [],
    });
  });
});

describe('the model registry, as MLflow clients call it', () => {
  /** A run with a logged model whose files went through the artifact proxy, as in the seed cell. */
  async function loggedModel() {
    const tenant = await newTenant('mlreg');
    const mlflow = mlflowClient(tenant.adminKey);
    const R: string = (await mlflow('POST', 'runs/create', { experiment_id: '0', start_time: Date.now() }))
      .body.run.info.run_id;
    const M: string = (
      await mlflow('POST', 'logged-models', { experiment_id: '0', name: 'model', source_run_id: R })
    ).body.model.info.model_id;
    for (const file of modelFiles.slice(0, 2)) {
      await artifactRequest(tenant.adminKey, 'PUT', `0/models/${M}/artifacts/${file.name}`, file);
    }
    await mlflow('PATCH', `logged-models/${M}`, { model_id: M, status: 'LOGGED_MODEL_READY' });
    return { tenant, mlflow, R, M };
  }

  test('register_model("models:/M"), then aliases set, resolved, loaded and deleted (MLflow 3)', async () => {
    const { tenant, mlflow, R, M } = await loggedModel();
    const name = 'iris-classifier';

    // mlflow.register_model(model_info.model_uri, name)
    const created = await mlflow('POST', 'registered-models/create', { name });
    expect(created.status).toBe(200);
    expect(created.body.registered_model).toMatchObject({ name, latest_versions: [], aliases: [] });
    const version = await mlflow('POST', 'model-versions/create', {
      name,
      source: `models:/${M}`,
      run_id: R,
      model_id: M,
    });
    expect(version.status).toBe(200);
    expect(version.body.model_version).toMatchObject({
      name,
      version: '1',
      status: 'READY',
      current_stage: 'None',
      source: `models:/${M}`,
      run_id: R,
      model_id: M,
    });
    expect((await mlflow('GET', `logged-models/${M}`)).status).toBe(200);
    const tagged = await mlflow('PATCH', `logged-models/${M}/tags`, {
      tags: [{ key: 'mlflow.modelVersions', value: `[{"name": "${name}", "version": "1"}]` }],
    });
    expect(tagged.status).toBe(200);
    // A second register_model of the same name tolerates exactly this answer.
    const again = await mlflow('POST', 'registered-models/create', { name });
    expect(again).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });

    // MlflowClient().set_registered_model_alias(name, 'champion', 1)
    const alias = await mlflow('POST', 'registered-models/alias', { name, alias: 'champion', version: '1' });
    expect(alias).toMatchObject({ status: 200, body: {} });
    const byAlias = await mlflow('GET', 'registered-models/alias', { name, alias: 'champion' });
    expect(byAlias.body.model_version).toMatchObject({ version: '1', aliases: ['champion'] });
    const model = await mlflow('GET', 'registered-models/get', { name });
    expect(model.body.registered_model).toMatchObject({
      aliases: [{ alias: 'champion', version: '1' }],
      latest_versions: [{ version: '1', current_stage: 'None' }],
    });

    // mlflow.pyfunc.load_model(f'models:/{name}@champion')
    const uri = await mlflow('GET', 'model-versions/get-download-uri', { name, version: '1' });
    expect(uri.body).toEqual({ artifact_uri: `mlflow-artifacts:/0/${R}/artifacts/models/${M}` });
    const listing = await api(
      'GET',
      `/api/2.0/mlflow-artifacts/artifacts?path=0/${R}/artifacts/models/${M}`,
      {
        key: tenant.adminKey,
      },
    );
    expect(listing.body.files.map((file: { path: string }) => file.path).sort()).toEqual([
      'MLmodel',
      'model.pkl',
    ]);
    const pickle = await artifactRequest(tenant.adminKey, 'GET', `0/${R}/artifacts/models/${M}/model.pkl`);
    expect(pickle.status).toBe(307);
    const bytes = Buffer.from(await (await fetch(pickle.headers.get('location')!)).arrayBuffer());
    expect(bytes.equals(Buffer.from(modelFiles[1]!.bytes))).toBe(true);

    // The same model through Cairn's registry: the version is the run's files, the alias is the same.
    const inCairn = await tenant.call('GET', `/api/v1/models/${name}/versions/1`);
    expect(inCairn.body.version).toMatchObject({
      runId: R,
      artifactPath: `models/${M}`,
      aliases: ['champion'],
    });

    // MlflowClient().delete_registered_model_alias(name, 'champion'): a JSON body on DELETE.
    const removed = await mlflow('DELETE', 'registered-models/alias', { name, alias: 'champion' });
    expect(removed).toMatchObject({ status: 200, body: {} });
    const gone = await mlflow('GET', 'registered-models/alias', { name, alias: 'champion' });
    expect(gone).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  test('MLflow 2.x: register from the run artifact URI, stages, latest versions, search, tags, delete', async () => {
    const tenant = await newTenant('mlreg');
    const mlflow = mlflowClient(tenant.adminKey);
    const R: string = (await mlflow('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
    for (const file of modelFiles.slice(0, 2)) {
      await artifactRequest(tenant.adminKey, 'PUT', `0/${R}/artifacts/model/${file.name}`, file);
    }
    const name = 'fraud';
    await mlflow('POST', 'registered-models/create', { name, tags: [{ key: 'team', value: 'risk' }] });
    for (let twice = 0; twice < 2; twice++) {
      const created = await mlflow('POST', 'model-versions/create', {
        name,
        source: `mlflow-artifacts:/0/${R}/artifacts/model`,
        run_id: R,
      });
      expect(created.body.model_version.version).toBe(String(twice + 1));
    }

    const staged = await mlflow('POST', 'model-versions/transition-stage', {
      name,
      version: '1',
      stage: 'production',
      archive_existing_versions: false,
    });
    expect(staged.body.model_version.current_stage).toBe('Production');
    const latest = await mlflow('POST', 'registered-models/get-latest-versions', {
      name,
      stages: ['Production'],
    });
    expect(latest.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    const latestGet = await mlflow('GET', 'registered-models/get-latest-versions', { name });
    expect(latestGet.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['1', '2']);

    const byRun = await mlflow('GET', 'model-versions/search', {
      filter: `run_id = '${R}'`,
      max_results: 200000,
    });
    expect(byRun.body.model_versions).toHaveLength(2);
    const models = await mlflow('GET', 'registered-models/search', { filter: "name LIKE 'fr%'" });
    expect(models.body.registered_models).toMatchObject([{ name, tags: [{ key: 'team', value: 'risk' }] }]);

    await mlflow('POST', 'model-versions/set-tag', { name, version: '2', key: 'validated', value: 'yes' });
    await mlflow('PATCH', 'model-versions/update', { name, version: '2', description: 'second' });
    const second = await mlflow('GET', 'model-versions/get', { name, version: '2' });
    expect(second.body.model_version).toMatchObject({
      description: 'second',
      tags: [{ key: 'validated', value: 'yes' }],
      source: `mlflow-artifacts:/0/${R}/artifacts/model`,
    });
    await mlflow('DELETE', 'model-versions/delete-tag', { name, version: '2', key: 'validated' });
    expect((await mlflow('DELETE', 'model-versions/delete', { name, version: '2' })).status).toBe(200);
    expect((await mlflow('GET', 'model-versions/get', { name, version: '2' })).body.error_code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );

    await mlflow('POST', 'registered-models/rename', { name, new_name: 'fraud-v2' });
    await mlflow('PATCH', 'registered-models/update', { name: 'fraud-v2', description: 'renamed' });
    await mlflow('DELETE', 'registered-models/delete-tag', { name: 'fraud-v2', key: 'team' });
    const renamed = await mlflow('GET', 'registered-models/get', { name: 'fraud-v2' });
    expect(renamed.body.registered_model).toMatchObject({
      name: 'fraud-v2',
      description: 'renamed',
      tags: [],
    });
    expect((await mlflow('DELETE', 'registered-models/delete', { name: 'fraud-v2' })).status).toBe(200);
    expect((await mlflow('GET', 'registered-models/get', { name: 'fraud-v2' })).status).toBe(404);
  });
});
