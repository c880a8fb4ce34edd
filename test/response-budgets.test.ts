// Every answer that grows with the data stays under Lambda's 6 MB, by construction: each route is
// driven past what one response can hold, and must page, downsample or refuse with a clear 4xx.
// (Run search is paged by its own suite.)
import { describe, expect, inject, test } from 'vitest';
import * as Events from '#functions/events/store.ts';
import * as Runs from '#functions/runs/store.ts';
import { lambdaResponseLimitBytes } from '#http/response-budget.ts';
import { withTenantScope } from '#table/client.ts';
import { newTenant, type TestTenant } from './support/tenants.ts';
import { sha256 } from './support/uploads.ts';

const sixMegabytes = 6 * 1024 * 1024;

interface Answer {
  status: number;
  bytes: number;
  body: any;
}

async function get(tenant: TestTenant, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${inject('cairn').url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) } satisfies Answer;
}

/** Follows a listing's tokens to the end; every page must be a 200 under the limit. */
async function allPages(
  tenant: TestTenant,
  path: (token: string | undefined) => string,
  list: (body: any) => unknown[],
  tokenOf: (body: any) => string | undefined = (body) => body.nextPageToken,
) {
  const items: unknown[] = [];
  const sizes: number[] = [];
  let token: string | undefined;
  do {
    const page = await get(tenant, path(token));
    expect(page.status, JSON.stringify(page.body).slice(0, 300)).toBe(200);
    expect(page.bytes).toBeLessThan(sixMegabytes);
    sizes.push(page.bytes);
    items.push(...list(page.body));
    token = tokenOf(page.body);
  } while (token);
  return { items, sizes };
}

/** Tags that make one item about 320 KB (40 × 8,000 characters), under DynamoDB's 400 KB. */
const bigTags = (seed: string) =>
  Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`t${i}`, `${seed}${i}`.padEnd(8000, 'x')]));

// Seeded through the stores, inside the tenant's scope as the edge would set it (the tenant guard
// refuses table commands outside one).
async function runWithPoints(tenant: TestTenant, keys: Record<string, number>) {
  return withTenantScope(tenant.id, () => seedRun(tenant, keys));
}

async function seedRun(tenant: TestTenant, keys: Record<string, number>) {
  const run = await Runs.createRun(tenant.id, { experimentId: '0' }, 'budget');
  for (const [key, count] of Object.entries(keys)) {
    for (let offset = 0; offset < count; offset += 1000) {
      const metrics = Array.from({ length: Math.min(1000, count - offset) }, (_, i) => ({
        key,
        // Long decimals: the widest values a history holds.
        value: -Math.PI * 1e-300 * (offset + i + 1),
        step: 1_000_000_000 + offset + i,
        timestamp: 1_700_000_000_000 + offset + i,
      }));
      await Runs.logBatch(tenant.id, run.id, { metrics, params: [], tags: [] }, Date.now());
    }
  }
  return run.id;
}

