import { expect } from 'vitest';
import type { TestTenant } from './support/tenants.ts';

/**
 * How one route is attacked across tenants. `arrange` creates tenant A's resource and says what
 * tenant B sends; `snapshot` reads A's data before and after, which must not change.
 */
export interface IsolationCase {
  arrange(a: TestTenant): Promise<{ path: string; body?: unknown; snapshot(): Promise<unknown> }>;
  /**
   * 404 for another tenant's resource (exactly as if it did not exist), 403 for a role failure, or
   * a check of a 2xx answer that must contain only B's own data.
   */
  expect: 404 | 403 | ((answer: { status: number; body: any }, a: TestTenant, b: TestTenant) => void);
}

const keysOf = (a: TestTenant) => async () => (await a.call('GET', '/api/v1/keys')).body;

/** Every non-public row of the route table needs a case here, or the isolation suite fails. */
export const isolationCases: Record<string, IsolationCase> = {
  'POST /api/v1/tenants': {
    // A tenant admin is not an operator: creating tenants is refused whatever the body.
    arrange: async (a) => ({ path: '/api/v1/tenants', body: { id: `${a.id}-x` }, snapshot: keysOf(a) }),
    expect: 403,
  },
  'GET /api/v1/tenant': {
    arrange: async (a) => ({ path: '/api/v1/tenant', snapshot: async () => (await a.call('GET', '/api/v1/tenant')).body }),
    expect: ({ status, body }, a, b) => {
      expect(status).toBe(200);
      expect(body.tenant.id).toBe(b.id);
      expect(JSON.stringify(body)).not.toContain(a.id);
    },
  },
  'PATCH /api/v1/tenant': {
    arrange: async (a) => ({
      path: '/api/v1/tenant',
      body: { name: 'renamed by B' },
      snapshot: async () => (await a.call('GET', '/api/v1/tenant')).body.tenant,
    }),
    expect: ({ status, body }, _a, b) => {
      expect(status).toBe(200);
      expect(body.tenant.id).toBe(b.id);
    },
  },
  'GET /api/v1/keys': {
    arrange: async (a) => ({ path: '/api/v1/keys', snapshot: keysOf(a) }),
    expect: ({ status, body }, a) => {
      expect(status).toBe(200);
      expect(body.keys.length).toBeGreaterThan(0);
      expect(JSON.stringify(body)).not.toContain(a.adminKey.slice(0, 10));
    },
  },
  'POST /api/v1/keys': {
    arrange: async (a) => ({ path: '/api/v1/keys', body: { name: 'made by B', role: 'admin' }, snapshot: keysOf(a) }),
    expect: ({ status, body }, a) => {
      // B gets a key, in B's tenant: it cannot reach A.
      expect(status).toBe(201);
      expect(body.apiKey.secret).toMatch(/^cairn_/);
      expect(a.id).not.toBe('');
    },
  },
  'DELETE /api/v1/keys/{keyId}': {
    arrange: async (a) => {
      const listed = await a.call('GET', '/api/v1/keys');
      return { path: `/api/v1/keys/${listed.body.keys[0].id}`, snapshot: keysOf(a) };
    },
    expect: 404,
  },
};
