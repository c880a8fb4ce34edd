import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { datasetInput, modelFiles, modelWithVersion, runWithArtifacts } from '../../test/support/models.ts';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';
import { sha256 } from '../../test/support/uploads.ts';

const at = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;

async function register(tenant: TestTenant, name: string, runId: string, artifactPath = 'model') {
  return tenant.call('POST', `${at(name)}/versions`, { body: { runId, artifactPath } });
}

const auditOf = async (tenant: TestTenant, query = '') =>
  (await tenant.call('GET', `/api/v1/audit?${query}`)).body.events as {
    type: string;
    before: any;
    after: any;
  }[];

describe('registered models', () => {
  test('a name is unique per tenant: the second create is a 409 naming it', async () => {
    const tenant = await newTenant();
    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud', tags: { team: 'risk' } } });

    const again = await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'models.already_exists', details: { name: 'fraud' } });
  });

  test('a rename keeps versions and aliases; the old name is gone and free', async () => {
    const tenant = await newTenant();
    const { name } = await modelWithVersion(tenant);
    await tenant.call('PUT', `${at(name)}/aliases/champion`, { body: { version: 1 } });

    const renamed = await tenant.call('PATCH', at(name), {
      body: { name: 'fraud-v2', description: 'better' },
    });

    expect(renamed.body.model).toMatchObject({
      name: 'fraud-v2',
      description: 'better',
      aliases: { champion: 1 },
    });
    expect((await tenant.call('GET', `${at('fraud-v2')}/versions/1`)).body.version.name).toBe('fraud-v2');
    expect((await tenant.call('GET', at(name))).status).toBe(404);
    expect((await tenant.call('POST', '/api/v1/models', { body: { name } })).status).toBe(201);
    const [event] = await auditOf(tenant, 'resource=models/fraud-v2');
    expect(event).toMatchObject({
      type: 'model.renamed',
      before: { model: name },
      after: { model: 'fraud-v2' },
    });
  });

  test('search filters by name and tags with MLflow grammar', async () => {
    const tenant = await newTenant();
    for (const [name, team] of [
      ['fraud-a', 'risk'],
      ['fraud-b', 'growth'],
      ['churn', 'risk'],
    ]) {
      await tenant.call('POST', '/api/v1/models', { body: { name, tags: { team: team! } } });
    }
    const found = await tenant.call(
      'GET',
      `/api/v1/models?filter=${encodeURIComponent("name LIKE 'fraud%' and tags.team = 'risk'")}`,
    );
    expect(found.body.models.map((model: { name: string }) => model.name)).toEqual(['fraud-a']);
  });
});

