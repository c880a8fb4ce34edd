import { describe, expect, test } from 'vitest';
import { operationsByDomain } from '#functions/operations.ts';
import { domains, type Route, routeKey, routes } from '#functions/routes.ts';
import { api } from './support/http.ts';

const rows = routes as readonly Route[];

describe('the route table (offline)', () => {
  test('every row names an operation of its domain', () => {
    const missing = rows.filter((route) => !operationsByDomain[route.domain]?.[route.op]).map(routeKey);
    expect(missing).toEqual([]);
  });

  test('every operation is reachable through exactly one row', () => {
    for (const domain of domains) {
      for (const op of Object.keys(operationsByDomain[domain])) {
        const rowsForOp = rows.filter((route) => route.domain === domain && route.op === op);
        expect(rowsForOp.map(routeKey), `${domain}.${op}`).toHaveLength(1);
      }
    }
  });

  test('no two rows share a method and path', () => {
    const keys = rows.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("path parameters match the operation's path schema", () => {
    for (const route of rows) {
      const names = [...route.path.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1]).sort();
      const schema = operationsByDomain[route.domain][route.op]?.path;
      const declared = schema ? Object.keys((schema as unknown as { shape: object }).shape).sort() : [];
      expect(declared, routeKey(route)).toEqual(names);
    }
  });
});

describe('the OpenAPI document', () => {
  test('is public and lists every route with its method', async () => {
    const { status, body } = await api('GET', '/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    for (const route of rows.filter((row) => row.path !== '$default')) {
      const methods = route.method === 'ANY' ? ['get'] : [route.method.toLowerCase()];
      for (const method of methods) expect(body.paths[route.path]?.[method], routeKey(route)).toBeDefined();
    }
  });

  test('describes request bodies from the zod schemas', async () => {
    const { body } = await api('GET', '/api/v1/openapi.json');
    const createKey = body.paths['/api/v1/keys'].post;
    expect(createKey.security).toEqual([{ apiKey: [] }]);
    expect(createKey.requestBody.content['application/json'].schema.properties.role.enum).toEqual([
      'reader',
      'writer',
      'admin',
    ]);
  });
});

test('health answers ok without a key', async () => {
  expect(await api('GET', '/api/v1/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
});
