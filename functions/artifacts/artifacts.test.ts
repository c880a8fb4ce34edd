import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';
import { entryOf, type LocalFile, sendParts, sha256, textFiles, upload } from '../../test/support/uploads.ts';

const MiB = 1024 * 1024;

async function newRun(tenant: TestTenant) {
  const created = await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } });
  expect(created.status).toBe(201);
  return created.body.run.id as string;
}

async function download(url: string) {
  const answer = await fetch(url);
  expect(answer.status).toBe(200);
  return {
    bytes: new Uint8Array(await answer.arrayBuffer()),
    disposition: answer.headers.get('content-disposition'),
  };
}

describe('uploads', () => {
  test('a declared blob gets a presigned PUT signing its length and SHA-256; once confirmed it is present', async () => {
    const tenant = await newTenant();
    const [file] = textFiles({ 'a.txt': 'hello artifacts' });
    const entry = entryOf(file!);

    const first = await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [entry] } });

    expect(first.status).toBe(200);
    const plan = first.body.blobs[0];
    expect(plan).toMatchObject({ status: 'put', sha256: entry.sha256, size: entry.size });
    const signed = new URL(plan.request.url);
    expect(signed.pathname).toBe(`/cairn-artifacts/${tenant.id}/blobs/sha256/${entry.sha256}`);
    expect(signed.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host;x-amz-checksum-sha256');
    expect(Number(signed.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
    expect(plan.request.headers['x-amz-checksum-sha256']).toBe(
      Buffer.from(entry.sha256, 'hex').toString('base64'),
    );

    const put = await fetch(plan.request.url, {
      method: 'PUT',
      headers: plan.request.headers,
      body: file!.bytes,
    });
    expect(put.status).toBe(200);
    const completed = await tenant.call('POST', '/api/v1/uploads/complete', {
      body: { blobs: [{ sha256: entry.sha256, size: entry.size }] },
    });
    expect(completed.body).toEqual({ recorded: [{ sha256: entry.sha256, size: entry.size }], verifying: [] });
    const again = await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [entry] } });
    expect(again.body.blobs[0]).toEqual({ status: 'present', sha256: entry.sha256, size: entry.size });
  });

  test('an upload interrupted before its commit is found in the store: the next push sends nothing', async () => {
    const tenant = await newTenant();
    const [file] = textFiles({ 'a.txt': 'uploaded, never committed' });
    const plan = (await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [entryOf(file!)] } })).body
      .blobs[0];
    await fetch(plan.request.url, { method: 'PUT', headers: plan.request.headers, body: file!.bytes });

    const again = await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [entryOf(file!)] } });

    expect(again.body.blobs[0].status).toBe('present');
  });

  test('a large blob is sent in parts of at least 8 MiB, assembled by complete, and reads back byte for byte', async () => {
    const tenant = await newTenant();
    const big: LocalFile = { path: 'weights.bin', bytes: randomBytes(2 * 8 * MiB + 123) };
    const run = await newRun(tenant);

    const started = await tenant.call('POST', '/api/v1/uploads', {
      body: { blobs: [{ sha256: sha256(big.bytes), size: big.bytes.length }], multipartThreshold: 8 * MiB },
    });
    const plan = started.body.blobs[0];
    expect(plan).toMatchObject({ status: 'multipart', partSize: 8 * MiB, partCount: 3 });
    const signed = await tenant.call('POST', '/api/v1/uploads/parts', {
      body: {
        uploadId: plan.uploadId,
        parts: [1, 2, 3].map((partNumber) => ({ partNumber, sha256: 'a'.repeat(64) })),
      },
    });
    expect(signed.body.parts.map((part: { size: number }) => part.size)).toEqual([8 * MiB, 8 * MiB, 123]);
    const { statuses } = await upload(tenant, [big], { multipartThreshold: 8 * MiB });
    expect(Object.values(statuses)).toEqual(['multipart']);
    // The first plan's upload was never finished: aborting it discards it, and it is gone.
    expect(
      (await tenant.call('POST', '/api/v1/uploads/abort', { body: { uploadId: plan.uploadId } })).status,
    ).toBe(200);
    const twice = await tenant.call('POST', '/api/v1/uploads/abort', { body: { uploadId: plan.uploadId } });
    expect(twice.body.error.code).toBe('blobs.upload_not_found');

    const logged = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, {
      body: { files: [entryOf(big)] },
    });
    expect(logged.status).toBe(201);
    const urls = await tenant.call('GET', `/api/v1/runs/${run}/artifacts/urls?path=weights.bin`);
    const fetched = await download(urls.body.files[0].url);
    expect(sha256(fetched.bytes)).toBe(sha256(big.bytes));
  });

  test('completing with a part missing is refused and nothing is recorded', async () => {
    const tenant = await newTenant();
    const bytes = randomBytes(8 * MiB + 10);
    const plan = (
      await tenant.call('POST', '/api/v1/uploads', {
        body: { blobs: [{ sha256: sha256(bytes), size: bytes.length }], multipartThreshold: 8 * MiB },
      })
    ).body.blobs[0];
    const [sent] = await sendParts(tenant, { ...plan, partCount: 1 }, bytes);

    const completed = await tenant.call('POST', '/api/v1/uploads/complete', {
      body: { multipart: [{ uploadId: plan.uploadId, parts: [sent] }] },
    });

    expect(completed.status).toBe(400);
    expect(completed.body.error).toMatchObject({ code: 'blobs.invalid_parts', details: { partCount: 2 } });
    const again = await tenant.call('POST', '/api/v1/uploads', {
      body: { blobs: [{ sha256: sha256(bytes), size: bytes.length }] },
    });
    expect(again.body.blobs[0].status).not.toBe('present');
  });

  test('bytes that do not match the declared size are refused, deleted, and never recorded', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const declared = new TextEncoder().encode('the declared content');
    const entry = { path: 'x.txt', sha256: sha256(declared), size: declared.length };
    const plan = (await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [entry] } })).body.blobs[0];
    // A store that did not enforce the signed length (the emulator does not check signatures)
    // would keep a short body: the API must catch it before recording anything.
    await fetch(plan.request.url, { method: 'PUT', headers: plan.request.headers, body: 'short' });

    const logged = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, { body: { files: [entry] } });

    expect(logged.status).toBe(400);
    expect(logged.body.error).toMatchObject({
      code: 'blobs.size_mismatch',
      details: { mismatched: [{ sha256: entry.sha256, declaredSize: entry.size, actualSize: 5 }] },
    });
    const listed = await tenant.call('GET', `/api/v1/runs/${run}/artifacts`);
    expect(listed.body).toMatchObject({ fileCount: 0, entries: [] });
    const again = await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [entry] } });
    expect(again.body.blobs[0].status).toBe('put');
  });

  test('a blob never uploaded cannot be logged: the answer lists it', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const entry = { path: 'ghost.bin', sha256: 'a'.repeat(64), size: 10 };

    const logged = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, { body: { files: [entry] } });

    expect(logged.status).toBe(409);
    expect(logged.body.error).toMatchObject({
      code: 'blobs.missing',
      details: { missing: [{ sha256: entry.sha256, size: 10 }], count: 1 },
    });
  });
});

