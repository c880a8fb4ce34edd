import { describe, expect, test } from 'vitest';
import { api } from '../../test/support/http.ts';
import { mlflowClient } from '../../test/support/mlflow.ts';
import { newTenant } from '../../test/support/tenants.ts';

async function newMlflow() {
  const tenant = await newTenant('mlflow');
  return { tenant, mlflow: mlflowClient(tenant.adminKey) };
}

const tagValue = (tags: { key: string; value: string }[], key: string) =>
  tags.find((tag) => tag.key === key)?.value;

describe('MLflow experiments', () => {
  test('every tenant has experiment "0", Default, with a proxied artifact location', async () => {
    const { mlflow } = await newMlflow();
    const { body } = await mlflow('GET', 'experiments/get', { experiment_id: '0' });
    expect(body.experiment).toMatchObject({
      experiment_id: '0',
      name: 'Default',
      artifact_location: 'mlflow-artifacts:/0',
      lifecycle_stage: 'active',
    });
  });

  test('create with tags and a description, rename, tag, untag, delete and restore', async () => {
    const { tenant, mlflow } = await newMlflow();
    const created = await mlflow('POST', 'experiments/create', {
      name: 'iris',
      artifact_location: 's3://elsewhere/ignored',
      tags: [
        { key: 'team', value: 'vision' },
        { key: 'mlflow.note.content', value: 'Flowers' },
      ],
    });
    const id = created.body.experiment_id;
    const read = async () => (await mlflow('GET', 'experiments/get', { experiment_id: id })).body.experiment;
    expect(await read()).toMatchObject({ artifact_location: `mlflow-artifacts:/${id}` });
    expect((await tenant.call('GET', `/api/v1/experiments/${id}`)).body.experiment).toMatchObject({
      description: 'Flowers',
      tags: { team: 'vision' },
    });

    await mlflow('POST', 'experiments/update', { experiment_id: id, new_name: 'irises' });
    await mlflow('POST', 'experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value: 'dev' });
    await mlflow('POST', 'experiments/delete-experiment-tag', { experiment_id: id, key: 'team' });
    const missingTag = await mlflow('POST', 'experiments/delete-experiment-tag', {
      experiment_id: id,
      key: 'team',
    });
    expect(missingTag.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const updated = await read();
    expect(updated.name).toBe('irises');
    expect(updated.tags).toEqual(
      expect.arrayContaining([
        { key: 'stage', value: 'dev' },
        { key: 'mlflow.note.content', value: 'Flowers' },
      ]),
    );
    expect(tagValue(updated.tags, 'team')).toBeUndefined();

    await mlflow('POST', 'experiments/delete', { experiment_id: id });
    expect((await read()).lifecycle_stage).toBe('deleted');
    const byName = await mlflow('GET', 'experiments/get-by-name', { experiment_name: 'irises' });
    expect(byName.body.experiment.lifecycle_stage).toBe('deleted');
    await mlflow('POST', 'experiments/restore', { experiment_id: id });
    expect((await read()).lifecycle_stage).toBe('active');
  });

  test('search by POST and by GET: filter, order, view type and page tokens', async () => {
    const { mlflow } = await newMlflow();
    for (const name of ['a-1', 'a-2', 'a-3', 'b-1']) await mlflow('POST', 'experiments/create', { name });
    const doomed = (await mlflow('GET', 'experiments/get-by-name', { experiment_name: 'b-1' })).body
      .experiment;
    await mlflow('POST', 'experiments/delete', { experiment_id: doomed.experiment_id });

    const first = await mlflow('POST', 'experiments/search', {
      filter: "name LIKE 'a-%'",
      order_by: ['name DESC'],
      max_results: 2,
    });
    expect(first.body.experiments.map((e: { name: string }) => e.name)).toEqual(['a-3', 'a-2']);
    const second = await mlflow('GET', 'experiments/search', {
      filter: "name LIKE 'a-%'",
      order_by: 'name DESC',
      max_results: '2',
      page_token: first.body.next_page_token,
    });
    expect(second.body.experiments.map((e: { name: string }) => e.name)).toEqual(['a-1']);
    expect(second.body.next_page_token).toBeUndefined();

    const deleted = await mlflow('POST', 'experiments/search', { view_type: 'DELETED_ONLY' });
    expect(deleted.body.experiments.map((e: { name: string }) => e.name)).toEqual(['b-1']);
    const all = await mlflow('GET', 'experiments/search', { view_type: '3' });
    expect(all.body.experiments).toHaveLength(5);
    // MLflow 1.x's list, which older clients call.
    expect((await mlflow('GET', 'experiments/list', {})).body.experiments).toHaveLength(4);
  });
});

describe('MLflow runs', () => {
  test('the run name and the mlflow.runName tag are one: set either, read both', async () => {
    const { tenant, mlflow } = await newMlflow();
    const run = (
      await mlflow('POST', 'runs/create', {
        experiment_id: '0',
        tags: [{ key: 'mlflow.runName', value: 'first' }],
      })
    ).body.run;
    const R = run.info.run_id;
    expect(run.info.run_name).toBe('first');

    await mlflow('POST', 'runs/set-tag', { run_id: R, key: 'mlflow.runName', value: 'second' });
    let got = (await mlflow('GET', 'runs/get', { run_id: R })).body.run;
    expect(got.info.run_name).toBe('second');
    expect(tagValue(got.data.tags, 'mlflow.runName')).toBe('second');

    await mlflow('POST', 'runs/update', { run_id: R, run_name: 'third' });
    got = (await mlflow('GET', 'runs/get', { run_id: R })).body.run;
    expect(tagValue(got.data.tags, 'mlflow.runName')).toBe('third');
    expect((await tenant.call('GET', `/api/v1/runs/${R}`)).body.run.name).toBe('third');

    const conflicting = await mlflow('POST', 'runs/create', {
      experiment_id: '0',
      run_name: 'a',
      tags: [{ key: 'mlflow.runName', value: 'b' }],
    });
    expect(conflicting.body.error_code).toBe('INVALID_PARAMETER_VALUE');

    const searched = await mlflow('POST', 'runs/search', {
      experiment_ids: ['0'],
      filter: "tags.mlflow.runName = 'third'",
    });
    expect(searched.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([R]);
  });

  test('a nested run names its parent through mlflow.parentRunId', async () => {
    const { tenant, mlflow } = await newMlflow();
    const parent = (await mlflow('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
    const child = (
      await mlflow('POST', 'runs/create', {
        experiment_id: '0',
        tags: [{ key: 'mlflow.parentRunId', value: parent }],
      })
    ).body.run;
    expect(tagValue(child.data.tags, 'mlflow.parentRunId')).toBe(parent);
    expect((await tenant.call('GET', `/api/v1/runs/${child.info.run_id}`)).body.run.parentRunId).toBe(parent);

    const children = await mlflow('POST', 'runs/search', {
      experiment_ids: ['0'],
      filter: `tags.mlflow.parentRunId = '${parent}'`,
    });
    expect(children.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([
      child.info.run_id,
    ]);
  });

  test('log-batch: latest metric per key, NaN and infinities as strings, int64 as strings', async () => {
    const { mlflow } = await newMlflow();
    const R = (await mlflow('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
    const logged = await mlflow('POST', 'runs/log-batch', {
      run_id: R,
      metrics: [
        { key: 'loss', value: 0.9, timestamp: '1000', step: '0' },
        { key: 'loss', value: 'NaN', timestamp: 1001, step: 1 },
        { key: 'loss', value: 0.5, timestamp: 1002, step: 2 },
        { key: 'peak', value: 'Infinity', timestamp: 1000, step: 0 },
      ],
      params: [{ key: 'lr', value: '0.01' }],
      tags: [{ key: 'team', value: 'vision' }],
    });
    expect(logged.status).toBe(200);

    const run = (await mlflow('GET', 'runs/get', { run_id: R })).body.run;
    expect(run.data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'loss', value: 0.5, timestamp: 1002, step: 2 },
        { key: 'peak', value: 'Infinity', timestamp: 1000, step: 0 },
      ]),
    );
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.01' }]);
    const history = await mlflow('GET', 'metrics/get-history', { run_id: R, metric_key: 'loss' });
    expect(history.body.metrics.map((m: { value: unknown }) => m.value)).toEqual([0.9, 'NaN', 0.5]);

    const page = await mlflow('GET', 'metrics/get-history', {
      run_id: R,
      metric_key: 'loss',
      max_results: 2,
    });
    expect(page.body.metrics).toHaveLength(2);
    const rest = await mlflow('GET', 'metrics/get-history', {
      run_id: R,
      metric_key: 'loss',
      max_results: 2,
      page_token: page.body.next_page_token,
    });
    expect(rest.body.metrics.map((m: { step: number }) => m.step)).toEqual([2]);
  });

  test('search: filter, order_by, view type as a number, and pages', async () => {
    const { mlflow } = await newMlflow();
    const ids: string[] = [];
    for (const [index, acc] of [0.7, 0.9, 0.8].entries()) {
      const R = (await mlflow('POST', 'runs/create', { experiment_id: '0', start_time: 1000 + index })).body
        .run.info.run_id;
      await mlflow('POST', 'runs/log-metric', { run_id: R, key: 'acc', value: acc, timestamp: 1, step: 0 });
      ids.push(R);
    }
    await mlflow('POST', 'runs/delete', { run_id: ids[0] });

    const active = await mlflow('POST', 'runs/search', {
      experiment_ids: ['0'],
      filter: 'metrics.acc > 0.75',
      order_by: ['metrics.acc ASC'],
      max_results: 1,
    });
    expect(active.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([ids[2]]);
    const next = await mlflow('POST', 'runs/search', {
      experiment_ids: ['0'],
      filter: 'metrics.acc > 0.75',
      order_by: ['metrics.acc ASC'],
      max_results: 1,
      page_token: active.body.next_page_token,
    });
    expect(next.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([ids[1]]);
    expect(next.body.next_page_token).toBeUndefined();

    const everything = await mlflow('POST', 'runs/search', { experiment_ids: ['0'], run_view_type: 3 });
    expect(everything.body.runs).toHaveLength(3);
    // Newest start first, MLflow's default order.
    expect(everything.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual(
      [...ids].reverse(),
    );
    const deleted = await mlflow('POST', 'runs/search', {
      experiment_ids: ['0'],
      run_view_type: 'DELETED_ONLY',
    });
    expect(deleted.body.runs[0].info).toMatchObject({ run_id: ids[0], lifecycle_stage: 'deleted' });
  });

  test('log-inputs records datasets once, and search filters on them', async () => {
    const { tenant, mlflow } = await newMlflow();
    const R = (await mlflow('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
    const input = {
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: {
        name: 'iris',
        digest: 'abc123',
        source_type: 'local',
        source: '{"uri": "data/iris.csv"}',
        schema: '{"mlflow_colspec": []}',
        profile: '{"num_rows": 150}',
      },
    };
    for (let twice = 0; twice < 2; twice++) {
      expect((await mlflow('POST', 'runs/log-inputs', { run_id: R, datasets: [input] })).status).toBe(200);
    }

    const run = (await mlflow('GET', 'runs/get', { run_id: R })).body.run;
    expect(run.inputs).toEqual({ dataset_inputs: [input], model_inputs: [] });
    const found = await mlflow('POST', 'runs/search', {
      experiment_ids: ['0'],
      filter: "dataset.name = 'iris' AND dataset.context = 'training'",
    });
    expect(found.body.runs).toHaveLength(1);
    expect((await tenant.call('GET', `/api/v1/runs/${R}`)).body.run.inputs.datasets[0]).toMatchObject({
      name: 'iris',
      digest: 'abc123',
      tags: { 'mlflow.data.context': 'training' },
    });
  });

  test('delete-tag, restore, and bulk metric histories', async () => {
    const { mlflow } = await newMlflow();
    const runs: string[] = [];
    for (let index = 0; index < 2; index++) {
      const R = (await mlflow('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
      await mlflow('POST', 'runs/log-batch', {
        run_id: R,
        metrics: Array.from({ length: 5 }, (_, step) => ({ key: 'loss', value: step, timestamp: 1, step })),
        tags: [{ key: 'doomed', value: 'yes' }],
      });
      runs.push(R);
    }
    const [R] = runs as [string];
    expect((await mlflow('POST', 'runs/delete-tag', { run_id: R, key: 'doomed' })).status).toBe(200);
    expect((await mlflow('POST', 'runs/delete-tag', { run_id: R, key: 'doomed' })).body.error_code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );
    await mlflow('POST', 'runs/delete', { run_id: R });
    await mlflow('POST', 'runs/restore', { run_id: R });
    expect((await mlflow('GET', 'runs/get', { run_id: R })).body.run.info.lifecycle_stage).toBe('active');

    const bulk = await mlflow('GET', 'metrics/get-history-bulk-interval', {
      run_ids: runs,
      metric_key: 'loss',
      start_step: 1,
      end_step: 3,
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.metrics).toHaveLength(6);
    expect(bulk.body.metrics[0]).toEqual({ key: 'loss', value: 1, timestamp: 1, step: 1, run_id: R });
  });
});

describe('MLflow 3 logged models', () => {
  test('search by name and metric, tags, params, and delete', async () => {
    const { mlflow } = await newMlflow();
    const R = (await mlflow('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
    const models: string[] = [];
    for (const [name, acc] of [
      ['model', 0.8],
      ['model', 0.9],
      ['other', 0.95],
    ] as const) {
      const M = (await mlflow('POST', 'logged-models', { experiment_id: '0', name, source_run_id: R })).body
        .model.info.model_id;
      await mlflow('POST', 'runs/log-metric', {
        run_id: R,
        key: 'acc',
        value: acc,
        timestamp: 1,
        step: 0,
        model_id: M,
      });
      models.push(M);
    }

    // What `register_model('runs:/R/model')` sends to find the model a run logged under that name.
    const byName = await mlflow('POST', 'logged-models/search', {
      experiment_ids: ['0'],
      filter: "name = 'model'",
    });
    expect(byName.body.models.map((m: { info: { model_id: string } }) => m.info.model_id)).toEqual([
      models[1],
      models[0],
    ]);
    const best = await mlflow('POST', 'logged-models/search', {
      experiment_ids: ['0'],
      filter: 'metrics.acc >= 0.9',
      order_by: [{ field_name: 'metrics.acc', ascending: false }],
      max_results: 1,
    });
    expect(best.body.models[0].info.model_id).toBe(models[2]);
    expect(best.body.next_page_token).toEqual(expect.any(String));

    const [M] = models as [string];
    await mlflow('PATCH', `logged-models/${M}/tags`, {
      tags: [{ key: 'mlflow.modelVersions', value: '[{"name": "iris", "version": "1"}]' }],
    });
    await mlflow('POST', `logged-models/${M}/params`, {
      model_id: M,
      params: [{ key: 'depth', value: '3' }],
    });
    const got = (await mlflow('GET', `logged-models/${M}`)).body.model;
    expect(got.info.tags).toEqual([
      { key: 'mlflow.modelVersions', value: '[{"name": "iris", "version": "1"}]' },
    ]);
    expect(got.data.params).toEqual([{ key: 'depth', value: '3' }]);
    expect((await mlflow('DELETE', `logged-models/${M}/tags/mlflow.modelVersions`)).status).toBe(200);
    expect((await mlflow('DELETE', `logged-models/${M}/tags/mlflow.modelVersions`)).body.error_code).toBe(
      'RESOURCE_DOES_NOT_EXIST',
    );

    expect((await mlflow('DELETE', `logged-models/${M}`, { model_id: M })).status).toBe(200);
    expect((await mlflow('GET', `logged-models/${M}`)).body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  test('a DELETE carries its JSON body, as the registry client sends it', async () => {
    const { tenant } = await newMlflow();
    const mlflow = mlflowClient(tenant.adminKey);
    const M = (await mlflow('POST', 'logged-models', { experiment_id: '0' })).body.model.info.model_id;
    const answer = await api('DELETE', `/api/2.0/mlflow/logged-models/${M}`, {
      key: tenant.adminKey,
      body: { model_id: M },
    });
    expect(answer).toMatchObject({ status: 200, body: {} });
  });
});
