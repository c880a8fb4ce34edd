import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { newTenant, operatorKey } from '../../test/support/tenants.ts';
import { Cairn } from './client.ts';
import { CairnError } from './errors.ts';
import { startFaultProxy } from './test-support/fault-proxy.ts';

const url = () => inject('cairn').url;
const fast = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50 };

describe('tenants and keys through the SDK, against the real gateway', () => {
  test("tenant() answers the key's tenant and who the key is", async () => {
    const tenant = await newTenant('sdk');
    const cairn = new Cairn({ url: url(), apiKey: tenant.adminKey });

    const { tenant: answered, caller } = await cairn.tenant();

    expect(answered).toMatchObject({ id: tenant.id, name: `Test ${tenant.id}` });
    expect(caller).toMatchObject({ role: 'admin', keyId: expect.stringMatching(/^key_/) });
  });

  test('keys: create shows the secret once, list never does, revoke stops the key', async () => {
    const tenant = await newTenant('sdk');
    const cairn = new Cairn({ url: url(), apiKey: tenant.adminKey });

    const created = await cairn.keys.create({ name: 'ci', role: 'writer' });
    const listed = await cairn.keys.list();
    const revoked = await cairn.keys.revoke(created.id);

    expect(created).toMatchObject({ name: 'ci', role: 'writer', secret: expect.stringMatching(/^cairn_/) });
    expect(listed.find((key) => key.id === created.id)).not.toHaveProperty('secret');
    expect(revoked).toMatchObject({ id: created.id, revokedAt: expect.any(String) });
    const asRevoked = new Cairn({ url: url(), apiKey: created.secret });
    await expect(asRevoked.tenant()).rejects.toMatchObject({ status: 401, code: 'auth.invalid_key' });
  });

  test('server errors arrive as CairnError with status, code, message and request id', async () => {
    const tenant = await newTenant('sdk');
    const cairn = new Cairn({ url: url(), apiKey: tenant.adminKey });

    const failure = await cairn.keys.revoke('key_0123456789abcdef').catch((error: unknown) => error);

    expect(CairnError.is(failure, 'keys.')).toBe(true);
    expect(failure).toMatchObject({ status: 404, code: 'keys.not_found', requestId: expect.any(String) });
    expect((failure as Error).message).toContain('key_0123456789abcdef');
  });

  test('validation failures carry the field paths in details', async () => {
    const tenant = await newTenant('sdk');
    const cairn = new Cairn({ url: url(), apiKey: tenant.adminKey });

    const failure = await cairn.keys.create({ name: '' }).catch((error: unknown) => error);

    expect(failure).toMatchObject({
      status: 400,
      code: 'request.invalid',
      details: { issues: [expect.objectContaining({ path: 'body.name' })] },
    });
  });

  test('admin.createTenant uses the operator key and returns the first admin key', async () => {
    const cairn = new Cairn({ url: url(), operatorKey: operatorKey() });
    const id = `sdk-admin-${Date.now().toString(36)}`;

    const { tenant, apiKey } = await cairn.admin.createTenant({ id, name: 'Made by the SDK' });

    expect(tenant).toMatchObject({ id, name: 'Made by the SDK' });
    const asNewAdmin = new Cairn({ url: url(), apiKey: apiKey.secret });
    expect((await asNewAdmin.tenant()).tenant.id).toBe(id);
  });

  test('a tenant key cannot create tenants: the server says so', async () => {
    const tenant = await newTenant('sdk');
    const cairn = new Cairn({ url: url(), apiKey: tenant.adminKey, operatorKey: tenant.adminKey });

    await expect(cairn.admin.createTenant({ id: `sdk-no-${Date.now().toString(36)}` })).rejects.toMatchObject(
      {
        status: 403,
        code: 'auth.forbidden',
      },
    );
  });

  test('no key configured: a clear error before any request', async () => {
    const cairn = new Cairn({ url: url() });

    await expect(cairn.keys.list()).rejects.toMatchObject({ code: 'client.not_configured', status: 0 });
    await expect(cairn.admin.createTenant({ id: 'never-made' })).rejects.toMatchObject({
      code: 'client.not_configured',
    });
  });
});

describe('cairn.request, for routes the SDK does not wrap', () => {
  test('carries the key and decodes errors like every other call', async () => {
    const tenant = await newTenant('sdk');
    const cairn = new Cairn({ url: url(), apiKey: tenant.adminKey });

    const answer = await cairn.request<{ tenant: { id: string } }>('GET', '/tenant');
    const missing = await cairn.request('GET', '/no-such-route').catch((error: unknown) => error);

    expect(answer.tenant.id).toBe(tenant.id);
    expect(missing).toMatchObject({ status: 404, code: 'route.not_found' });
  });
});

describe('cairn.api, the handle the data and registry calls use', () => {
  test('an answer lost after the server acted: uploads are sent again, a model version create is not', async () => {
    const tenant = await newTenant('sdk');
    const proxy = await startFaultProxy(
      url(),
      (method, path) =>
        method === 'POST' && (path === '/api/v1/uploads' || /\/models\/[^/]+\/versions$/.test(path)),
    );
    const model = mkdtempSync(join(tmpdir(), 'cairn-sdk-api-'));
    try {
      writeFileSync(join(model, 'model.pkl'), 'weights');
      const cairn = new Cairn({ url: proxy.url, apiKey: tenant.adminKey, retry: fast });
      const run = await cairn.startRun();

      proxy.faults.push({ drop: 'after' });
      await run.logArtifacts(model, { artifactPath: 'model' });
      proxy.faults.push({ drop: 'after' });
      const lost = await cairn.models
        .register({ name: 'churn', runId: run.id, artifactPath: 'model' })
        .catch((error: unknown) => error);

      expect(proxy.requests.filter((request) => request.path === '/api/v1/uploads')).toHaveLength(2);
      expect((await cairn.listArtifacts(run.id, { path: 'model' })).fileCount).toBe(1);
      // The server made version 1; sending the create again would have made a version 2 as well.
      expect(lost).toMatchObject({ code: 'network.unreachable' });
      expect(proxy.requests.filter((request) => request.path.endsWith('/versions'))).toHaveLength(1);
      expect((await cairn.models.versions('churn')).map((version) => version.version)).toEqual([1]);
    } finally {
      await proxy.close();
      rmSync(model, { recursive: true, force: true });
    }
  });
});
