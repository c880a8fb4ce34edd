import { describe, expect, test } from 'vitest';
import { mlflowClient } from '../../test/support/mlflow.ts';
import { modelWithVersion } from '../../test/support/models.ts';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';

/*
 * A registry change is one DynamoDB transaction. A refusal DynamoDB gives for good (an item over
 * 400 KB) must come back at once as a final 4xx, never as `models.busy` (which clients retry), and
 * must leave nothing written; a real race between writers must still end with every write in.
 */

const at = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;

/** 60 tags of 8,000 characters: about 480 KB, more than one DynamoDB item holds. */
const hugeTags = () =>
  Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, String(i % 10).repeat(8000)]));

const eventsOf = async (tenant: TestTenant, name: string) =>
  (await tenant.call('GET', `/api/v1/audit?resource=models/${name}`)).body.events.length as number;

describe('registry transactions: refusals are final', () => {
  test('tags that would outgrow the model item are models.too_large (400), and nothing is written', async () => {
    const tenant = await newTenant();
    const { name } = await modelWithVersion(tenant);
    const events = await eventsOf(tenant, name);

    const answer = await tenant.call('PATCH', at(name), { body: { tags: hugeTags() } });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('models.too_large');
    expect((await tenant.call('GET', at(name))).body.model.tags).toEqual({});
    expect(await eventsOf(tenant, name)).toBe(events);
  });

  test('tags that would outgrow a version item are models.too_large (400)', async () => {
    const tenant = await newTenant();
    const { name } = await modelWithVersion(tenant);

    const answer = await tenant.call('PATCH', `${at(name)}/versions/1`, { body: { tags: hugeTags() } });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('models.too_large');
    expect((await tenant.call('GET', `${at(name)}/versions/1`)).body.version.tags).toEqual({});
  });

  test("MLflow's client sees INVALID_PARAMETER_VALUE, which it does not retry, when tags one by one outgrow the item", async () => {
    const tenant = await newTenant();
    const { name } = await modelWithVersion(tenant);
    const mlflow = mlflowClient(tenant.adminKey);

    let answer = await mlflow('POST', 'registered-models/set-tag', { name, key: 't', value: '' });
    for (let i = 0; answer.status === 200 && i < 80; i++) {
      answer = await mlflow('POST', 'registered-models/set-tag', {
        name,
        key: `t${i}`,
        value: 'x'.repeat(8000),
      });
    }

    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('registry transactions: conflicts still commit', () => {
  test('writers racing on one model (aliases, tags, descriptions) all succeed and nothing is lost', async () => {
    const tenant = await newTenant();
    const { name } = await modelWithVersion(tenant);
    const writers = await Promise.all([tenant.keyWith('writer'), tenant.keyWith('writer')]);

    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => {
        const key = writers[i % 2];
        return i % 2 === 0
          ? tenant.call('PUT', `${at(name)}/aliases/a${i}`, { key, body: { version: 1 } })
          : tenant.call('PATCH', at(name), { key, body: { tags: { [`k${i}`]: `v${i}` } } });
      }),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array(16).fill(200));
    const model = (await tenant.call('GET', at(name))).body.model;
    expect(Object.keys(model.aliases)).toHaveLength(8);
    expect(Object.keys(model.tags)).toHaveLength(8);
  });
});