describe('run artifacts', () => {
  test('a folder logged under an artifact path lists as a tree with folder sizes, and downloads under its own names', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const files = textFiles({
      'model.pkl': 'pickled',
      'data/train.csv': 'a,b\n1,2\n',
      'data/test.csv': 'a,b\n3,4\n',
      'data/images/cat 1.png': 'meow',
    });
    const { entries } = await upload(tenant, files);

    const logged = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, {
      body: { artifactPath: 'outputs', files: entries },
    });

    expect(logged.body).toEqual({ files: 4, totalSize: 7 + 8 + 8 + 4 });
    const root = await tenant.call('GET', `/api/v1/runs/${run}/artifacts`);
    expect(root.body).toEqual({
      path: '',
      totalSize: 27,
      fileCount: 4,
      entries: [{ type: 'folder', path: 'outputs', size: 27, fileCount: 4 }],
    });
    const outputs = await tenant.call('GET', `/api/v1/runs/${run}/artifacts?path=outputs`);
    expect(outputs.body.entries).toEqual([
      { type: 'folder', path: 'outputs/data', size: 20, fileCount: 3 },
      { type: 'file', path: 'outputs/model.pkl', size: 7, sha256: sha256(files[0]!.bytes) },
    ]);
    const all = await tenant.call('GET', `/api/v1/runs/${run}/artifacts?path=outputs/data&recursive=true`);
    expect(all.body.entries.map((e: { path: string }) => e.path)).toEqual([
      'outputs/data/images/cat 1.png',
      'outputs/data/test.csv',
      'outputs/data/train.csv',
    ]);

    const urls = await tenant.call('GET', `/api/v1/runs/${run}/artifacts/urls?path=outputs/data`);
    expect(urls.body.files).toHaveLength(3);
    const cat = urls.body.files.find((f: { path: string }) => f.path.endsWith('cat 1.png'));
    const fetched = await download(cat.url);
    expect(new TextDecoder().decode(fetched.bytes)).toBe('meow');
    expect(fetched.disposition).toContain('attachment; filename="cat 1.png"');
  });

  test('logging a path again replaces it; the tree shows the latest', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const [v1] = textFiles({ 'notes.txt': 'first' });
    const [v2] = textFiles({ 'notes.txt': 'second, longer' });
    for (const file of [v1!, v2!]) {
      const { entries } = await upload(tenant, [file]);
      await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, { body: { files: entries } });
    }

    const listed = await tenant.call('GET', `/api/v1/runs/${run}/artifacts?path=notes.txt`);

    expect(listed.body.entries).toEqual([
      { type: 'file', path: 'notes.txt', size: 14, sha256: sha256(v2!.bytes) },
    ]);
  });

  test.each([
    ['../escape.txt', '".."'],
    ['a/../../b', '".."'],
    ['/etc/passwd', 'absolute'],
    ['C:/Windows/x', 'absolute'],
    ['dir\\file.txt', 'backslash'],
    ['bad\u0000name', 'control'],
    ['line\nbreak', 'control'],
  ])('the artifact path %j is refused (%s) and nothing is logged', async (path, reason) => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const { entries } = await upload(tenant, textFiles({ 'ok.txt': 'fine' }));

    const logged = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, {
      body: { files: [...entries, { ...entries[0], path }] },
    });

    expect(logged.status).toBe(400);
    expect(logged.body.error.code).toBe('blobs.invalid_path');
    expect(logged.body.error.details.reason).toContain(reason);
    expect((await tenant.call('GET', `/api/v1/runs/${run}/artifacts`)).body.fileCount).toBe(0);
  });

  test('paths are normalised: "./a//b/" is "a/b", and a repeated path is refused', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const { entries } = await upload(tenant, textFiles({ x: 'x' }));

    const ok = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, {
      body: { artifactPath: './out/', files: [{ ...entries[0], path: 'a//b/./c.txt' }] },
    });
    const twice = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, {
      body: {
        files: [
          { ...entries[0], path: 'a/b' },
          { ...entries[0], path: 'a//b' },
        ],
      },
    });

    expect(ok.status).toBe(201);
    const listed = await tenant.call('GET', `/api/v1/runs/${run}/artifacts?recursive=true`);
    expect(listed.body.entries.map((e: { path: string }) => e.path)).toEqual(['out/a/b/c.txt']);
    expect(twice.body.error).toMatchObject({ code: 'blobs.invalid_path', details: { reason: 'duplicate' } });
  });

  test('a missing artifact path is not found; a deleted run takes no artifacts', async () => {
    const tenant = await newTenant();
    const run = await newRun(tenant);
    const { entries } = await upload(tenant, textFiles({ 'a.txt': 'a' }));
    await tenant.call('DELETE', `/api/v1/runs/${run}`);

    const missing = await tenant.call('GET', `/api/v1/runs/${run}/artifacts/urls?path=nope`);
    const logged = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, { body: { files: entries } });

    expect(missing.body.error.code).toBe('artifacts.not_found');
    expect(logged.body.error.code).toBe('runs.not_active');
  });

  test('a reader may list and download but not upload or log', async () => {
    const tenant = await newTenant();
    const reader = await tenant.keyWith('reader');
    const run = await newRun(tenant);

    const started = await tenant.call('POST', '/api/v1/uploads', {
      key: reader,
      body: { blobs: [{ sha256: 'b'.repeat(64), size: 1 }] },
    });
    const listed = await tenant.call('GET', `/api/v1/runs/${run}/artifacts`, { key: reader });

    expect(started.status).toBe(403);
    expect(listed.status).toBe(200);
  });
});
