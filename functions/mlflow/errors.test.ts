import { describe, expect, test } from 'vitest';
import { api } from '../../test/support/http.ts';
import { mlflowClient } from '../../test/support/mlflow.ts';
import { newTenant } from '../../test/support/tenants.ts';

/*
 * MLflow's clients branch on `error_code`: `set_experiment` creates the experiment when get-by-name
 * says RESOURCE_DOES_NOT_EXIST, `register_model` tolerates RESOURCE_ALREADY_EXISTS, and they retry
 * 429 and 5xx for minutes. So every refusal must carry MLflow's code with MLflow's status.
 */

const mlflowError = (status: number, code: string) => ({
  status,
  body: { error_code: code, message: expect.any(String) },
});

describe('MLflow error codes and statuses', () => {
  test('an experiment name nobody has: 404 RESOURCE_DOES_NOT_EXIST', async () => {
    const tenant = await newTenant('mlerr');
    const answer = await mlflowClient(tenant.adminKey)('GET', 'experiments/get-by-name', {
      experiment_name: 'nope',
    });
    expect(answer).toMatchObject(mlflowError(404, 'RESOURCE_DOES_NOT_EXIST'));
  });

  test('a taken experiment name: 400 RESOURCE_ALREADY_EXISTS (not 409)', async () => {
    const tenant = await newTenant('mlerr');
    const mlflow = mlflowClient(tenant.adminKey);
    expect((await mlflow('POST', 'experiments/create', { name: 'twice' })).status).toBe(200);

    const again = await mlflow('POST', 'experiments/create', { name: 'twice' });

    expect(again).toMatchObject(mlflowError(400, 'RESOURCE_ALREADY_EXISTS'));
  });

  test('a param logged again with another value: 400 INVALID_PARAMETER_VALUE; the same value is fine', async () => {
    const tenant = await newTenant('mlerr');
    const mlflow = mlflowClient(tenant.adminKey);
    const R = (await mlflow('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id;
    const logParam = (value: string) =>
      mlflow('POST', 'runs/log-parameter', { run_id: R, run_uuid: R, key: 'lr', value });

    expect((await logParam('0.1')).status).toBe(200);
    expect((await logParam('0.1')).status).toBe(200);
    expect(await logParam('0.2')).toMatchObject(mlflowError(400, 'INVALID_PARAMETER_VALUE'));
  });

  test('no key, a malformed key, an unknown key: 401 UNAUTHENTICATED', async () => {
    for (const key of [undefined, 'not-a-key', `cairn_${'x'.repeat(43)}`]) {
      const answer = await mlflowClient(key)('GET', 'experiments/get', { experiment_id: '0' });
      expect(answer, String(key)).toMatchObject(mlflowError(401, 'UNAUTHENTICATED'));
    }
  });

  test('a reader key that writes: 403 PERMISSION_DENIED', async () => {
    const tenant = await newTenant('mlerr');
    const reader = mlflowClient(await tenant.keyWith('reader'));

    expect((await reader('GET', 'experiments/get', { experiment_id: '0' })).status).toBe(200);
    expect(await reader('POST', 'runs/create', { experiment_id: '0' })).toMatchObject(
      mlflowError(403, 'PERMISSION_DENIED'),
    );
  });

  test('routes Cairn does not serve: 404 ENDPOINT_NOT_FOUND, which the client falls back on', async () => {
    const tenant = await newTenant('mlerr');
    for (const path of ['/api/2.0/mlflow/traces', '/api/3.0/mlflow/server-info', '/api/2.0/mlflow/nothing']) {
      const answer = await api('GET', path, { key: tenant.adminKey });
      expect(answer, path).toMatchObject(mlflowError(404, 'ENDPOINT_NOT_FOUND'));
    }
    // Cairn's own API keeps its own error shape.
    expect((await api('GET', '/api/v1/nothing')).body.error.code).toBe('route.not_found');
  });

  test('an unknown run: 404 RESOURCE_DOES_NOT_EXIST; a malformed id: 400 INVALID_PARAMETER_VALUE', async () => {
    const tenant = await newTenant('mlerr');
    const mlflow = mlflowClient(tenant.adminKey);

    expect(await mlflow('GET', 'runs/get', { run_id: 'f'.repeat(32) })).toMatchObject(
      mlflowError(404, 'RESOURCE_DOES_NOT_EXIST'),
    );
    expect(await mlflow('GET', 'runs/get', { run_id: 'nope' })).toMatchObject(
      mlflowError(400, 'INVALID_PARAMETER_VALUE'),
    );
    expect(await mlflow('GET', 'runs/get', {})).toMatchObject(mlflowError(400, 'INVALID_PARAMETER_VALUE'));
  });

  test('writes to a deleted run or experiment: 400 INVALID_PARAMETER_VALUE', async () => {
    const tenant = await newTenant('mlerr');
    const mlflow = mlflowClient(tenant.adminKey);
    const experimentId = (await mlflow('POST', 'experiments/create', { name: 'gone' })).body.experiment_id;
    const R = (await mlflow('POST', 'runs/create', { experiment_id: experimentId })).body.run.info.run_id;
    await mlflow('POST', 'runs/delete', { run_id: R });
    await mlflow('POST', 'experiments/delete', { experiment_id: experimentId });

    expect(
      await mlflow('POST', 'runs/log-metric', { run_id: R, key: 'x', value: 1, timestamp: 1 }),
    ).toMatchObject(mlflowError(400, 'INVALID_PARAMETER_VALUE'));
    expect(await mlflow('POST', 'runs/create', { experiment_id: experimentId })).toMatchObject(
      mlflowError(400, 'INVALID_PARAMETER_VALUE'),
    );
    expect(await mlflow('POST', 'experiments/delete', { experiment_id: '0' })).toMatchObject(
      mlflowError(400, 'INVALID_PARAMETER_VALUE'),
    );
  });

  test('a bad filter or page token: 400 INVALID_PARAMETER_VALUE, never a 5xx the client would retry', async () => {
    const tenant = await newTenant('mlerr');
    const mlflow = mlflowClient(tenant.adminKey);

    expect(
      await mlflow('POST', 'runs/search', { experiment_ids: ['0'], filter: 'metrics.acc >>> 1' }),
    ).toMatchObject(mlflowError(400, 'INVALID_PARAMETER_VALUE'));
    expect(await mlflow('POST', 'runs/search', { experiment_ids: ['0'], page_token: 'junk!' })).toMatchObject(
      mlflowError(400, 'INVALID_PARAMETER_VALUE'),
    );
    const malformed = await api('POST', '/api/2.0/mlflow/runs/search', {
      key: tenant.adminKey,
      rawBody: '{"experiment_ids": [',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed).toMatchObject(mlflowError(400, 'INVALID_PARAMETER_VALUE'));
  });

  test('a JSON body without a content type is still read', async () => {
    const tenant = await newTenant('mlerr');
    const answer = await api('POST', '/api/2.0/mlflow/experiments/create', {
      key: tenant.adminKey,
      rawBody: JSON.stringify({ name: 'untyped' }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body.experiment_id).toMatch(/^\d+$/);
  });
});
