import { describe, expect, test } from 'vitest';
import { mlflowClient } from '../../test/support/mlflow.ts';
import { modelWithVersion, runWithArtifacts } from '../../test/support/models.ts';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';

/*
 * A protected alias (`production`) is a promotion gate: only an admin key may move it. That holds
 * only if nothing else a writer can do changes where `models/<name>@production` resolves: deleting
 * the version it points at, deleting the model, or renaming the model and taking its name.
 */

const at = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;

/** A model with versions 1 and 2, `production` protected and on 1, `staging` (unprotected) on 2. */
async function gatedModel(tenant: TestTenant) {
  const { name, runId } = await modelWithVersion(tenant);
  const second = await tenant.call('POST', `${at(name)}/versions`, {
    body: { runId, artifactPath: 'model' },
  });
  expect(second.status).toBe(201);
  await tenant.call('PUT', `${at(name)}/protected-aliases`, { body: { aliases: ['production'] } });
  await tenant.call('PUT', `${at(name)}/aliases/production`, { body: { version: 1 } });
  await tenant.call('PUT', `${at(name)}/aliases/staging`, { body: { version: 2 } });
  return { name, runId, writer: await tenant.keyWith('writer') };
}

/** What a deploy pipeline reads: the version `production` resolves to, by URI. */
async function production(tenant: TestTenant, name: string) {
  const resolved = await tenant.call(
    'GET',
    `/api/v1/resolve?uri=${encodeURIComponent(`models/${name}@production`)}`,
  );
  return resolved.status === 200 ? (resolved.body.version.version as number) : resolved.body.error.code;
}

const auditTypes = async (tenant: TestTenant, name: string) =>
  ((await tenant.call('GET', `/api/v1/audit?resource=models/${name}`)).body.events as { type: string }[]).map(
    (event) => event.type,
  );

describe('protected aliases against a writer', () => {
  test('a writer cannot delete the version a protected alias points at (either API); an unprotected one goes', async () => {
    const tenant = await newTenant();
    const { name, writer } = await gatedModel(tenant);
    const mlflow = mlflowClient(writer);
    const before = await auditTypes(tenant, name);

    const ours = await tenant.call('DELETE', `${at(name)}/versions/1`, { key: writer });
    const theirs = await mlflow('DELETE', 'model-versions/delete', { name, version: '1' });
    const unprotected = await tenant.call('DELETE', `${at(name)}/versions/2`, { key: writer });

    expect(ours.status).toBe(403);
    expect(ours.body.error).toMatchObject({
      code: 'models.alias_protected',
      details: { name, version: 1, aliases: ['production'] },
    });
    expect(theirs.status).toBe(403);
    expect(theirs.body.error_code).toBe('PERMISSION_DENIED');
    expect(unprotected.status).toBe(200);
    expect(await production(tenant, name)).toBe(1);
    expect((await tenant.call('GET', at(name))).body.model.aliases).toEqual({ production: 1 });
    // The refusals changed nothing, so they left nothing in the log either.
    expect(await auditTypes(tenant, name)).toEqual(['model.version.deleted', ...before]);
  });

  test('a writer cannot delete a model that protects aliases (either API)', async () => {
    const tenant = await newTenant();
    const { name, writer } = await gatedModel(tenant);

    const ours = await tenant.call('DELETE', at(name), { key: writer });
    const theirs = await mlflowClient(writer)('DELETE', 'registered-models/delete', { name });

    expect(ours.status).toBe(403);
    expect(ours.body.error).toMatchObject({
      code: 'models.alias_protected',
      details: { name, protectedAliases: ['production'] },
    });
    expect(theirs.status).toBe(403);
    expect(theirs.body.error_code).toBe('PERMISSION_DENIED');
    expect(await production(tenant, name)).toBe(1);
  });

  test('a writer cannot hijack the name: rename is refused, so no new model can take it', async () => {
    const tenant = await newTenant();
    const { name, writer } = await gatedModel(tenant);
    const mlflow = mlflowClient(writer);

    const ours = await tenant.call('PATCH', at(name), { key: writer, body: { name: `${name}-moved` } });
    const theirs = await mlflow('POST', 'registered-models/rename', { name, new_name: `${name}-moved` });
    // The rest of the hijack: take the name and promote a writer's version under it.
    const retaken = await tenant.call('POST', '/api/v1/models', { key: writer, body: { name } });
    const own = await runWithArtifacts(tenant);
    await tenant.call('POST', `${at(name)}/versions`, {
      key: writer,
      body: { runId: own, artifactPath: 'model' },
    });
    const promoted = await tenant.call('PUT', `${at(name)}/aliases/production`, {
      key: writer,
      body: { version: 3 },
    });

    expect(ours.status).toBe(403);
    expect(ours.body.error.code).toBe('models.alias_protected');
    expect(theirs.status).toBe(403);
    expect(theirs.body.error_code).toBe('PERMISSION_DENIED');
    expect(retaken.status).toBe(409);
    expect(promoted.status).toBe(403);
    expect(await production(tenant, name)).toBe(1);
    expect((await tenant.call('GET', at(`${name}-moved`))).status).toBe(404);
  });

  test('a declared protection guards the name before the alias is first set', async () => {
    const tenant = await newTenant();
    const { name } = await modelWithVersion(tenant);
    const writer = await tenant.keyWith('writer');
    await tenant.call('PUT', `${at(name)}/protected-aliases`, { body: { aliases: ['production'] } });

    const renamed = await tenant.call('PATCH', at(name), { key: writer, body: { name: `${name}-x` } });
    const deleted = await tenant.call('DELETE', at(name), { key: writer });
    const described = await tenant.call('PATCH', at(name), { key: writer, body: { description: 'ok' } });

    expect(renamed.status).toBe(403);
    expect(deleted.status).toBe(403);
    expect(described.status).toBe(200);
  });

  test('stage transitions with archive_existing_versions leave protected aliases where they are', async () => {
    const tenant = await newTenant();
    const { name, writer } = await gatedModel(tenant);
    const mlflow = mlflowClient(writer);
    await tenant.call('POST', `${at(name)}/versions/1/stage`, { body: { stage: 'Production' } });

    const moved = await mlflow('POST', 'model-versions/transition-stage', {
      name,
      version: '2',
      stage: 'Production',
      archive_existing_versions: true,
    });

    expect(moved.status).toBe(200);
    expect((await tenant.call('GET', `${at(name)}/versions/1`)).body.version.stage).toBe('Archived');
    expect(await production(tenant, name)).toBe(1);
  });

  test('an admin may still delete the version (the alias goes with it), rename and delete the model', async () => {
    const tenant = await newTenant();
    const { name } = await gatedModel(tenant);

    const version = await tenant.call('DELETE', `${at(name)}/versions/1`);
    expect(version.status).toBe(200);
    expect(await production(tenant, name)).toBe('models.alias_not_found');
    const renamed = await tenant.call('PATCH', at(name), { body: { name: `${name}-moved` } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.model.protectedAliases).toEqual(['production']);
    const deleted = await tenant.call('DELETE', at(`${name}-moved`));
    expect(deleted.status).toBe(200);
  });
});
