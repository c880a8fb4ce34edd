import { expect } from 'vitest';
import type { IsolationCase } from '../isolation-cases.ts';
import type { TestTenant } from '../support/tenants.ts';

/** Tenant A's webhook (nothing it selects happens during the test), its list and A's audit log. */
async function webhookOf(a: TestTenant) {
  const created = await a.call('POST', '/api/v1/webhooks', {
    body: { url: 'http://127.0.0.1:9/hook', events: ['model.version.created'] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const webhookId: string = created.body.webhook.id;
  const snapshot = async () => ({
    webhooks: (await a.call('GET', '/api/v1/webhooks')).body,
    deliveries: (await a.call('GET', `/api/v1/webhooks/${webhookId}/deliveries`)).body,
    audit: (await a.call('GET', '/api/v1/audit')).body,
  });
  return { webhookId, snapshot };
}

const onWebhook = (suffix: string): IsolationCase => ({
  arrange: async (a) => {
    const { webhookId, snapshot } = await webhookOf(a);
    return { path: `/api/v1/webhooks/${webhookId}${suffix}`, snapshot };
  },
  expect: 404,
});

export const eventCases: Record<string, IsolationCase> = {
  'GET /api/v1/audit': {
    arrange: async (a) => {
      const { snapshot } = await webhookOf(a);
      return { path: '/api/v1/audit', snapshot };
    },
    expect: ({ status, body }, a, b) => {
      expect(status).toBe(200);
      for (const event of body.events) expect(event.tenantId).toBe(b.id);
      expect(JSON.stringify(body)).not.toContain(a.id);
    },
  },
  'POST /api/v1/webhooks': {
    arrange: async (a) => {
      const { snapshot } = await webhookOf(a);
      return {
        path: '/api/v1/webhooks',
        body: { url: 'http://127.0.0.1:9/b', events: ['model.version.created'] },
        snapshot,
      };
    },
    // B registers a webhook of its own; A's list does not change.
    expect: ({ status, body }) => {
      expect(status).toBe(201);
      expect(body.webhook.secret).toMatch(/^whsec_/);
    },
  },
  'GET /api/v1/webhooks': {
    arrange: async (a) => {
      const { snapshot } = await webhookOf(a);
      return { path: '/api/v1/webhooks', snapshot };
    },
    expect: ({ status, body }) => {
      expect(status).toBe(200);
      expect(body.webhooks).toEqual([]);
    },
  },
  'GET /api/v1/webhooks/{webhookId}': onWebhook(''),
  'DELETE /api/v1/webhooks/{webhookId}': onWebhook(''),
  'GET /api/v1/webhooks/{webhookId}/deliveries': onWebhook('/deliveries'),
};
