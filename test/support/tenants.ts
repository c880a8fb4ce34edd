import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type ApiResponse, api, type RequestOptions } from './http.ts';

export interface TestTenant {
  id: string;
  adminKey: string;
  /** A fresh key of this tenant with the given role. */
  keyWith(role: 'reader' | 'writer' | 'admin'): Promise<string>;
  /** A request as this tenant, with its admin key unless `key` says otherwise. */
  call<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
}

export function operatorKey(): string {
  return inject('cairn').operatorKey;
}

/** A new tenant of its own for one test: no shared state, no cleanup order. */
export async function newTenant(label = 't'): Promise<TestTenant> {
  const id = `${label}-${randomBytes(5).toString('hex')}`;
  const created = await api('POST', '/api/v1/tenants', {
    key: operatorKey(),
    body: { id, name: `Test ${id}` },
  });
  if (created.status !== 201)
    throw new Error(`could not create tenant: ${created.status} ${JSON.stringify(created.body)}`);
  const adminKey: string = created.body.apiKey.secret;
  return {
    id,
    adminKey,
    async keyWith(role) {
      const made = await api('POST', '/api/v1/keys', { key: adminKey, body: { name: `${role} key`, role } });
      if (made.status !== 201)
        throw new Error(`could not create key: ${made.status} ${JSON.stringify(made.body)}`);
      return made.body.apiKey.secret;
    },
    call: (method, path, options = {}) => api(method, path, { key: adminKey, ...options }),
  };
}
