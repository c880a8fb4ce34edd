// The deployed bundles in several containers per function, as Lambda scales them: a second
// gateway over the suite's emulators with two containers per function, so that requests in
// flight together land in different containers, each with its own module state and caches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startApi } from '../infra/local/stack.ts';
import { untilPublished } from './support/events.ts';
import { newTenant, type TestTenant } from './support/tenants.ts';

let api: Awaited<ReturnType<typeof startApi>>;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cairn-containers-'));
  api = await startApi({ env: inject('cairn').env, dataDir, port: 0, containers: 2 });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function newRun(tenant: TestTenant) {
  const created = await call(tenant.adminKey, 'POST', '/api/v1/runs', { experimentId: '0' });
  expect(created.status).toBe(201);
  return created.body.run.id as string;
}

describe('two containers per function', () => {
  test('invocations in flight together start a second container; later ones reuse the warm two', async () => {
    const tenant = await newTenant();
    const health = {
      version: '2.0',
      routeKey: 'GET /api/v1/health',
      rawPath: '/api/v1/health',
      rawQueryString: '',
      headers: {},
      requestContext: { requestId: 'health', http: { method: 'GET', path: '/api/v1/health' } },
    };
    const cold = await Promise.all([1, 2, 3, 4].map(() => api.functions.system.invoke(health)));
    expect(cold.every((invocation) => invocation.ok)).toBe(true);
    expect(api.functions.system.containers).toBe(2);
    expect(api.functions.system.coldStarts).toBe(2);
    expect(cold.filter((invocation) => invocation.container?.initMs !== undefined)).toHaveLength(2);

    for (const _ of [1, 2, 3])
      expect((await call(tenant.adminKey, 'GET', '/api/v1/health')).status).toBe(200);
    expect(api.functions.system.coldStarts).toBe(2);
  });

  test('one batch sent twice at once, to two containers of the runs function, is logged once', async () => {
    const tenant = await newTenant();
    const runId = await newRun(tenant);
    const caller = (await call(tenant.adminKey, 'GET', '/api/v1/tenant')).body.caller;
    const batch = {
      batchId: `across-containers-${Date.now()}`,
      metrics: Array.from({ length: 50 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1), step })),
    };
    // The very event API Gateway hands the function after the authorizer; invoked twice at the
    // same instant, the second invocation cannot wait for the first and gets a container of its own.
    const event = (requestId: string) => ({
      version: '2.0',
      routeKey: 'POST /api/v1/runs/{runId}/log',
      rawPath: `/api/v1/runs/${runId}/log`,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      pathParameters: { runId },
      body: JSON.stringify(batch),
      isBase64Encoded: false,
      requestContext: {
        requestId,
        routeKey: 'POST /api/v1/runs/{runId}/log',
        http: { method: 'POST', path: `/api/v1/runs/${runId}/log` },
        authorizer: {
          lambda: { tenantId: tenant.id, principal: caller.principal, role: 'admin', keyId: caller.keyId },
        },
      },
    });

    const [first, second] = await Promise.all([
      api.functions.runs.invoke(event('first')),
      api.functions.runs.invoke(event('second')),
    ]);

    if (!first.ok || !second.ok) throw new Error('an invocation failed');
    expect(first.container.containerId).not.toBe(second.container.containerId);
    const answers = [first, second].map((invocation) => JSON.parse(JSON.parse(invocation.payload).body));
    expect(answers.map((answer) => answer.duplicate).sort()).toEqual([false, true]);
    const history = await call(tenant.adminKey, 'GET', `/api/v1/runs/${runId}/metric-history?key=loss`);
    expect(history.body.points).toHaveLength(50);
  });

  test('a revoked key is refused by every authorizer container, however warm', async () => {
    const tenant = await newTenant();
    const key = await tenant.keyWith('reader');
    const authorize = () =>
      api.functions.authorizer.invoke({
        type: 'REQUEST',
        routeKey: 'GET /api/v1/tenant',
        headers: { authorization: `Bearer ${key}` },
        requestContext: { requestId: 'auth', http: { method: 'GET', path: '/api/v1/tenant' } },
      });
    const verdicts = async () => {
      const both = await Promise.all([authorize(), authorize()]);
      if (!both[0].ok || !both[1].ok) throw new Error('the authorizer failed');
      expect(both[0].container.containerId).not.toBe(both[1].container.containerId);
      return both.map((invocation) => (invocation.ok ? JSON.parse(invocation.payload).context : undefined));
    };
    // Both containers have seen the key (and keep whatever they cache of it).
    const before = await verdicts();
    expect(before.map((context) => context.role)).toEqual(['reader', 'reader']);

    expect((await call(tenant.adminKey, 'DELETE', `/api/v1/keys/${before[0].keyId}`)).status).toBe(200);

    const after = await verdicts();
    expect(after.map((context) => context.authError)).toEqual(['auth.invalid_key', 'auth.invalid_key']);
  });

  test('events a function writes in its container reach the outbox consumer and are published', async () => {
    const tenant = await newTenant();
    const created = await call(tenant.adminKey, 'POST', '/api/v1/models', { name: 'churn' });
    expect(created.status).toBe(201);
    const events = await untilPublished(tenant.id, (published) =>
      published.some((event) => event.type === 'model.created'),
    );
    expect(events.map((event) => event.type)).toContain('model.created');
  });
});
