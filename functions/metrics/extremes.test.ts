import { describe, expect, test } from 'vitest';
import { mlflowClient } from '../../test/support/mlflow.ts';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';

/*
 * Through the real API and DynamoDB Local: a step or timestamp is either stored exactly or refused
 * at the edge, never stored as something else.
 */

const safe = Number.MAX_SAFE_INTEGER;
const steps = [0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32), 2 ** 52, -(2 ** 52), safe, -safe];
const timestamps = [0, Date.now(), 2 ** 52 + 1, 8.64e15 - 1, 8.64e15, 1];

async function newRun(tenant: TestTenant) {
  const run = await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } });
  expect(run.status).toBe(201);
  return run.body.run.id as string;
}

const history = async (tenant: TestTenant, runId: string, key: string) =>
  (await tenant.call('GET', `/api/v1/runs/${runId}/metric-history?key=${key}`)).body.points as {
    step: number;
    timestamp: number;
  }[];

describe('metric steps and timestamps at the edges', () => {
  test("steps from -(2^53-1) to 2^53-1 and timestamps up to 8.64e15 read back exactly, in Cairn's API", async () => {
    const tenant = await newTenant();
    const runId = await newRun(tenant);
    // Each step is logged with each timestamp in turn, so consecutive points have every delta.
    const points = steps.flatMap((step, i) =>
      [timestamps[i % timestamps.length]!, timestamps[(i + 3) % timestamps.length]!].map((timestamp) => ({
        key: 'edge',
        value: i,
        step,
        timestamp,
      })),
    );

    const logged = await tenant.call('POST', `/api/v1/runs/${runId}/log`, { body: { metrics: points } });

    expect(logged.status).toBe(200);
    const read = await history(tenant, runId, 'edge');
    const key = (point: { step: number; timestamp: number }) => `${point.step}@${point.timestamp}`;
    expect(read.map(key).sort()).toEqual(points.map(key).sort());
    const run = (await tenant.call('GET', `/api/v1/runs/${runId}`)).body.run;
    expect(run.metrics.edge).toMatchObject({ step: safe });
  });

  test('the same through MLflow log-batch and get-history', async () => {
    const tenant = await newTenant();
    const runId = await newRun(tenant);
    const mlflow = mlflowClient(tenant.adminKey);
    const metrics = [
      { key: 'm', value: 1, step: -safe, timestamp: 8.64e15 },
      { key: 'm', value: 2, step: safe, timestamp: 0 },
      { key: 'm', value: 3, step: 0, timestamp: 2 ** 52 + 1 },
    ];

    const logged = await mlflow('POST', 'runs/log-batch', { run_id: runId, metrics });
    const read = await mlflow('GET', 'metrics/get-history', { run_id: runId, metric_key: 'm' });

    expect(logged.status).toBe(200);
    expect(
      read.body.metrics.map((point: { step: number | string; timestamp: number | string }) => [
        Number(point.step),
        Number(point.timestamp),
      ]),
    ).toEqual([
      [-safe, 8.64e15],
      [0, 2 ** 52 + 1],
      [safe, 0],
    ]);
  });

  test('a step or timestamp that cannot be stored exactly is refused with the field named', async () => {
    const tenant = await newTenant();
    const runId = await newRun(tenant);
    const refusals = [
      { step: 2 ** 53 },
      { step: -(2 ** 53) },
      { step: 1.5 },
      { timestamp: 8.64e15 + 1 },
      { timestamp: -1 },
    ];

    for (const field of refusals) {
      const answer = await tenant.call('POST', `/api/v1/runs/${runId}/log`, {
        body: { metrics: [{ key: 'm', value: 1, ...field }] },
      });
      expect(answer.status, JSON.stringify(field)).toBe(400);
      expect(answer.body.error.details.issues[0].path).toBe(`body.metrics.0.${Object.keys(field)[0]}`);
    }
    expect(await history(tenant, runId, 'm')).toEqual([]);
  });
});
