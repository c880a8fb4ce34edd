// The deployed bundles in several containers per function, as Lambda scales them: a second
// gateway over the suite's emulators with two containers per function, so that requests in
// flight together land in different containers, each with its own module state and caches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startApi } from '../infra/local/stack.ts';
import { publishedEvents } from './support/events.ts';
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
  test('requests in flight together start a second container; later ones reuse the warm two', async () => {
    const tenant = await newTenant();
    const before = api.functions.tenants.coldStarts;
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => call(tenant.adminKey, 'GET', '/api/v1/tenant')),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(api.functions.tenants.containers).toBe(2);
    expect(api.functions.tenants.coldStarts - before).toBeLessThanOrEqual(2);

    const warm = api.functions.tenants.coldStarts;
    await call(tenant.adminKey, 'GET', '/api/v1/tenant');
    await call(tenant.adminKey, 'GET', '/api/v1/tenant');
    expect(api.functions.tenants.coldStarts).toBe(warm);
  });

  test('one batch sent twice at once, to two containers of the runs function, is logged once', async () => {
    const tenant = await newTenant();
    const runId = await newRun(tenant);
    const batch = {
      batchId: `across-containers-${Date.now()}`,
      metrics: Array.from({ length: 50 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1), step })),
    };
    const before = api.functions.runs.coldStarts;
    const containersBefore = api.functions.runs.containers;

    const [first, second] = await Promise.all([
      call(tenant.adminKey, 'POST', `/api/v1/runs/${runId}/log`, batch),
      call(tenant.adminKey, 'POST', `/api/v1/runs/${runId}/log`, batch),
    ]);

    // Both containers served: the second request could not wait for the first to finish.
    expect(api.functions.runs.containers).toBe(2);
    expect(api.functions.runs.coldStarts - before).toBe(2 - containersBefore);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.body.duplicate, second.body.duplicate].sort()).toEqual([false, true]);
    const history = await call(tenant.adminKey, 'GET', `/api/v1/runs/${runId}/metric-history?key=loss`);
    expect(history.body.points).toHaveLength(50);
  });

  test('a revoked key is refused by every authorizer container, however warm', async () => {
    const tenant = await newTenant();
    const key = await tenant.keyWith('reader');
    // Warm both authorizer containers with this key.
    const warm = await Promise.all([1, 2, 3, 4].map(() => call(key, 'GET', '/api/v1/tenant')));
    expect(warm.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(api.functions.authorizer.containers).toBe(2);
    const keyId = warm[0]!.body.caller.keyId;

    expect((await call(tenant.adminKey, 'DELETE', `/api/v1/keys/${keyId}`)).status).toBe(200);

    const after = await Promise.all([1, 2, 3, 4].map(() => call(key, 'GET', '/api/v1/tenant')));
    expect(after.map((answer) => answer.body.error?.code)).toEqual(Array(4).fill('auth.invalid_key'));
  });

  test('events a function publishes in its container are visible outside it', async () => {
    const tenant = await newTenant();
    const created = await call(tenant.adminKey, 'POST', '/api/v1/models', { name: 'churn' });
    expect(created.status).toBe(201);
    // The events file is the suite stack's: this gateway writes its own beside its data.
    expect(publishedEvents(tenant.id, api.eventsFile).map((event) => event.type)).toContain('model.created');
  });
});
