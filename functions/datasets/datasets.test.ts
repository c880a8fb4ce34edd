import { describe, expect, test } from 'vitest';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';
import { type LocalFile, sha256, textFiles, upload } from '../../test/support/uploads.ts';

/** `cairn data push`, by hand: upload what is missing, then commit the manifest. */
async function push(tenant: TestTenant, name: string, files: readonly LocalFile[], message = '') {
  const { statuses, entries } = await upload(tenant, files);
  const committed = await tenant.call('POST', `/api/v1/datasets/${name}/versions`, {
    body: { files: entries, message },
  });
  expect(committed.status, JSON.stringify(committed.body)).toBe(200);
  const uploaded = Object.values(statuses).filter((status) => status !== 'present').length;
  return { ...committed.body, uploaded };
}

async function pull(tenant: TestTenant, name: string, ref: string): Promise<Record<string, string>> {
  const urls = await tenant.call('POST', `/api/v1/datasets/${name}/versions/${ref}/urls`, { body: {} });
  expect(urls.status).toBe(200);
  const out: Record<string, string> = {};
  for (const file of urls.body.files) {
    const bytes = new Uint8Array(await (await fetch(file.url)).arrayBuffer());
    expect(sha256(bytes)).toBe(file.sha256);
    out[file.path] = new TextDecoder().decode(bytes);
  }
  return out;
}

const iris1 = {
  'iris.csv': 'sepal,petal\n5.1,1.4\n',
  'README.md': '# iris\n',
  'labels/classes.txt': 'setosa\n',
};
const iris2 = { ...iris1, 'iris.csv': 'sepal,petal\n5.1,1.4\n4.9,1.4\n' };

