import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Experiments from '#functions/experiments/store.ts';
import { handler as mlflowHandler } from '#functions/mlflow/lambda.ts';
import type { AuthorizedEvent } from '#http/caller.ts';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { ensureTable } from '../../infra/local/provision.ts';
import { searchRuns } from './search.ts';
import * as Runs from './store.ts';

/*
 * Before the edge refused them, a metric key with a lone surrogate became a name in the run item's
 * `latest` map (an update of `latest.<key>`). DynamoDB Local then fails every request that would
 * return that item, even a projected read or a delete, so the run, and every search page holding
 * it, answered 500 for good. Such items may already be in a local table. These tests write exactly
 * what that code wrote, straight into a table: a table of their own, created here and dropped after,
 * since nothing can remove such an item, and the suite's shared table is scanned by other tests.
 */

const scratchTable = `cairn-unreadable-${randomBytes(4).toString('hex')}`;
let sharedTable: string | undefined;

beforeAll(async () => {
  await ensureTable(new DynamoDBClient({}), scratchTable);
  // `table()` reads the name on first use, which in this file (its own process) comes after this.
  sharedTable = process.env.CAIRN_TABLE;
  process.env.CAIRN_TABLE = scratchTable;
});

afterAll(async () => {
  process.env.CAIRN_TABLE = sharedTable;
  await new DynamoDBClient({}).send(new DeleteTableCommand({ TableName: scratchTable }));
});

const actor = { keyId: 'k1', name: 'tester', role: 'admin' } as const;

/** An experiment with `count` runs in the scratch table, one of them holding what the old code wrote. */
async function experimentWithUnreadableRun(count: number) {
  const tenantId = `unreadable-${randomBytes(4).toString('hex')}`;
  const experiment = await Experiments.createExperiment(tenantId, { name: 'e' });
  const runIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = await Runs.createRun(tenantId, { experimentId: experiment.id }, actor.name);
    await Runs.logBatch(
      tenantId,
      run.id,
      { metrics: [{ key: 'loss', value: i, step: 1 }], params: [], tags: [] },
      Date.now(),
    );
    runIds.push(run.id);
  }
  const unreadable = runIds[Math.floor(count / 2)]!;
  const { name, doc } = table();
  await doc.send(
    new UpdateCommand({
      TableName: name,
      Key: keys.run(tenantId, unreadable),
      UpdateExpression: 'SET #latest.#k = :v',
      ExpressionAttributeNames: { '#latest': 'latest', '#k': 'm\ud800' },
      ExpressionAttributeValues: { ':v': '100000000000000010000000000000001bff0000000000000' },
    }),
  );
  return {
    tenantId,
    experimentId: experiment.id,
    readable: runIds.filter((id) => id !== unreadable),
    unreadable,
  };
}

/** MLflow's run search, through the real Lambda handler (the gateway would serve the shared table). */
async function mlflowSearch(tenantId: string, experimentId: string) {
  const result = await mlflowHandler(
    {
      version: '2.0',
      routeKey: 'POST /api/2.0/mlflow/runs/search',
      rawPath: '/api/2.0/mlflow/runs/search',
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      requestContext: {
        requestId: 'unreadable',
        http: { method: 'POST', path: '/api/2.0/mlflow/runs/search' },
        authorizer: { lambda: { tenantId, principal: actor.name, role: 'reader', keyId: actor.keyId } },
      },
      body: JSON.stringify({ experiment_ids: [experimentId] }),
      isBase64Encoded: false,
    } as unknown as AuthorizedEvent,
    {} as Context,
  );
  return { status: result.statusCode, body: JSON.parse(result.body as string) };
}

describe('a run DynamoDB Local cannot return does not take its experiment down', () => {
  test('searches over its experiment answer with every other run, in both APIs, ordered and filtered', async () => {
    const { tenantId, experimentId, readable, unreadable } = await experimentWithUnreadableRun(12);

    const ours = await searchRuns(tenantId, {
      experimentIds: [experimentId],
      filter: 'metrics.loss >= 0',
      orderBy: ['metrics.loss'],
      maxResults: 1000,
      viewType: 'active',
    });
    const theirs = await mlflowSearch(tenantId, experimentId);

    expect(ours.runs.map((run) => run.id).sort()).toEqual([...readable].sort());
    const losses = ours.runs.map((run) => Number(run.metrics.loss?.value));
    expect(losses).toEqual([...losses].sort((a, b) => a - b));
    expect(theirs.status).toBe(200);
    expect(theirs.body.runs.map((run: { info: { run_id: string } }) => run.info.run_id)).not.toContain(
      unreadable,
    );
    expect(theirs.body.runs).toHaveLength(readable.length);
  });

  test('the other runs of the experiment read and update as before', async () => {
    const { tenantId, readable } = await experimentWithUnreadableRun(3);

    for (const runId of readable) {
      expect((await Runs.getRun(tenantId, runId)).id).toBe(runId);
      expect((await Runs.updateRun(tenantId, runId, { status: 'FINISHED' })).status).toBe('FINISHED');
    }
  });
});