describe('model versions', () => {
  test("a version references the run's files by digest and size, relative to the artifact path", async () => {
    const tenant = await newTenant();
    const files = modelFiles('x');
    const runId = await runWithArtifacts(tenant, files);
    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    const created = await register(tenant, 'fraud', runId);

    expect(created.status).toBe(201);
    expect(created.body.version).toMatchObject({
      name: 'fraud',
      version: 1,
      runId,
      artifactPath: 'model',
      source: `runs:/${runId}/model`,
      stage: 'None',
      status: 'READY',
      fileCount: 3,
    });
    const read = (await tenant.call('GET', `${at('fraud')}/versions/1`)).body.version;
    expect(read.files).toEqual(
      files
        .map((file) => ({ path: file.path, sha256: sha256(file.bytes), size: file.bytes.length }))
        .sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
  });

  test('a missing run, or an artifact path (or a whole run) without files, is a 404 and consumes no number', async () => {
    const tenant = await newTenant();
    const runId = await runWithArtifacts(tenant);
    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });

    const noRun = await register(tenant, 'fraud', 'f'.repeat(32));
    const noPath = await register(tenant, 'fraud', runId, 'weights');
    const bare = (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run.id;
    const nothing = await register(tenant, 'fraud', bare, '');
    const good = await register(tenant, 'fraud', runId);

    expect(nothing.body.error.code).toBe('models.artifact_not_found');
    expect(noRun.status).toBe(404);
    expect(noRun.body.error.code).toBe('runs.not_found');
    expect(noPath.status).toBe(404);
    expect(noPath.body.error).toMatchObject({
      code: 'models.artifact_not_found',
      details: { artifactPath: 'weights' },
    });
    expect(good.body.version.version).toBe(1);
  });

  test('twenty concurrent creates get 1..20, no gaps and no duplicates, even with failures among them', async () => {
    const tenant = await newTenant();
    const runId = await runWithArtifacts(tenant);
    await tenant.call('POST', '/api/v1/models', { body: { name: 'busy' } });

    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        register(tenant, 'busy', runId, i % 5 === 4 ? 'missing' : 'model'),
      ),
    );

    const numbers = answers.filter((a) => a.status === 201).map((a) => a.body.version.version as number);
    expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(answers.filter((a) => a.status === 404)).toHaveLength(5);
    const model = (await tenant.call('GET', at('busy'))).body.model;
    expect(model.latestVersion).toBe(20);
    const created = (await auditOf(tenant, 'type=model.version.created&maxResults=100')).map(
      (e) => e.after.version,
    );
    expect(created.sort((a, b) => a - b)).toEqual(numbers);
  });

  test('stages: moving a version to Production can archive the one that held it', async () => {
    const tenant = await newTenant();
    const { name, runId } = await modelWithVersion(tenant);
    await register(tenant, name, runId);
    await tenant.call('POST', `${at(name)}/versions/1/stage`, { body: { stage: 'Production' } });

    const moved = await tenant.call('POST', `${at(name)}/versions/2/stage`, {
      body: { stage: 'Production', archiveExistingVersions: true },
    });

    expect(moved.body.version.stage).toBe('Production');
    expect((await tenant.call('GET', `${at(name)}/versions/1`)).body.version.stage).toBe('Archived');
    const latest = (await tenant.call('GET', at(name))).body.latestVersions;
    expect(latest.map((v: { version: number; stage: string }) => [v.version, v.stage])).toEqual([
      [1, 'Archived'],
      [2, 'Production'],
    ]);
    const [event] = await auditOf(tenant, 'type=model.version.stage_changed&maxResults=1');
    expect(event).toMatchObject({
      before: { version: 2, stage: 'None' },
      after: { stage: 'Production', archived: [1] },
    });
  });

  test('deleting a version removes its aliases with it and never gives its number out again', async () => {
    const tenant = await newTenant();
    const { name, runId } = await modelWithVersion(tenant);
    await register(tenant, name, runId);
    await tenant.call('PUT', `${at(name)}/aliases/production`, { body: { version: 2 } });

    const deleted = await tenant.call('DELETE', `${at(name)}/versions/2`);
    const next = await register(tenant, name, runId);

    expect(deleted.status).toBe(200);
    expect((await tenant.call('GET', at(name))).body.model.aliases).toEqual({});
    expect((await tenant.call('GET', `${at(name)}/resolve?ref=production`)).status).toBe(404);
    expect((await tenant.call('GET', `${at(name)}/versions/2`)).body.error.code).toBe(
      'models.version_not_found',
    );
    expect(next.body.version.version).toBe(3);
    const versions = (await tenant.call('GET', `${at(name)}/versions`)).body.versions;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([3, 1]);
  });
});

