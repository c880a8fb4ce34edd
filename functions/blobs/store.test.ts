import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { CairnError } from '#http/errors.ts';
import { maxParts, minPartBytes } from './limits.ts';
import * as Blobs from './store.ts';

const MiB = 1024 * 1024;
const tenantId = () => `blobs-${randomBytes(5).toString('hex')}`;
const blobOf = (bytes: Uint8Array) => ({
  sha256: createHash('sha256').update(bytes).digest('hex'),
  size: bytes.length,
});
const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: CairnError) => error.code,
  );

describe('part sizes (offline)', () => {
  test('parts are whole MiB, at least 8 MiB, and never more than 10,000', () => {
    expect(Blobs.partSizeFor(65 * MiB)).toBe(minPartBytes);
    for (const size of [80_000 * MiB, 100 * 1024 * MiB, 5 * 1024 * 1024 * MiB]) {
      const partSize = Blobs.partSizeFor(size);
      expect(partSize % MiB).toBe(0);
      expect(Math.ceil(size / partSize)).toBeLessThanOrEqual(maxParts);
    }
  });
});

describe('blob store (emulators)', () => {
  test('a URL used after it expired is refused by the store, and the blob stays missing', async () => {
    const tenant = tenantId();
    const bytes = new TextEncoder().encode('too late');
    const { blobs } = await Blobs.startUploads(tenant, { blobs: [blobOf(bytes)] }, { expiresInSeconds: 1 });
    const plan = blobs[0]!;
    if (plan.status !== 'put') throw new Error(`expected a PUT, got ${plan.status}`);
    expect(new URL(plan.request.url).searchParams.get('X-Amz-Expires')).toBe('1');

    await new Promise((done) => setTimeout(done, 2100));
    const put = await fetch(plan.request.url, { method: 'PUT', headers: plan.request.headers, body: bytes });

    expect(put.status).toBe(403);
    expect(await put.text()).toContain('Request has expired');
    expect(await codeOf(Blobs.ensureRecorded(tenant, [blobOf(bytes)]))).toBe('blobs.missing');
  });

  test("one tenant's blob is not present for another, and its upload ids do not work for another", async () => {
    const [a, b] = [tenantId(), tenantId()];
    const bytes = new TextEncoder().encode('owned by a');
    const plan = (await Blobs.startUploads(a, { blobs: [blobOf(bytes)] })).blobs[0]!;
    if (plan.status !== 'put') throw new Error('expected a PUT');
    await fetch(plan.request.url, { method: 'PUT', headers: plan.request.headers, body: bytes });
    await Blobs.ensureRecorded(a, [blobOf(bytes)]);

    const forB = (await Blobs.startUploads(b, { blobs: [blobOf(bytes)] })).blobs[0]!;
    expect(forB.status).toBe('put');
    expect(await codeOf(Blobs.ensureRecorded(b, [blobOf(bytes)]))).toBe('blobs.missing');

    const big = { sha256: 'c'.repeat(64), size: 9 * MiB };
    const multipart = (await Blobs.startUploads(a, { blobs: [big], multipartThreshold: 8 * MiB })).blobs[0]!;
    if (multipart.status !== 'multipart') throw new Error('expected multipart');
    expect(await codeOf(Blobs.signParts(b, multipart.uploadId, [{ partNumber: 1 }]))).toBe(
      'blobs.upload_not_found',
    );
    expect(await codeOf(Blobs.abortUpload(b, multipart.uploadId))).toBe('blobs.upload_not_found');
    expect(await codeOf(Blobs.signParts(a, multipart.uploadId, [{ partNumber: 3 }]))).toBe(
      'blobs.invalid_parts',
    );
    expect((await Blobs.signParts(a, multipart.uploadId, [{ partNumber: 2 }])).parts).toMatchObject([
      { partNumber: 2, size: MiB },
    ]);
  });

  test('the same digest declared with two sizes is refused', async () => {
    const sha256 = 'd'.repeat(64);
    const declared = Blobs.startUploads(tenantId(), {
      blobs: [
        { sha256, size: 1 },
        { sha256, size: 2 },
      ],
    });
    expect(await codeOf(declared)).toBe('blobs.conflicting_declarations');
  });

  test('the sweep aborts multipart uploads older than its cutoff, and leaves newer ones', async () => {
    const tenant = tenantId();
    const big = { sha256: 'e'.repeat(64), size: 9 * MiB };
    // Dated in 1970, so that the sweep below touches nothing another test file has open.
    const old = (await Blobs.startUploads(tenant, { blobs: [big], multipartThreshold: 8 * MiB }, {}, 1_000))
      .blobs[0]!;
    const fresh = (await Blobs.startUploads(tenant, { blobs: [big], multipartThreshold: 8 * MiB })).blobs[0]!;
    if (old.status !== 'multipart' || fresh.status !== 'multipart') throw new Error('expected multipart');

    const swept = await Blobs.sweepAbandonedUploads(Date.now() - 2_000);

    expect(swept.aborted).toBeGreaterThanOrEqual(1);
    expect(await codeOf(Blobs.signParts(tenant, old.uploadId, [{ partNumber: 1 }]))).toBe(
      'blobs.upload_not_found',
    );
    expect(await codeOf(Blobs.signParts(tenant, fresh.uploadId, [{ partNumber: 1 }]))).toBe('resolved');
  });
});
