import { describe, expect, test } from 'vitest';
import { type Route, routeKey, routes } from '#functions/routes.ts';
import { isolationCases } from './isolation-cases.ts';
import { api } from './support/http.ts';
import { newTenant } from './support/tenants.ts';

const guarded = (routes as readonly Route[]).filter((route) => route.role !== 'public');

describe('cross-tenant isolation, for every non-public route', () => {
  test.each(guarded.map((route) => [routeKey(route), route] as const))(
    "%s: tenant B's key cannot see or change tenant A's data",
    async (key, route) => {
      const isolation = isolationCases[key];
      // A new route must bring its isolation case: this is what keeps the suite complete.
      expect(isolation, `route ${key} has no case in test/isolation-cases.ts`).toBeDefined();
      const [a, b] = await Promise.all([newTenant('iso-a'), newTenant('iso-b')]);
      const { path, body, snapshot } = await isolation!.arrange(a);
      const before = await snapshot();

      const method = route.method === 'ANY' ? 'POST' : route.method;
      const answer = await api(method, path, { key: b.adminKey, body });

      if (typeof isolation!.expect === 'number') {
        expect(answer.status).toBe(isolation!.expect);
        expect(answer.body.error.code).toMatch(
          isolation!.expect === 404 ? /not_found$/ : /^auth\.forbidden$/,
        );
      } else {
        isolation!.expect(answer, a, b);
      }
      expect(await snapshot()).toEqual(before);
    },
  );

  test('every case names a route that exists', () => {
    const known = new Set(guarded.map(routeKey));
    expect(Object.keys(isolationCases).filter((key) => !known.has(key))).toEqual([]);
  });
});
