import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, test } from 'vitest';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { api } from '../../test/support/http.ts';
import { mlflowClient } from '../../test/support/mlflow.ts';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';

/*
 * Before the edge refused them, a metric key with a lone surrogate became a name in the run item's
 * `latest` map (an update of `latest.<key>`). DynamoDB Local then fails every request that would
 * return that item, even a projected read or a delete, so the run, and every search page holding
 * it, answered 500 for good. Such items may already be in a local table. These tests write exactly
 * what that code wrote, straight into the table.
 */

/** Tenant A's experiment with `count` runs, one of them holding what the old code wrote. */
async function experimentWithUnreadableRun(tenant: TestTenant, count: number) {
  const experiment = (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'e' } })).body
    .experiment;
  const runIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = await tenant.call('POST', '/api/v1/runs', { body: { experimentId: experiment.id } });
    runIds.push(run.body.run.id);
    await tenant.call('POST', `/api/v1/runs/${run.body.run.id}/log`, {
      body: { metrics: [{ key: 'loss', value: i, step: 1 }] },
    });
  }
  const unreadable = runIds[Math.floor(count / 2)]!;
  const { name, doc } = table();
  await doc.send(
    new UpdateCommand({
      TableName: name,
      Key: keys.run(tenant.id, unreadable),
      UpdateExpression: 'SET #latest.#k = :v',
      ExpressionAttributeNames: { '#latest': 'latest', '#k': 'm\ud800' },
      ExpressionAttributeValues: { ':v': '100000000000000010000000000000001bff0000000000000' },
    }),
  );
  return {
    experimentId: experiment.id as string,
    readable: runIds.filter((id) => id !== unreadable),
    unreadable,
  };
}

describe('a run DynamoDB Local cannot return does not take its experiment down', () => {
  test('searches over its experiment answer with every other run, in both APIs, ordered and filtered', async () => {
    const tenant = await newTenant();
    const { experimentId, readable, unreadable } = await experimentWithUnreadableRun(tenant, 12);

    const ours = await tenant.call('POST', '/api/v1/runs/search', {
      body: { experimentIds: [experimentId], filter: 'metrics.loss >= 0', orderBy: ['metrics.loss'] },
    });
    const theirs = await mlflowClient(tenant.adminKey)('POST', 'runs/search', {
      experiment_ids: [experimentId],
    });

    expect(ours.status).toBe(200);
    expect(ours.body.runs.map((run: { id: string }) => run.id).sort()).toEqual([...readable].sort());
    expect(
      ours.body.runs.map((run: { metrics: { loss: { value: number } } }) => run.metrics.loss.value),
    ).toEqual(
      [...ours.body.runs.map((run: { metrics: { loss: { value: number } } }) => run.metrics.loss.value)].sort(
        (a, b) => a - b,
      ),
    );
    expect(theirs.status).toBe(200);
    expect(theirs.body.runs.map((run: { info: { run_id: string } }) => run.info.run_id)).not.toContain(
      unreadable,
    );
    expect(theirs.body.runs).toHaveLength(readable.length);
  });

  test('the other runs of the experiment read, update and log as before', async () => {
    const tenant = await newTenant();
    const { readable } = await experimentWithUnreadableRun(tenant, 3);

    for (const runId of readable) {
      expect((await tenant.call('GET', `/api/v1/runs/${runId}`)).status).toBe(200);
      expect(
        (await tenant.call('PATCH', `/api/v1/runs/${runId}`, { body: { status: 'FINISHED' } })).status,
      ).toBe(200);
    }
  });
});

describe('values stored with a lone surrogate are read as well-formed text', () => {
  test('a run, its params, tags and experiment written around the edge read, search and render as U+FFFD', async () => {
    const tenant = await newTenant();
    const experiment = (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'e' } })).body
      .experiment;
    const runId = (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: experiment.id } })).body
      .run.id;
    const { name, doc } = table();
    await doc.send(
      new UpdateCommand({
        TableName: name,
        Key: keys.run(tenant.id, runId),
        UpdateExpression: 'SET #name = :name, #data = :data',
        ExpressionAttributeNames: { '#name': 'name', '#data': 'data' },
        ExpressionAttributeValues: {
          ':name': 'run\ud800',
          ':data': JSON.stringify({ params: { 'p\udc00': 'v\ud800' }, tags: { t: 'x\udfff' } }),
        },
      }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: name,
        Key: keys.experiment(tenant.id, experiment.id),
        UpdateExpression: 'SET description = :d',
        ExpressionAttributeValues: { ':d': 'd\udbff' },
      }),
    );
    const reads = [
      ['GET', `/api/v1/runs/${runId}`, undefined],
      ['POST', '/api/v1/runs/search', { experimentIds: [experiment.id], orderBy: ['attributes.run_name'] }],
      ['GET', `/api/v1/experiments/${experiment.id}`, undefined],
      ['GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`, undefined],
    ] as const;

    for (const [method, path, body] of reads) {
      const answer = await api(method, path, { key: tenant.adminKey, ...(body ? { body } : {}) });
      expect(answer.status, path).toBe(200);
      const text = JSON.stringify(answer.body);
      expect(text.isWellFormed() && !/\\ud[89a-f]/i.test(text), path).toBe(true);
    }
    const run = (await tenant.call('GET', `/api/v1/runs/${runId}`)).body.run;
    expect(run.name).toBe('run\ufffd');
    expect(run.params).toEqual({ 'p\ufffd': 'v\ufffd' });
    expect(run.tags).toEqual({ t: 'x\ufffd' });
  });
});
