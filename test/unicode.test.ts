import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import type { AuthorizedEvent } from '#http/caller.ts';
import { domainHandler } from '#http/domain-handler.ts';
import { CairnError } from '#http/errors.ts';
import { operation } from '#http/operation.ts';
import { parseInput } from '#http/validate.ts';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { api } from './support/http.ts';
import { mlflowClient } from './support/mlflow.ts';
import { newTenant, type TestTenant } from './support/tenants.ts';

/*
 * A lone UTF-16 surrogate travels in JSON as an escape (`"\ud800"`) but has no UTF-8 form: stored, it
 * broke every later read of the run. The edge refuses it in any string or key, on both APIs.
 */

/** Sends `json` as written, so that its `\ud800` escapes reach the server unchanged. */
const raw = (tenant: TestTenant, method: string, path: string, json: string, key = tenant.adminKey) =>
  api(method, path, { key, rawBody: json, headers: { 'content-type': 'application/json' } });

async function runIn(tenant: TestTenant) {
  const experiment = (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'e' } })).body
    .experiment;
  const run = (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: experiment.id } })).body.run;
  return { experimentId: experiment.id as string, runId: run.id as string };
}

describe('well-formed Unicode at the edge', () => {
  test('a metric key with a lone surrogate is a 400 naming it, and the run stays readable and searchable', async () => {
    const tenant = await newTenant();
    const { experimentId, runId } = await runIn(tenant);

    const logged = await raw(
      tenant,
      'POST',
      `/api/v1/runs/${runId}/log`,
      '{"metrics":[{"key":"ok","value":1},{"key":"m\\ud800","value":1,"step":1}]}',
    );

    expect(logged.status).toBe(400);
    expect(logged.body.error.code).toBe('request.invalid');
    expect(logged.body.error.details.issues).toEqual([
      { path: 'body.metrics.1.key', message: expect.stringContaining('well-formed Unicode') },
    ]);
    expect((await tenant.call('GET', `/api/v1/runs/${runId}`)).status).toBe(200);
    expect(
      (await tenant.call('PATCH', `/api/v1/runs/${runId}`, { body: { status: 'FINISHED' } })).status,
    ).toBe(200);
    const search = await tenant.call('POST', '/api/v1/runs/search', {
      body: { experimentIds: [experimentId] },
    });
    expect(search.status).toBe(200);
    expect(search.body.runs).toHaveLength(1);
    expect(search.body.runs[0].metrics).toEqual({});
  });

  test('object keys count too: a tag named with a lone surrogate is refused, its path made readable', async () => {
    const tenant = await newTenant();
    await tenant.call('POST', '/api/v1/models', { body: { name: 'm' } });

    const answer = await raw(
      tenant,
      'PATCH',
      '/api/v1/models/m',
      '{"tags":{"k\\udc00":"v","fine":"x\\ud83d"}}',
    );

    expect(answer.status).toBe(400);
    const issues = answer.body.error.details.issues as { path: string; message: string }[];
    expect(issues.map((issue) => issue.path).sort()).toEqual(['body.tags.fine', 'body.tags.k\ufffd']);
    expect(issues.find((issue) => issue.path === 'body.tags.k\ufffd')!.message).toMatch(/^key must be/);
    expect((await tenant.call('GET', '/api/v1/models/m')).body.model.tags).toEqual({});
  });

  test('every string of every route: names, descriptions, params, tag values', async () => {
    const tenant = await newTenant();
    const { runId } = await runIn(tenant);
    const attempts: [string, string, string][] = [
      ['POST', '/api/v1/experiments', '{"name":"\\udfff"}'],
      ['POST', '/api/v1/runs', '{"experimentId":"0","params":{"lr":"0.1\\ud800"}}'],
      ['POST', `/api/v1/runs/${runId}/log`, '{"tags":[{"key":"t","value":"\\ud800\\ud800"}]}'],
      ['POST', '/api/v1/models', '{"name":"ok","description":"a\\udbff"}'],
      ['POST', '/api/v1/datasets', '{"name":"d","tags":{"t":"\\ud800"}}'],
    ];

    for (const [method, path, json] of attempts) {
      const answer = await raw(tenant, method, path, json);
      expect(answer.status, `${method} ${path} ${json}`).toBe(400);
      expect(answer.body.error.code).toBe('request.invalid');
    }
    // A well-formed pair is one character, not two broken halves.
    const emoji = await raw(tenant, 'POST', '/api/v1/experiments', '{"name":"fire \\ud83d\\udd25"}');
    expect(emoji.status).toBe(201);
    expect(emoji.body.experiment.name).toBe('fire 🔥');
  });

  test("MLflow's routes refuse them the same way, with INVALID_PARAMETER_VALUE", async () => {
    const tenant = await newTenant();
    const { runId } = await runIn(tenant);
    const attempts: [string, string][] = [
      ['runs/log-metric', `{"run_id":"${runId}","key":"m\\ud800","value":1,"timestamp":1,"step":0}`],
      ['runs/set-tag', `{"run_id":"${runId}","key":"t","value":"\\udc00"}`],
      ['registered-models/create', '{"name":"\\ud800model"}'],
    ];

    for (const [path, json] of attempts) {
      const answer = await raw(tenant, 'POST', `/api/2.0/mlflow/${path}`, json);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    const run = await mlflowClient(tenant.adminKey)('GET', 'runs/get', { run_id: runId });
    expect(run.status).toBe(200);
    expect(run.body.run.data.metrics ?? []).toEqual([]);
  });
});

describe('well-formed Unicode at the edge (pure)', () => {
  // HTTP cannot carry a lone surrogate in a path or query (percent-decoding yields U+FFFD), but
  // API Gateway hands the edge strings, so the edge checks those parts all the same.
  test('path and query values and keys are checked like the body', () => {
    const schema = z.object({ name: z.string() }).loose();
    const refused = (where: 'path' | 'query', value: unknown) => {
      try {
        parseInput(where, schema, value);
        return undefined;
      } catch (error) {
        return error instanceof CairnError ? error.details : error;
      }
    };

    expect(refused('path', { name: 'a\ud800' })).toEqual({
      issues: [{ path: 'path.name', message: expect.stringContaining('lone UTF-16 surrogate') }],
    });
    expect(refused('query', { name: 'ok', 'k\udc00': 'v' })).toEqual({
      issues: [{ path: 'query.k\ufffd', message: expect.stringMatching(/^key must be/) }],
    });
    expect(refused('query', { name: ['ok', 'x\ud800'] })).toEqual({
      issues: [{ path: 'query.name.1', message: expect.any(String) }],
    });
    expect(refused('query', { name: 'ok' })).toBeUndefined();
  });

  test('a base64 body that is not UTF-8 is malformed JSON, not silently U+FFFD', async () => {
    const handler = domainHandler('system', {
      health: operation({
        summary: 'x',
        body: z.object({ name: z.string() }),
        handle: async ({ body }) => body,
      }),
      openapi: operation({ summary: 'x', handle: async () => ({}) }),
      notFound: operation({ summary: 'x', handle: async () => ({}) }),
    });
    const event = (bytes: Buffer) =>
      ({
        version: '2.0',
        routeKey: 'GET /api/v1/health',
        rawPath: '/api/v1/health',
        rawQueryString: '',
        headers: { 'content-type': 'application/json' },
        requestContext: { requestId: 'r', http: { method: 'GET', path: '/api/v1/health' } },
        body: bytes.toString('base64'),
        isBase64Encoded: true,
      }) as unknown as AuthorizedEvent;

    const broken = await handler(
      event(
        Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
      ),
      {} as Context,
    );
    const fine = await handler(event(Buffer.from('{"name":"é"}')), {} as Context);

    expect(broken.statusCode).toBe(400);
    expect(JSON.parse(broken.body as string).error.code).toBe('request.malformed_json');
    expect(fine.statusCode).toBe(200);
    expect(JSON.parse(fine.body as string)).toEqual({ name: 'é' });
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
