import { describe, expect, test } from 'vitest';
import { api } from '../../test/support/http.ts';
import { artifactRequest, mlflowClient } from '../../test/support/mlflow.ts';
import { newTenant } from '../../test/support/tenants.ts';

const text = (value: string) => new TextEncoder().encode(value);

async function withRun() {
  const tenant = await newTenant('mlart');
  const mlflow = mlflowClient(tenant.adminKey);
  const run = (await mlflow('POST', 'runs/create', { experiment_id: '0' })).body.run.info.run_id as string;
  const list = async (path: string) =>
    (
      await api('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`, {
        key: tenant.adminKey,
      })
    ).body;
  const put = (path: string, value: string) =>
    artifactRequest(tenant.adminKey, 'PUT', path, { bytes: text(value) });
  return { tenant, mlflow, run, list, put };
}

describe("MLflow's artifact proxy", () => {
  test('lists one folder by name: folders, then files with sizes; missing folders and files list empty', async () => {
    const { run, list, put, mlflow } = await withRun();
    expect((await put(`0/${run}/artifacts/plots/loss.png`, 'png')).status).toBe(200);
    expect((await put(`0/${run}/artifacts/notes.txt`, 'hello')).status).toBe(200);

    expect(await list(`0/${run}/artifacts`)).toEqual({
      files: [
        { path: 'plots', is_dir: true },
        { path: 'notes.txt', is_dir: false, file_size: 5 },
      ],
    });
    expect(await list(`0/${run}/artifacts/plots`)).toEqual({
      files: [{ path: 'loss.png', is_dir: false, file_size: 3 }],
    });
    // register_model('runs:/R/model') lists a folder MLflow 3 never writes; the client wants it empty.
    expect(await list(`0/${run}/artifacts/model`)).toEqual({});
    expect(await list(`0/${run}/artifacts/notes.txt`)).toEqual({});
    expect(await list('0/traces')).toEqual({});

    const runList = await mlflow('GET', 'artifacts/list', { run_id: run, path: 'plots' });
    expect(runList.body).toEqual({
      root_uri: `mlflow-artifacts:/0/${run}/artifacts`,
      files: [{ path: 'plots/loss.png', is_dir: false, file_size: 3 }],
    });
  });

  test('names with spaces and accents arrive percent-encoded and are stored decoded', async () => {
    const { tenant, run, list } = await withRun();
    const put = await artifactRequest(
      tenant.adminKey,
      'PUT',
      `0/${run}/artifacts/my%20r%C3%A9sum%C3%A9.txt`,
      {
        bytes: text('x'),
      },
    );
    expect(put.status).toBe(200);
    expect(await list(`0/${run}/artifacts`)).toEqual({
      files: [{ path: 'my résumé.txt', is_dir: false, file_size: 1 }],
    });
    const got = await artifactRequest(tenant.adminKey, 'GET', `0/${run}/artifacts/my%20r%C3%A9sum%C3%A9.txt`);
    expect(got.status).toBe(307);
    expect(await (await fetch(got.headers.get('location')!)).text()).toBe('x');
  });

  test('a file written again takes the new bytes', async () => {
    const { tenant, run, put } = await withRun();
    await put(`0/${run}/artifacts/a.txt`, 'first');
    await put(`0/${run}/artifacts/a.txt`, 'second');
    const got = await artifactRequest(tenant.adminKey, 'GET', `0/${run}/artifacts/a.txt`);
    expect(await (await fetch(got.headers.get('location')!)).text()).toBe('second');
  });

  test('refusals: unknown places, the wrong experiment, deleted runs, model files without a run, multipart', async () => {
    const { tenant, mlflow, run, put } = await withRun();
    const error = async (answer: Response) => ({
      status: answer.status,
      code: (await answer.json()).error_code,
    });

    expect(await error(await put('0/traces/t-1/artifacts/trace.json', '{}'))).toEqual({
      status: 400,
      code: 'INVALID_PARAMETER_VALUE',
    });
    expect(await error(await put(`7/${run}/artifacts/a.txt`, 'x'))).toEqual({
      status: 404,
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    const missing = await artifactRequest(tenant.adminKey, 'GET', `0/${run}/artifacts/none.txt`);
    expect(await error(missing)).toEqual({ status: 404, code: 'RESOURCE_DOES_NOT_EXIST' });

    const orphan = (await mlflow('POST', 'logged-models', { experiment_id: '0' })).body.model.info.model_id;
    expect(await error(await put(`0/models/${orphan}/artifacts/MLmodel`, 'x'))).toEqual({
      status: 400,
      code: 'INVALID_PARAMETER_VALUE',
    });

    await mlflow('POST', 'runs/delete', { run_id: run });
    expect(await error(await put(`0/${run}/artifacts/late.txt`, 'x'))).toEqual({
      status: 400,
      code: 'INVALID_PARAMETER_VALUE',
    });

    // MLflow's client falls back to a single PUT on exactly this answer.
    const multipart = await api('POST', `/api/2.0/mlflow-artifacts/mpu/create/0/${run}/artifacts/big.bin`, {
      key: tenant.adminKey,
      body: { path: 'big.bin', num_parts: 3 },
    });
    expect(multipart.status).toBe(501);
    expect(multipart.body).toEqual({
      error_code: 'NOT_IMPLEMENTED',
      message: expect.stringMatching(
        /^Multipart upload is not supported for the current artifact repository/,
      ),
    });
  });

  test('a reader key can download but not upload', async () => {
    const { tenant, run, put } = await withRun();
    await put(`0/${run}/artifacts/a.txt`, 'x');
    const reader = await tenant.keyWith('reader');

    expect((await artifactRequest(reader, 'GET', `0/${run}/artifacts/a.txt`)).status).toBe(307);
    const refused = await artifactRequest(reader, 'PUT', `0/${run}/artifacts/b.txt`, { bytes: text('y') });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error_code).toBe('PERMISSION_DENIED');
  });
});