describe('datasets', () => {
  test('push a folder, change one file, push again: one blob uploaded, version 2, and each version pulls back its bytes', async () => {
    const tenant = await newTenant();

    const first = await push(tenant, 'iris', textFiles(iris1), 'first cut');
    const second = await push(tenant, 'iris', textFiles(iris2), 'more rows');

    expect(first).toMatchObject({
      created: true,
      uploaded: 3,
      version: { version: 1, fileCount: 3, message: 'first cut' },
    });
    expect(second).toMatchObject({ created: true, uploaded: 1, version: { version: 2, fileCount: 3 } });
    expect(second.version.digest).not.toBe(first.version.digest);
    expect(await pull(tenant, 'iris', '1')).toEqual(iris1);
    expect(await pull(tenant, 'iris', 'latest')).toEqual(iris2);
    const dataset = await tenant.call('GET', '/api/v1/datasets/iris');
    expect(dataset.body.dataset).toMatchObject({
      name: 'iris',
      latestVersion: 2,
      latestDigest: second.version.digest,
    });
  });

  test('pushing content identical to the latest version makes no new version, and says so', async () => {
    const tenant = await newTenant();
    const first = await push(tenant, 'iris', textFiles(iris1));

    const again = await push(tenant, 'iris', textFiles(iris1), 'same again');

    expect(again).toMatchObject({
      created: false,
      uploaded: 0,
      version: { version: 1, digest: first.version.digest },
    });
    expect((await tenant.call('GET', '/api/v1/datasets/iris/versions')).body.versions).toHaveLength(1);
  });

  test('reverting to an older content makes a new version: only the latest is compared', async () => {
    const tenant = await newTenant();
    const first = await push(tenant, 'iris', textFiles(iris1));
    await push(tenant, 'iris', textFiles(iris2));

    const third = await push(tenant, 'iris', textFiles(iris1));

    expect(third).toMatchObject({
      created: true,
      uploaded: 0,
      version: { version: 3, digest: first.version.digest },
    });
  });

  test('concurrent pushes of different content get distinct, gapless numbers', async () => {
    const tenant = await newTenant();
    const contents = Array.from({ length: 4 }, (_, i) => textFiles({ 'data.csv': `row ${i}\n` }));
    for (const files of contents) await upload(tenant, files);

    const results = await Promise.all(
      contents.map((files) =>
        tenant.call('POST', '/api/v1/datasets/race/versions', {
          body: {
            files: files.map((f) => ({ path: f.path, sha256: sha256(f.bytes), size: f.bytes.length })),
          },
        }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(results.map((r) => r.body.version.version).sort()).toEqual([1, 2, 3, 4]);
  });

  test('a version reads back with its manifest, total size and file count; versions list newest first, paged', async () => {
    const tenant = await newTenant();
    await push(tenant, 'iris', textFiles(iris1));
    await push(tenant, 'iris', textFiles(iris2));

    const read = await tenant.call('GET', '/api/v1/datasets/iris/versions/1');
    const page = await tenant.call('GET', '/api/v1/datasets/iris/versions?maxResults=1');
    const next = await tenant.call(
      'GET',
      `/api/v1/datasets/iris/versions?maxResults=1&pageToken=${page.body.nextPageToken}`,
    );

    expect(read.body.version).toMatchObject({ version: 1, fileCount: 3, totalSize: 20 + 7 + 7, tags: [] });
    expect(read.body.files.map((f: { path: string }) => f.path)).toEqual([
      'README.md',
      'iris.csv',
      'labels/classes.txt',
    ]);
    expect(page.body.versions.map((v: { version: number }) => v.version)).toEqual([2]);
    expect(next.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(next.body.nextPageToken).toBeUndefined();
  });

  test('diff names added, removed and changed paths', async () => {
    const tenant = await newTenant();
    await push(tenant, 'iris', textFiles(iris1));
    const { 'README.md': _dropped, ...kept } = iris2;
    await push(tenant, 'iris', textFiles({ ...kept, 'extra/new.txt': 'new' }));

    const diff = await tenant.call('GET', '/api/v1/datasets/iris/diff?from=1&to=2');

    expect(diff.status).toBe(200);
    expect(diff.body.added.map((f: { path: string }) => f.path)).toEqual(['extra/new.txt']);
    expect(diff.body.removed.map((f: { path: string }) => f.path)).toEqual(['README.md']);
    expect(diff.body.changed).toEqual([
      {
        path: 'iris.csv',
        from: { path: 'iris.csv', sha256: sha256(new TextEncoder().encode(iris1['iris.csv'])), size: 20 },
        to: { path: 'iris.csv', sha256: sha256(new TextEncoder().encode(iris2['iris.csv'])), size: 28 },
      },
    ]);
    expect(diff.body.unchanged).toBe(1);
    expect(diff.body).toMatchObject({ from: { version: 1 }, to: { version: 2 } });
  });

  test('tags name versions: they resolve, move, show on the version, and refuse numbers and "latest"', async () => {
    const tenant = await newTenant();
    await push(tenant, 'iris', textFiles(iris1));
    await push(tenant, 'iris', textFiles(iris2));

    const tagged = await tenant.call('PUT', '/api/v1/datasets/iris/tags/golden', { body: { version: 1 } });
    const byTag = await tenant.call('GET', '/api/v1/datasets/iris/versions/golden');
    await tenant.call('PUT', '/api/v1/datasets/iris/tags/golden', { body: { version: 'latest' } });
    const moved = await tenant.call('GET', '/api/v1/datasets/iris/versions/golden');
    const numeric = await tenant.call('PUT', '/api/v1/datasets/iris/tags/123', { body: { version: 1 } });
    const latest = await tenant.call('PUT', '/api/v1/datasets/iris/tags/latest', { body: { version: 1 } });
    const missing = await tenant.call('PUT', '/api/v1/datasets/iris/tags/v9', { body: { version: 9 } });
    const removed = await tenant.call('DELETE', '/api/v1/datasets/iris/tags/golden');
    const gone = await tenant.call('GET', '/api/v1/datasets/iris/versions/golden');

    expect(tagged.body).toEqual({ tag: 'golden', version: 1 });
    expect(byTag.body.version).toMatchObject({ version: 1, tags: ['golden'] });
    expect(moved.body.version).toMatchObject({ version: 2, tags: ['golden'] });
    expect([numeric.status, latest.status]).toEqual([400, 400]);
    expect(missing.body.error.code).toBe('datasets.version_not_found');
    expect(removed.status).toBe(200);
    expect(gone.body.error.code).toBe('datasets.version_not_found');
  });

  test('a pull may ask for only the files it lacks; an unknown path or version is not found', async () => {
    const tenant = await newTenant();
    await push(tenant, 'iris', textFiles(iris1));

    const some = await tenant.call('POST', '/api/v1/datasets/iris/versions/1/urls', {
      body: { paths: ['./iris.csv'] },
    });
    const unknown = await tenant.call('POST', '/api/v1/datasets/iris/versions/1/urls', {
      body: { paths: ['nope'] },
    });
    const noVersion = await tenant.call('GET', '/api/v1/datasets/iris/versions/7');
    const noDataset = await tenant.call('GET', '/api/v1/datasets/nope/versions/1');

    expect(some.body.files.map((f: { path: string }) => f.path)).toEqual(['iris.csv']);
    expect(unknown.body.error.code).toBe('datasets.version_not_found');
    expect(noVersion.body.error.code).toBe('datasets.version_not_found');
    expect(noDataset.body.error.code).toBe('datasets.not_found');
  });

  test('a version is not recorded when a blob is missing or a path is bad', async () => {
    const tenant = await newTenant();
    const { entries } = await upload(tenant, textFiles({ 'a.csv': 'a' }));

    const missing = await tenant.call('POST', '/api/v1/datasets/d/versions', {
      body: { files: [...entries, { path: 'b.csv', sha256: 'f'.repeat(64), size: 3 }] },
    });
    const traversal = await tenant.call('POST', '/api/v1/datasets/d/versions', {
      body: { files: [{ ...entries[0], path: '../a.csv' }] },
    });
    const wrongSize = await tenant.call('POST', '/api/v1/datasets/d/versions', {
      body: { files: [{ ...entries[0], size: 2 }] },
    });

    expect(missing.body.error.code).toBe('blobs.missing');
    expect(traversal.body.error.code).toBe('blobs.invalid_path');
    expect(wrongSize.body.error.code).toBe('blobs.size_mismatch');
    expect((await tenant.call('GET', '/api/v1/datasets/d')).body.error.code).toBe('datasets.not_found');
  });

  test('datasets are created, listed, described and tagged', async () => {
    const tenant = await newTenant();
    const created = await tenant.call('POST', '/api/v1/datasets', {
      body: { name: 'mnist', description: 'digits', tags: { team: 'vision' } },
    });
    const twice = await tenant.call('POST', '/api/v1/datasets', { body: { name: 'mnist' } });
    await push(tenant, 'iris', textFiles(iris1));
    const patched = await tenant.call('PATCH', '/api/v1/datasets/mnist', {
      body: { description: 'handwritten digits', tags: { team: null, source: 'lecun' } },
    });
    const listed = await tenant.call('GET', '/api/v1/datasets');
    const badName = await tenant.call('POST', '/api/v1/datasets', { body: { name: 'a#b' } });

    expect(created.status).toBe(201);
    expect(created.body.dataset).toMatchObject({
      name: 'mnist',
      latestVersion: 0,
      latestDigest: null,
      createdBy: 'admin',
    });
    expect(twice.body.error.code).toBe('datasets.already_exists');
    expect(patched.body.dataset).toMatchObject({
      description: 'handwritten digits',
      tags: { source: 'lecun' },
    });
    expect(listed.body.datasets.map((d: { name: string }) => d.name)).toEqual(['iris', 'mnist']);
    expect(badName.status).toBe(400);
  });
});

describe('dataset limits', () => {
  test('tags that would outgrow the dataset item are datasets.too_large (400), on create and on update', async () => {
    const tenant = await newTenant();
    const tags = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, 'x'.repeat(8000)]));

    const created = await tenant.call('POST', '/api/v1/datasets', { body: { name: 'big', tags } });
    await tenant.call('POST', '/api/v1/datasets', { body: { name: 'small' } });
    const updated = await tenant.call('PATCH', '/api/v1/datasets/small', { body: { tags } });

    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe('datasets.too_large');
    expect(updated.status).toBe(400);
    expect(updated.body.error.code).toBe('datasets.too_large');
  });
});

describe('lineage', () => {
  test('a run declares the dataset versions it used; the API answers both ways', async () => {
    const tenant = await newTenant();
    await push(tenant, 'iris', textFiles(iris1));
    const second = await push(tenant, 'iris', textFiles(iris2));
    await tenant.call('PUT', '/api/v1/datasets/iris/tags/golden', { body: { version: 1 } });
    const run = (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run.id;
    const other = (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run.id;

    const training = await tenant.call('POST', `/api/v1/runs/${run}/inputs`, {
      body: { dataset: 'iris', version: 2, context: 'training' },
    });
    await tenant.call('POST', `/api/v1/runs/${run}/inputs`, {
      body: { dataset: 'iris', version: 'golden', context: 'evaluation' },
    });
    await tenant.call('POST', `/api/v1/runs/${other}/inputs`, { body: { dataset: 'iris' } });

    expect(training.status).toBe(201);
    expect(training.body.input).toMatchObject({
      runId: run,
      dataset: 'iris',
      version: 2,
      digest: second.version.digest,
    });
    const inputs = await tenant.call('GET', `/api/v1/runs/${run}/inputs`);
    expect(
      inputs.body.inputs.map((i: { version: number; context: string }) => `${i.version}:${i.context}`).sort(),
    ).toEqual(['1:evaluation', '2:training']);
    const users = await tenant.call('GET', '/api/v1/datasets/iris/versions/2/runs');
    expect(
      users.body.runs.map((r: { runId: string; context: string }) => [r.runId, r.context]).sort(),
    ).toEqual(
      [
        [run, 'training'],
        [other, 'training'],
      ].sort(),
    );
    const golden = await tenant.call('GET', '/api/v1/datasets/iris/versions/golden/runs');
    expect(golden.body).toMatchObject({ version: 1, runs: [{ runId: run, context: 'evaluation' }] });
  });

  test('an input must name an existing version of an existing dataset', async () => {
    const tenant = await newTenant();
    const run = (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run.id;

    const noDataset = await tenant.call('POST', `/api/v1/runs/${run}/inputs`, { body: { dataset: 'nope' } });
    const noRun = await tenant.call('POST', `/api/v1/runs/${'0'.repeat(32)}/inputs`, {
      body: { dataset: 'nope' },
    });

    expect(noDataset.body.error.code).toBe('datasets.not_found');
    expect(noRun.body.error.code).toBe('runs.not_found');
  });
});
