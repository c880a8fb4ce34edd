import { DeleteObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { keys } from '#table/keys.ts';
import { bucketFor } from './client.ts';
import { objectKeys } from './keys.ts';
import { verifyReserveMs } from './limits.ts';
import { getUpload, settleUpload, type UploadItem } from './multipart.ts';
import { copyObject, hashObject } from './object-hash.ts';
import { recordedBlobs } from './store.ts';

export type Verdict = 'verified' | 'failed' | 'not_verifying';

const failure = (code: string, message: string) => ({ state: 'failed' as const, error: { code, message } });

/**
 * Verifies one completed multipart upload and adopts it, or refuses it. The staged object is read
 * whole through SHA-256; only if the digest and size are the declared ones is it copied to its
 * content address and the blob recorded (with the upload's verdict, in one transaction). Anything
 * else (other bytes, another size, an object gone, too many bytes to hash before
 * `remainingMs()` runs out) fails the upload and deletes the staged object: nothing is ever
 * recorded, or served, under a SHA-256 that was not computed from its bytes.
 *
 * A blob the tenant holds already is never overwritten: a matching upload of it is verified and its
 * staged copy dropped. Handing the same upload over twice is harmless: only an upload still
 * `verifying` is looked at, and only one verdict is written.
 */
export async function verifyUpload(
  tenantId: string,
  uploadId: string,
  remainingMs: () => number,
  now: () => number = Date.now,
): Promise<Verdict> {
  const upload = await getUpload(tenantId, uploadId).catch(() => undefined);
  if (upload?.state !== 'verifying') return 'not_verifying';
  const { bucket, s3 } = await bucketFor(tenantId);
  const dropStaged = () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: upload.objectKey }));
  const settle = async (verdict: Parameters<typeof settleUpload>[2]): Promise<Verdict> => {
    await settleUpload(tenantId, upload, verdict, now());
    await dropStaged();
    return verdict.state;
  };

  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: upload.objectKey }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404 && status !== 403) throw error;
    return settle(failure('blobs.missing', `The assembled object of upload ${uploadId} is gone`));
  }
  if (head.ContentLength !== upload.size) {
    return settle(
      failure(
        'blobs.size_mismatch',
        `Upload ${uploadId} assembled ${head.ContentLength} bytes, not the declared ${upload.size}`,
      ),
    );
  }
  const object = { bucket, key: upload.objectKey, size: upload.size, etag: head.ETag };
  const sha256 = await hashObject(s3, object, () => remainingMs() < verifyReserveMs);
  if (sha256 === undefined) {
    return settle(
      failure(
        'blobs.too_large',
        `Upload ${uploadId} (${upload.size} bytes) could not be hashed within one verification; it was not adopted`,
      ),
    );
  }
  if (sha256 !== upload.sha256) {
    return settle(
      failure(
        'blobs.checksum_mismatch',
        `Upload ${uploadId} holds bytes with SHA-256 ${sha256}, not the declared ${upload.sha256}; it was not adopted`,
      ),
    );
  }
  // The same blob recorded meanwhile (another upload of it) is left as it is: never overwritten.
  if (!(await recordedBlobs(tenantId, [upload.sha256])).has(upload.sha256)) {
    await copyObject(s3, object, objectKeys.blob(tenantId, upload.sha256));
  }
  return settle({ state: 'verified', blob: blobItem(tenantId, upload, now()) });
}

function blobItem(tenantId: string, upload: UploadItem, now: number) {
  return { ...keys.blob(tenantId, upload.sha256), sha256: upload.sha256, size: upload.size, createdAt: now };
}
