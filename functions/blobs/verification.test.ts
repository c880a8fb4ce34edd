import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, test } from 'vitest';
import { newTenant, type TestTenant } from '../../test/support/tenants.ts';
import { sendParts, sha256, untilVerified } from '../../test/support/uploads.ts';
import { operatorBucket } from './client.ts';
import { objectKeys } from './keys.ts';
import { hashObject } from './object-hash.ts';

const MiB = 1024 * 1024;

async function newRun(tenant: TestTenant) {
  return (await tenant.call('POST', '/api/v1/runs', { body: { experimentId: '0' } })).body.run.id as string;
}

/** Declares a blob above the 8 MiB threshold: a multipart plan. */
async function multipartPlan(tenant: TestTenant, blob: { sha256: string; size: number }) {
  const started = await tenant.call('POST', '/api/v1/uploads', {
    body: { blobs: [blob], multipartThreshold: 8 * MiB },
  });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  return started.body.blobs[0];
}

/** Every object the store holds under the tenant's prefix: what could ever be served. */
async function objectsOf(tenant: TestTenant): Promise<string[]> {
  const { bucket, s3 } = operatorBucket();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${tenant.id}/` }));
  return (listed.Contents ?? []).map((object) => object.Key!.slice(tenant.id.length + 1));
}

async function complete(tenant: TestTenant, uploadId: string, parts: unknown[]) {
  return tenant.call('POST', '/api/v1/uploads/complete', { body: { multipart: [{ uploadId, parts }] } });
}

describe('content addresses are verified before a multipart upload becomes a blob', () => {
  test('9 MiB of zeros sent in parts under another digest is refused: never present, never logged, never served', async () => {
    const tenant = await newTenant();
    const real = randomBytes(9 * MiB);
    const blob = { sha256: sha256(real), size: real.length };
    const plan = await multipartPlan(tenant, blob);
    expect(plan).toMatchObject({ status: 'multipart', partCount: 2 });

    // The attacker signs its own part checksums: they prove nothing about the declared digest.
    const parts = await sendParts(tenant, plan, new Uint8Array(real.length));
    const completed = await complete(tenant, plan.uploadId, parts);

    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(completed.body).toMatchObject({
      recorded: [],
      verifying: [{ uploadId: plan.uploadId, sha256: blob.sha256, size: blob.size }],
    });
    const [verdict] = await untilVerified(tenant, [plan.uploadId]);
    expect(verdict).toMatchObject({ state: 'failed', error: { code: 'blobs.checksum_mismatch' } });
    const again = await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [blob] } });
    expect(again.body.blobs[0].status).not.toBe('present');
    const run = await newRun(tenant);
    const logged = await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, {
      body: { files: [{ path: 'weights.bin', ...blob }] },
    });
    expect(logged.status).toBe(409);
    expect(logged.body.error.code).toBe('blobs.missing');
    const urls = await tenant.call('GET', `/api/v1/runs/${run}/artifacts/urls?path=weights.bin`);
    expect(urls.status).toBe(404);
    // Neither the content address nor the staged object is left: there is nothing to serve.
    expect(await objectsOf(tenant)).toEqual([]);
  });

  test('a part whose bytes differ from its signed SHA-256 never makes a blob', async () => {
    const tenant = await newTenant();
    const real = randomBytes(8 * MiB + 100);
    const blob = { sha256: sha256(real), size: real.length };
    const plan = await multipartPlan(tenant, blob);
    const first = real.subarray(0, 8 * MiB);
    const signed = await tenant.call('POST', '/api/v1/uploads/parts', {
      body: {
        uploadId: plan.uploadId,
        parts: [
          { partNumber: 1, sha256: sha256(first) },
          { partNumber: 2, sha256: sha256(real.subarray(8 * MiB)) },
        ],
      },
    });
    const [url1, url2] = signed.body.parts;
    expect(new URL(url1.url).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;host;x-amz-checksum-sha256',
    );
    expect(url1.headers).toEqual({
      'x-amz-checksum-sha256': Buffer.from(sha256(first), 'hex').toString('base64'),
    });

    // S3 refuses such a part at once (BadDigest); the emulator checks no checksums and takes it,
    // so here it is the verification of the whole object that must refuse the upload.
    const tampered = Buffer.from(first);
    tampered[12345] = tampered[12345]! ^ 1;
    const put1 = await fetch(url1.url, { method: 'PUT', headers: url1.headers, body: tampered });
    const put2 = await fetch(url2.url, {
      method: 'PUT',
      headers: url2.headers,
      body: real.subarray(8 * MiB),
    });
    const completed = await complete(tenant, plan.uploadId, [
      { partNumber: 1, etag: put1.headers.get('etag'), sha256: sha256(first) },
      { partNumber: 2, etag: put2.headers.get('etag'), sha256: sha256(real.subarray(8 * MiB)) },
    ]);

    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    const [verdict] = await untilVerified(tenant, [plan.uploadId]);
    expect(verdict).toMatchObject({ state: 'failed', error: { code: 'blobs.checksum_mismatch' } });
    expect(await objectsOf(tenant)).toEqual([]);
  });

  test('a complete naming parts never uploaded (or with other ETags) is refused, and the upload stays open', async () => {
    const tenant = await newTenant();
    const real = randomBytes(8 * MiB + 10);
    const plan = await multipartPlan(tenant, { sha256: sha256(real), size: real.length });
    const [sent] = await sendParts(tenant, { ...plan, partCount: 1 }, real);

    const missing = await complete(tenant, plan.uploadId, [
      sent,
      { partNumber: 2, etag: '"0123456789abcdef0123456789abcdef"', sha256: sha256(real.subarray(8 * MiB)) },
    ]);
    const otherEtag = await complete(tenant, plan.uploadId, [
      { ...sent!, etag: '"fedcba9876543210fedcba9876543210"' },
      { partNumber: 2, etag: '"0123456789abcdef0123456789abcdef"', sha256: sha256(real.subarray(8 * MiB)) },
    ]);

    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({
      code: 'blobs.invalid_parts',
      details: { uploadId: plan.uploadId, partNumber: 2 },
    });
    expect(missing.body.error.message).toContain('never uploaded');
    expect(otherEtag.status).toBe(400);
    expect(otherEtag.body.error).toMatchObject({ code: 'blobs.invalid_parts', details: { partNumber: 1 } });
    const status = await tenant.call('POST', '/api/v1/uploads/status', {
      body: { uploadIds: [plan.uploadId] },
    });
    expect(status.body.uploads).toMatchObject([{ uploadId: plan.uploadId, state: 'open' }]);
    // The stack is still up, and the upload can still be finished properly.
    const [, second] = await sendParts(tenant, plan, real);
    expect((await complete(tenant, plan.uploadId, [sent, second])).status).toBe(200);
    expect((await untilVerified(tenant, [plan.uploadId]))[0]!.state).toBe('verified');
  });

  test('a second upload of a blob already present never overwrites it, whatever it sends', async () => {
    const tenant = await newTenant();
    const real = randomBytes(9 * MiB);
    const blob = { sha256: sha256(real), size: real.length };
    // Two pushes that started before either finished: both get an upload of the same blob.
    const honest = await multipartPlan(tenant, blob);
    const hostile = await multipartPlan(tenant, blob);
    expect(hostile.uploadId).not.toBe(honest.uploadId);

    expect((await complete(tenant, honest.uploadId, await sendParts(tenant, honest, real))).status).toBe(200);
    expect((await untilVerified(tenant, [honest.uploadId]))[0]!.state).toBe('verified');
    const zeros = await complete(
      tenant,
      hostile.uploadId,
      await sendParts(tenant, hostile, new Uint8Array(real.length)),
    );

    expect(zeros.status).toBe(200);
    expect((await untilVerified(tenant, [hostile.uploadId]))[0]).toMatchObject({
      state: 'failed',
      error: { code: 'blobs.checksum_mismatch' },
    });
    const run = await newRun(tenant);
    await tenant.call('POST', `/api/v1/runs/${run}/artifacts`, {
      body: { files: [{ path: 'w.bin', ...blob }] },
    });
    const urls = await tenant.call('GET', `/api/v1/runs/${run}/artifacts/urls?path=w.bin`);
    const served = new Uint8Array(await (await fetch(urls.body.files[0].url)).arrayBuffer());
    expect(sha256(served)).toBe(blob.sha256);
    expect(await objectsOf(tenant)).toEqual([`blobs/sha256/${blob.sha256}`]);
  });

  test('a push that starts while an upload of the same blob is verified waits for it instead of sending it again', async () => {
    const tenant = await newTenant();
    const real = randomBytes(9 * MiB);
    const blob = { sha256: sha256(real), size: real.length };
    const plan = await multipartPlan(tenant, blob);
    await complete(tenant, plan.uploadId, await sendParts(tenant, plan, real));

    const resumed = (
      await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [blob], multipartThreshold: 8 * MiB } })
    ).body.blobs[0];

    // Verified already (present), or still being verified (the same upload): never sent twice.
    expect([
      { status: 'present', ...blob },
      { status: 'verifying', ...blob, uploadId: plan.uploadId },
    ]).toContainEqual(resumed);
    await untilVerified(tenant, [plan.uploadId]);
    const after = await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [blob] } });
    expect(after.body.blobs[0]).toEqual({ status: 'present', ...blob });
  });
});

describe('single PUTs are verified too where the store checks no checksum', () => {
  test('a PUT of other bytes of the declared length is refused at confirmation and deleted', async () => {
    const tenant = await newTenant();
    const declared = new TextEncoder().encode('the declared content');
    const blob = { sha256: sha256(declared), size: declared.length };
    const plan = (await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [blob] } })).body.blobs[0];
    // S3 refuses this PUT (BadDigest: the signed checksum header does not match the body); the
    // emulator ignores checksums and stores it, so the confirmation must hash what was stored.
    const forged = new TextEncoder().encode('the forged  content!');
    expect(forged.length).toBe(declared.length);
    const put = await fetch(plan.request.url, { method: 'PUT', headers: plan.request.headers, body: forged });
    expect(put.status).toBe(200);

    const completed = await tenant.call('POST', '/api/v1/uploads/complete', { body: { blobs: [blob] } });

    expect(completed.status).toBe(400);
    expect(completed.body.error).toMatchObject({
      code: 'blobs.checksum_mismatch',
      details: { mismatched: [{ sha256: blob.sha256, problem: 'checksum_mismatch' }] },
    });
    const again = await tenant.call('POST', '/api/v1/uploads', { body: { blobs: [blob] } });
    expect(again.body.blobs[0].status).toBe('put');
    expect(await objectsOf(tenant)).toEqual([]);
  });
});

describe('hashing a stored object (emulator)', () => {
  test('reads it in ranges to the right SHA-256, and gives up, unfinished, once told time is up', async () => {
    const { bucket, s3 } = operatorBucket();
    const bytes = randomBytes(40 * MiB + 7);
    const key = objectKeys.blob(`hash-${randomBytes(4).toString('hex')}`, sha256(bytes));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    const { ETag } = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const object = { bucket, key, size: bytes.length, etag: ETag };

    let ranges = 0;
    const stopped = await hashObject(s3, object, () => ++ranges > 1);

    expect(await hashObject(s3, object)).toBe(sha256(bytes));
    expect(stopped).toBeUndefined();
  });
});