describe('metric histories', () => {
  const longKey = `loss/${'k'.repeat(240)}`;
  let tenant: TestTenant;
  let runId: string;
  const ready = (async () => {
    tenant = await newTenant('budget');
    runId = await runWithPoints(tenant, { loss: 100_000, [longKey]: 30_000 });
  })();

  test('one history, 100,000 points asked in one page: pages under the limit, every point once', async () => {
    await ready;
    const { items, sizes } = await allPages(
      tenant,
      (token) =>
        `/api/v1/runs/${runId}/metric-history?key=loss&maxResults=100000${token ? `&pageToken=${token}` : ''}`,
      (body) => body.points,
    );
    expect(sizes.length).toBeGreaterThan(1);
    expect(items).toHaveLength(100_000);
    expect(new Set(items.map((point: any) => point.step)).size).toBe(100_000);
  }, 240_000);

  test('downsampled: the largest maxPoints fits; a larger one is a 400', async () => {
    await ready;
    const widest = await get(tenant, `/api/v1/runs/${runId}/metric-history?key=loss&maxPoints=35000`);
    expect(widest.status).toBe(200);
    expect(widest.body.points.length).toBeLessThanOrEqual(35_000);
    expect(widest.bytes).toBeLessThan(sixMegabytes);
    const refused = await get(tenant, `/api/v1/runs/${runId}/metric-history?key=loss&maxPoints=35001`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('request.invalid');
  }, 120_000);

  test('MLflow get-history repeats a 245-character key in every point: 25,000 a page still fits, paged', async () => {
    await ready;
    const { items, sizes } = await allPages(
      tenant,
      (token) =>
        `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${encodeURIComponent(longKey)}${token ? `&page_token=${token}` : ''}`,
      (body) => body.metrics,
      (body) => body.next_page_token,
    );
    expect(sizes.length).toBeGreaterThan(1);
    expect(items).toHaveLength(30_000);
  }, 240_000);

  test('bulk histories: whole histories too large are a 400 naming maxPoints; with maxPoints they are downsampled to fit', async () => {
    await ready;
    const whole = await get(tenant, '/api/v1/metrics/history', {
      method: 'POST',
      body: { runIds: [runId], keys: ['loss', longKey] },
    });
    expect(whole.status).toBe(400);
    expect(whole.body.error).toMatchObject({
      code: 'request.response_too_large',
      details: { points: 130_000, series: 2 },
    });

    // The most series a request may name, each asking for the most points.
    const others = await withTenantScope(tenant.id, () =>
      Promise.all(
        Array.from({ length: 99 }, () => Runs.createRun(tenant.id, { experimentId: '0' }, 'budget')),
      ),
    );
    const keys = ['loss', longKey, ...Array.from({ length: 48 }, (_, i) => `${'m'.repeat(240)}${i}`)];
    const most = await get(tenant, '/api/v1/metrics/history', {
      method: 'POST',
      body: { runIds: [runId, ...others.map((run) => run.id)], keys, maxPoints: 35_000 },
    });
    expect(most.status).toBe(200);
    expect(most.bytes).toBeLessThan(sixMegabytes);
    expect(most.body.series).toHaveLength(100 * 50);
    expect(most.body.maxPoints).toBeLessThan(35_000);
    const loss = most.body.series.find((one: any) => one.runId === runId && one.key === 'loss');
    expect(loss.points.length).toBeGreaterThan(0);
    expect(loss.points.length).toBeLessThanOrEqual(most.body.maxPoints);

    const mlflow = await get(
      tenant,
      `/api/2.0/mlflow/metrics/get-history-bulk-interval?metric_key=${encodeURIComponent(longKey)}&max_results=35000&${[runId, ...others.map((run) => run.id)].map((id) => `run_ids=${id}`).join('&')}`,
    );
    expect(mlflow.status).toBe(200);
    expect(mlflow.bytes).toBeLessThan(sixMegabytes);
    expect(mlflow.body.metrics.length).toBeGreaterThan(0);
  }, 240_000);
});

describe('listings of many large items', () => {
  test('models, experiments and datasets of ~320 KB each, 1,000 asked: pages under the limit, each item once', async () => {
    const tenant = await newTenant('budget');
    for (let i = 0; i < 16; i++) {
      const tags = bigTags(`item-${i}-`);
      for (const [path, body] of [
        ['/api/v1/models', { name: `model-${i}`, tags }],
        ['/api/v1/experiments', { name: `experiment-${i}`, tags }],
        ['/api/v1/datasets', { name: `dataset-${i}`, tags }],
      ] as const) {
        const created = await tenant.call('POST', path, { body });
        expect(created.status, `${path} ${JSON.stringify(created.body).slice(0, 200)}`).toBe(201);
      }
    }
    const listings = [
      ['/api/v1/models?maxResults=1000', (body: any) => body.models],
      ['/api/v1/experiments?maxResults=1000', (body: any) => body.experiments],
      ['/api/v1/datasets?maxResults=1000', (body: any) => body.datasets],
    ] as const;
    for (const [path, list] of listings) {
      const { items, sizes } = await allPages(
        tenant,
        (token) => `${path}${token ? `&pageToken=${token}` : ''}`,
        list,
      );
      expect(sizes.length, path).toBeGreaterThan(1);
      expect(new Set(items.map((item: any) => item.name)).size, path).toBe(
        path.includes('experiments') ? 17 : 16,
      );
    }
    const mlflow = await allPages(
      tenant,
      (token) =>
        `/api/2.0/mlflow/registered-models/search?max_results=1000${token ? `&page_token=${token}` : ''}`,
      (body) => body.registered_models,
      (body) => body.next_page_token,
    );
    expect(mlflow.items).toHaveLength(16);
  }, 240_000);

  test('audit pages of the largest events (before and after at their 64 KB cap), 500 asked: under the limit, each event once', async () => {
    const tenant = await newTenant('budget');
    const actor = { keyId: 'key_0000000000000000', name: 'budget', role: 'admin' as const };
    // Seven 8,000-character tags: just under an event's 64 KB per snapshot.
    const state = (seed: string) => ({ tags: Object.fromEntries(Object.entries(bigTags(seed)).slice(0, 7)) });
    await withTenantScope(tenant.id, async () => {
      for (let i = 0; i < 40; i++) {
        await Events.record(tenant.id, {
          type: 'model.updated',
          actor,
          resource: `models/m${i}`,
          before: state(`before-${i}-`),
          after: state(`after-${i}-`),
        });
      }
    });
    const { items, sizes } = await allPages(
      tenant,
      (token) => `/api/v1/audit?maxResults=500${token ? `&pageToken=${token}` : ''}`,
      (body) => body.events,
    );
    expect(sizes.length).toBeGreaterThan(1);
    expect(new Set(items.map((event: any) => event.id)).size).toBe(40);
    expect((items[0] as any).after.truncated).toBeUndefined();
  }, 240_000);

  test('artifacts: 15,000 files with long names list in pages, URLs in pages, and MLflow’s unpaged listing refuses', async () => {
    const tenant = await newTenant('budget');
    const run = (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run.id;
    const bytes = new TextEncoder().encode('one blob for every path');
    const digest = sha256(bytes);
    const plan = (
      await tenant.call('POST', '/api/v1/uploads', {
        body: { blobs: [{ sha256: digest, size: bytes.length }] },
      })
    ).body.blobs[0];
    await fetch(plan.request.url, { method: 'PUT', headers: plan.request.headers, body: bytes });
    const folder = `${'a'.repeat(200)}/${'b'.repeat(200)}`;
    for (let offset = 0; offset < 15_000; offset += 1250) {
      const files = Array.from({ length: Math.min(1250, 15_000 - offset) }, (_, i) => ({
        // A name near the 255-byte limit of one path segment.
        path: `${folder}/${String(offset + i).padStart(5, '0')}-${'c'.repeat(240)}`,
        sha256: digest,
        size: bytes.length,
      }));
      const logged = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, { body: { files } });
      expect(logged.status, JSON.stringify(logged.body).slice(0, 300)).toBe(201);
    }

    const listed = await allPages(
      tenant,
      (token) =>
        `/api/v1/runs/${run}/artifacts?recursive=true&maxResults=10000${token ? `&pageToken=${token}` : ''}`,
      (body) => body.entries,
    );
    expect(listed.sizes.length).toBeGreaterThan(1);
    expect(listed.items).toHaveLength(15_000);

    const urls = await allPages(
      tenant,
      (token) => `/api/v1/runs/${run}/artifacts/urls?maxResults=1000${token ? `&pageToken=${token}` : ''}`,
      (body) => body.files,
    );
    expect(urls.items).toHaveLength(15_000);

    const mlflowPaged = await allPages(
      tenant,
      (token) =>
        `/api/2.0/mlflow/artifacts/list?run_id=${run}&path=${encodeURIComponent(folder)}${token ? `&page_token=${token}` : ''}`,
      (body) => body.files,
      (body) => body.next_page_token,
    );
    expect(mlflowPaged.items).toHaveLength(15_000);

    const proxy = await get(
      tenant,
      `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`0/${run}/artifacts/${folder}`)}`,
    );
    expect(proxy.status).toBe(400);
    expect(proxy.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(proxy.bytes).toBeLessThan(lambdaResponseLimitBytes);
  }, 600_000);
});