describe('aliases', () => {
  test('set, move and remove are one event each, with before and after', async () => {
    const tenant = await newTenant();
    const { name, runId } = await modelWithVersion(tenant);
    await register(tenant, name, runId);

    await tenant.call('PUT', `${at(name)}/aliases/production`, { body: { version: 1 } });
    const moved = await tenant.call('PUT', `${at(name)}/aliases/production`, { body: { version: 2 } });
    await tenant.call('DELETE', `${at(name)}/aliases/production`);

    expect(moved.body.version).toMatchObject({ version: 2, aliases: ['production'] });
    const events = await auditOf(tenant, `resource=models/${name}&type=model.alias.*`);
    expect(events.map((e) => [e.type, e.before?.version ?? null, e.after?.version ?? null])).toEqual([
      ['model.alias.removed', 2, null],
      ['model.alias.moved', 1, 2],
      ['model.alias.set', null, 1],
    ]);
  });

  test('latest and v<digits> are reserved (400); an alias on a missing version is a 404', async () => {
    const tenant = await newTenant();
    const { name } = await modelWithVersion(tenant);

    for (const alias of ['latest', 'v3', 'V12']) {
      const answer = await tenant.call('PUT', `${at(name)}/aliases/${alias}`, { body: { version: 1 } });
      expect(answer.status, alias).toBe(400);
      expect(answer.body.error.code).toBe('models.reserved_alias');
    }
    const missing = await tenant.call('PUT', `${at(name)}/aliases/champion`, { body: { version: 9 } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('models.version_not_found');
    expect((await tenant.call('GET', at(name))).body.model.aliases).toEqual({});
  });

  test('a protected alias is a promotion gate: writers get 403, admins move it', async () => {
    const tenant = await newTenant();
    const writer = await tenant.keyWith('writer');
    const { name, runId } = await modelWithVersion(tenant);
    await register(tenant, name, runId);
    const byWriter = await tenant.call('PUT', `${at(name)}/protected-aliases`, {
      key: writer,
      body: { aliases: ['production'] },
    });
    expect(byWriter.status).toBe(403);
    await tenant.call('PUT', `${at(name)}/protected-aliases`, { body: { aliases: ['production'] } });

    const refused = await tenant.call('PUT', `${at(name)}/aliases/production`, {
      key: writer,
      body: { version: 2 },
    });
    const staging = await tenant.call('PUT', `${at(name)}/aliases/staging`, {
      key: writer,
      body: { version: 2 },
    });
    const promoted = await tenant.call('PUT', `${at(name)}/aliases/production`, { body: { version: 2 } });
    const removal = await tenant.call('DELETE', `${at(name)}/aliases/production`, { key: writer });

    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'models.alias_protected',
      details: { alias: 'production' },
    });
    expect(staging.status).toBe(200);
    expect(promoted.status).toBe(200);
    expect(removal.status).toBe(403);
    expect((await tenant.call('GET', at(name))).body.model.aliases).toEqual({ production: 2, staging: 2 });
  });
});

describe('resolve and lineage', () => {
  test('an alias resolves to the version, its run and files whose download URLs give exactly those bytes', async () => {
    const tenant = await newTenant();
    const { name, runId } = await modelWithVersion(tenant);
    await tenant.call('PUT', `${at(name)}/aliases/production`, { body: { version: 1 } });

    const byPath = await tenant.call('GET', `${at(name)}/resolve?ref=production`);
    const byUri = await tenant.call(
      'GET',
      `/api/v1/resolve?uri=${encodeURIComponent(`models/${name}@production`)}`,
    );
    const mlflowUri = await tenant.call(
      'GET',
      `/api/v1/resolve?uri=${encodeURIComponent(`models:/${name}/1`)}`,
    );

    expect(byPath.status).toBe(200);
    expect(byPath.body).toMatchObject({
      model: name,
      ref: 'production',
      version: { version: 1, runId },
      run: { id: runId },
    });
    expect(byUri.body.version).toEqual(byPath.body.version);
    expect(mlflowUri.body.version.version).toBe(1);
    expect(byPath.body.expiresAt).toBeGreaterThan(Date.now());
    for (const file of byPath.body.files) {
      const bytes = new Uint8Array(await (await fetch(file.url)).arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      expect(bytes.length).toBe(file.size);
    }
    const unknown = await tenant.call('GET', `${at(name)}/resolve?ref=canary`);
    expect(unknown.body.error.code).toBe('models.alias_not_found');
  });

  test("a version answers its run's params, final metrics and dataset versions; the dataset version answers the model versions", async () => {
    const tenant = await newTenant();
    const runId = await runWithArtifacts(tenant);
    const { dataset, version: datasetVersion } = await datasetInput(tenant, runId);
    await tenant.call('POST', '/api/v1/models', { body: { name: 'fraud' } });
    await register(tenant, 'fraud', runId);

    const lineage = (await tenant.call('GET', `${at('fraud')}/versions/1/lineage`)).body.lineage;
    const trainedOn = await tenant.call(
      'GET',
      `/api/v1/model-versions?dataset=${dataset}&datasetVersion=${datasetVersion}`,
    );
    const ofRun = await tenant.call('GET', `/api/v1/model-versions?runId=${runId}`);

    expect(lineage.run).toMatchObject({
      id: runId,
      params: { lr: '0.01' },
      metrics: { auc: { value: 0.91, step: 3 } },
    });
    expect(lineage.datasets).toEqual([
      { dataset, version: datasetVersion, digest: expect.any(String), context: 'training' },
    ]);
    expect(
      trainedOn.body.versions.map((v: { name: string; version: number }) => [v.name, v.version]),
    ).toEqual([['fraud', 1]]);
    expect(ofRun.body.versions).toHaveLength(1);
  });
});
