import { describe, expect, test } from 'vitest';
import { newTenant } from '../../test/support/tenants.ts';

describe('experiments (through the gateway, on DynamoDB Local)', () => {
  test('every tenant starts with experiment "0", named Default', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('GET', '/api/v1/experiments');
    expect(status).toBe(200);
    expect(body.experiments).toMatchObject([
      { id: '0', name: 'Default', lifecycleStage: 'active', artifactLocation: 'mlflow-artifacts:/0' },
    ]);
    expect((await tenant.call('GET', '/api/v1/experiments/by-name?name=Default')).body.experiment.id).toBe(
      '0',
    );
  });

  test('names are unique: a second "iris" is a 409 and the first is untouched', async () => {
    const tenant = await newTenant();
    const first = await tenant.call('POST', '/api/v1/experiments', {
      body: { name: 'iris', tags: { team: 'vision' } },
    });
    expect(first.status).toBe(201);
    expect(first.body.experiment).toMatchObject({
      id: '1',
      name: 'iris',
      tags: { team: 'vision' },
      runCount: 0,
    });

    const second = await tenant.call('POST', '/api/v1/experiments', { body: { name: 'iris' } });

    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('experiments.already_exists');
    const listed = await tenant.call('GET', '/api/v1/experiments');
    expect(listed.body.experiments.map((e: { name: string }) => e.name).sort()).toEqual(['Default', 'iris']);
  });

  test('rename frees the old name and claims the new one; taken names are refused', async () => {
    const tenant = await newTenant();
    const a = (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'a' } })).body.experiment;
    await tenant.call('POST', '/api/v1/experiments', { body: { name: 'b' } });

    const renamed = await tenant.call('PATCH', `/api/v1/experiments/${a.id}`, {
      body: { name: 'c', tags: { k: 'v' } },
    });
    expect(renamed.body.experiment).toMatchObject({ name: 'c', tags: { k: 'v' } });
    expect((await tenant.call('GET', '/api/v1/experiments/by-name?name=a')).status).toBe(404);
    expect((await tenant.call('POST', '/api/v1/experiments', { body: { name: 'a' } })).status).toBe(201);

    const clash = await tenant.call('PATCH', `/api/v1/experiments/${a.id}`, { body: { name: 'b' } });
    expect(clash.status).toBe(409);
    expect((await tenant.call('GET', `/api/v1/experiments/${a.id}`)).body.experiment.name).toBe('c');

    const untagged = await tenant.call('PATCH', `/api/v1/experiments/${a.id}`, {
      body: { tags: { k: null } },
    });
    expect(untagged.body.experiment.tags).toEqual({});
  });

  test('soft delete hides an experiment from the active view; restore brings it back', async () => {
    const tenant = await newTenant();
    const exp = (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'old' } })).body.experiment;

    expect(
      (await tenant.call('DELETE', `/api/v1/experiments/${exp.id}`)).body.experiment.lifecycleStage,
    ).toBe('deleted');
    const active = (await tenant.call('GET', '/api/v1/experiments')).body.experiments.map(
      (e: { id: string }) => e.id,
    );
    const deleted = (await tenant.call('GET', '/api/v1/experiments?viewType=deleted')).body.experiments.map(
      (e: { id: string }) => e.id,
    );
    expect(active).not.toContain(exp.id);
    expect(deleted).toEqual([exp.id]);
    const runInDeleted = await tenant.call('POST', '/api/v1/runs', { body: { experimentId: exp.id } });
    expect(runInDeleted.status).toBe(409);
    expect(runInDeleted.body.error.code).toBe('experiments.not_active');

    await tenant.call('POST', `/api/v1/experiments/${exp.id}/restore`);
    expect((await tenant.call('GET', `/api/v1/experiments/${exp.id}`)).body.experiment.lifecycleStage).toBe(
      'active',
    );
  });

  test('the Default experiment cannot be deleted', async () => {
    const tenant = await newTenant();
    const { status, body } = await tenant.call('DELETE', '/api/v1/experiments/0');
    expect(status).toBe(400);
    expect(body.error.code).toBe('experiments.default_protected');
  });

  test('search filters by name and tags, orders, and pages with tokens', async () => {
    const tenant = await newTenant();
    for (const name of ['vision-a', 'vision-b', 'vision-c', 'nlp-a']) {
      await tenant.call('POST', '/api/v1/experiments', {
        body: { name, tags: { area: name.split('-')[0]! } },
      });
    }
    const filter = encodeURIComponent("name LIKE 'vision%' and tags.area = 'vision'");
    const first = await tenant.call(
      'GET',
      `/api/v1/experiments?filter=${filter}&orderBy=name%20DESC&maxResults=2`,
    );
    expect(first.body.experiments.map((e: { name: string }) => e.name)).toEqual(['vision-c', 'vision-b']);
    const second = await tenant.call(
      'GET',
      `/api/v1/experiments?filter=${filter}&orderBy=name%20DESC&maxResults=2&pageToken=${first.body.nextPageToken}`,
    );
    expect(second.body.experiments.map((e: { name: string }) => e.name)).toEqual(['vision-a']);
    expect(second.body.nextPageToken).toBeUndefined();

    const bad = await tenant.call('GET', `/api/v1/experiments?filter=${encodeURIComponent('name LIKE')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('search.invalid_filter');
  });

  test('bad input: a control character in a name, an unknown field, a non-numeric id', async () => {
    const tenant = await newTenant();
    expect(
      (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'a\u0007b' } })).body.error.details
        .issues[0].path,
    ).toBe('body.name');
    expect(
      (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'x', colour: 'red' } })).status,
    ).toBe(400);
    expect((await tenant.call('GET', '/api/v1/experiments/abc')).body.error.details.issues[0].path).toBe(
      'path.experimentId',
    );
    expect((await tenant.call('GET', '/api/v1/experiments/999')).body.error.code).toBe(
      'experiments.not_found',
    );
  });

  test('tags that would outgrow the item are experiments.too_large (400) at once, not a retry or a 500', async () => {
    const tenant = await newTenant();
    const experiment = (await tenant.call('POST', '/api/v1/experiments', { body: { name: 'big' } })).body
      .experiment;
    const tags = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, 'x'.repeat(8000)]));

    const answer = await tenant.call('PATCH', `/api/v1/experiments/${experiment.id}`, { body: { tags } });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('experiments.too_large');
    expect((await tenant.call('GET', `/api/v1/experiments/${experiment.id}`)).body.experiment.tags).toEqual(
      {},
    );
  });
});
