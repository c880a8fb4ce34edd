import { describe, expect, test } from 'vitest';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';

type Event = {
  id: string;
  type: string;
  resource: string;
  time: string;
  actor: { keyId: string; name: string };
};

const audit = async (tenant: TestTenant, query = '') => {
  const answer = await tenant.call('GET', `/api/v1/audit${query ? `?${query}` : ''}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { events: Event[]; nextPageToken?: string };
};

describe('the audit log', () => {
  test('records key creation and revocation, and deletions and restores, with who did them', async () => {
    const tenant = await newTenant();
    const created = (await tenant.call('POST', '/api/v1/keys', { body: { name: 'ci', role: 'writer' } })).body
      .apiKey;
    await tenant.call('DELETE', `/api/v1/keys/${created.id}`);
    const run = (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run;
    await tenant.call('DELETE', `/api/v1/runs/${run.id}`);
    await tenant.call('POST', `/api/v1/runs/${run.id}/restore`);

    const { events } = await audit(tenant);

    expect(events.map((event) => [event.type, event.resource])).toEqual([
      ['run.restored', `runs/${run.id}`],
      ['run.deleted', `runs/${run.id}`],
      ['key.revoked', `keys/${created.id}`],
      ['key.created', `keys/${created.id}`],
    ]);
    expect(events.every((event) => event.actor.name === 'admin')).toBe(true);
    expect(JSON.stringify(events)).not.toContain(created.secret);
  });

  test('filters by resource, actor, type and time range, newest first, in pages', async () => {
    const tenant = await newTenant();
    const writer = await tenant.keyWith('writer');
    const writerId = (await tenant.call('GET', '/api/v1/tenant', { key: writer })).body.caller.keyId;
    for (const name of ['a', 'b', 'c']) {
      await tenant.call('POST', '/api/v1/models', { key: writer, body: { name } });
    }
    await tenant.call('PATCH', '/api/v1/models/b', { body: { description: 'by admin' } });
    const all = (await audit(tenant)).events;

    expect((await audit(tenant, 'resource=models/b')).events.map((e) => e.type)).toEqual([
      'model.updated',
      'model.created',
    ]);
    expect((await audit(tenant, `actor=${writerId}`)).events.map((e) => e.resource)).toEqual([
      'models/c',
      'models/b',
      'models/a',
    ]);
    expect((await audit(tenant, `resource=models/b&actor=${writerId}`)).events).toHaveLength(1);
    expect((await audit(tenant, 'type=model.updated')).events.map((e) => e.resource)).toEqual(['models/b']);
    const middle = all.find((event) => event.resource === 'models/b' && event.type === 'model.created')!;
    const since = (await audit(tenant, `since=${encodeURIComponent(middle.time)}&type=model.*`)).events;
    expect(since.map((e) => e.resource)).toEqual(['models/b', 'models/c', 'models/b']);
    const until = (await audit(tenant, `until=${encodeURIComponent(middle.time)}&type=model.created`)).events;
    expect(until.map((e) => e.resource)).toEqual(['models/b', 'models/a']);

    const first = await audit(tenant, 'type=model.*&maxResults=3');
    const second = await audit(tenant, `type=model.*&maxResults=3&pageToken=${first.nextPageToken}`);
    expect(first.nextPageToken).toBeDefined();
    expect([...first.events, ...second.events].map((e) => e.id)).toEqual(
      all.filter((e) => e.type.startsWith('model.')).map((e) => e.id),
    );
    const mixed = await tenant.call(
      'GET',
      `/api/v1/audit?resource=models/a&pageToken=${first.nextPageToken}`,
    );
    expect(mixed.body.error.code).toBe('search.invalid_page_token');
  });

  test('a reversed time range is a 400', async () => {
    const tenant = await newTenant();
    const answer = await tenant.call(
      'GET',
      '/api/v1/audit?since=2026-03-04T00:00:00Z&until=2026-03-03T00:00:00Z',
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('request.invalid');
  });
});
