import { describe, expect, test } from 'vitest';
import { api } from './support/http.ts';
import { newTenant, operatorKey } from './support/tenants.ts';

describe('bad input gets a clear error', () => {
  test('malformed JSON: 400 request.malformed_json', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('POST', '/api/v1/keys', {
      rawBody: '{"name": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('request.malformed_json');
  });

  test('a body that is not JSON: 415', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('POST', '/api/v1/keys', {
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(status).toBe(415);
    expect(body.error.code).toBe('request.unsupported_media_type');
  });

  test('a JSON body over 1 MB: 413 naming the limit', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('POST', '/api/v1/keys', {
      body: { name: 'x'.repeat(1024 * 1024 + 10) },
    });
    expect(status).toBe(413);
    expect(body.error).toMatchObject({ code: 'request.too_large', details: { limit: 1048576 } });
  });

  test('a misspelled field: 400 naming the field', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('POST', '/api/v1/keys', {
      body: { name: 'ci', rol: 'writer' },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('request.invalid');
    expect(body.error.details.issues).toContainEqual({ path: 'body.rol', message: 'unknown field' });
  });

  test('a wrong value: 400 with the field path', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('POST', '/api/v1/keys', {
      body: { name: 'ci', role: 'root' },
    });
    expect(status).toBe(400);
    expect(body.error.details.issues[0].path).toBe('body.role');
  });

  test('a path parameter that is not an id: 400', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('DELETE', '/api/v1/keys/..%2Fetc');
    expect(status).toBe(400);
    expect(body.error.details.issues[0].path).toBe('path.keyId');
  });

  test('an unknown route: 404 route.not_found, as JSON', async () => {
    const { status, body } = await api('GET', '/api/v1/nowhere');
    expect(status).toBe(404);
    expect(body.error.code).toBe('route.not_found');
  });

  test('an unknown key id: 404 keys.not_found', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('DELETE', '/api/v1/keys/key_0000000000000000');
    expect(status).toBe(404);
    expect(body.error.code).toBe('keys.not_found');
  });

  test('every response carries a request id', async () => {
    const { headers } = await api('GET', '/api/v1/health');
    expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('tenants', () => {
  test('an invalid tenant id: 400, and nothing is created', async () => {
    const { status, body } = await api('POST', '/api/v1/tenants', {
      key: operatorKey(),
      body: { id: 'Bad_Id' },
    });
    expect(status).toBe(400);
    expect(body.error.details.issues[0].path).toBe('body.id');
  });

  test('a duplicate tenant id: 409, and the existing tenant keeps exactly its keys', async () => {
    const tenant = await newTenant();
    const before = (await tenant.call('GET', '/api/v1/keys')).body.keys;

    const { status, body } = await api('POST', '/api/v1/tenants', {
      key: operatorKey(),
      body: { id: tenant.id },
    });

    expect(status).toBe(409);
    expect(body.error.code).toBe('tenants.already_exists');
    expect((await tenant.call('GET', '/api/v1/keys')).body.keys).toEqual(before);
  });

  test('a new tenant answers with its admin key, once', async () => {
    const { status, body } = await api('POST', '/api/v1/tenants', {
      key: operatorKey(),
      body: { id: `new-${Date.now().toString(36)}`, name: 'Vision team' },
    });
    expect(status).toBe(201);
    expect(body.tenant.name).toBe('Vision team');
    expect(body.apiKey).toMatchObject({
      role: 'admin',
      secret: expect.stringMatching(/^cairn_[A-Za-z0-9_-]{43}$/),
    });
    const me = await api('GET', '/api/v1/tenant', { key: body.apiKey.secret });
    expect(me.body).toMatchObject({ tenant: { id: body.tenant.id }, caller: { role: 'admin' } });
  });
});
