import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { maxSingleCopyBytes, verifyReadBytes, verifyReadConcurrency } from './limits.ts';

/** One object as read: its key, size and ETag (reads and copies insist on that ETag). */
export interface StoredObject {
  bucket: string;
  key: string;
  size: number;
  etag?: string | undefined;
}

/**
 * The SHA-256 of an object's bytes, read in ranges with several in flight and hashed in order, so
 * the network rather than the hash sets the pace. `enough()` is asked before each range; when it
 * says stop, the hash is abandoned (`undefined`) rather than finished late. Every read carries the
 * object's ETag, so bytes that changed under the reader fail the read instead of mixing versions.
 */
export async function hashObject(
  s3: S3Client,
  object: StoredObject,
  enough: () => boolean = () => false,
): Promise<string | undefined> {
  const hash = createHash('sha256');
  const ranges: [number, number][] = [];
  for (let start = 0; start < object.size; start += verifyReadBytes)
    ranges.push([start, Math.min(object.size, start + verifyReadBytes) - 1]);
  const read = async ([first, last]: [number, number]) => {
    const answer = await s3.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        Range: `bytes=${first}-${last}`,
        IfMatch: object.etag,
      }),
    );
    const bytes = await answer.Body!.transformToByteArray();
    if (bytes.length !== last - first + 1)
      throw new Error(`${object.key}: read ${bytes.length} bytes of range ${first}-${last}`);
    return bytes;
  };
  const inFlight: Promise<Uint8Array>[] = [];
  let next = 0;
  const fill = () => {
    while (inFlight.length < verifyReadConcurrency && next < ranges.length)
      inFlight.push(read(ranges[next++]!));
  };
  try {
    fill();
    while (inFlight.length) {
      if (enough()) return undefined;
      hash.update(await inFlight.shift()!);
      fill();
    }
  } finally {
    // Reads still in flight after a failure or a stop: their outcome no longer matters.
    for (const pending of inFlight) pending.catch(() => undefined);
  }
  return hash.digest('hex');
}

/** Parts of a copy too large for one CopyObject call: S3 copies each part server-side. */
const copyPartBytes = 1024 * 1024 * 1024;
const copyConcurrency = 8;

/**
 * Copies an object, as it was read (its ETag), to another key; server-side, no bytes pass through
 * the function. S3 computes a full-object SHA-256 for a single-call copy, which later inspections
 * of the copy read back. Larger objects are copied part by part.
 */
export async function copyObject(s3: S3Client, from: StoredObject, toKey: string): Promise<void> {
  const source = `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`;
  if (from.size <= maxSingleCopyBytes) {
    await s3.send(
      new CopyObjectCommand({
        Bucket: from.bucket,
        Key: toKey,
        CopySource: source,
        CopySourceIfMatch: from.etag,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    return;
  }
  const created = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: from.bucket, Key: toKey, ChecksumAlgorithm: 'SHA256' }),
  );
  const uploadId = created.UploadId!;
  try {
    const count = Math.ceil(from.size / copyPartBytes);
    const parts: { PartNumber: number; ETag?: string; ChecksumSHA256?: string }[] = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const first = index * copyPartBytes;
        const last = Math.min(from.size, first + copyPartBytes) - 1;
        const copied = await s3.send(
          new UploadPartCopyCommand({
            Bucket: from.bucket,
            Key: toKey,
            UploadId: uploadId,
            PartNumber: index + 1,
            CopySource: source,
            CopySourceRange: `bytes=${first}-${last}`,
            CopySourceIfMatch: from.etag,
          }),
        );
        parts[index] = {
          PartNumber: index + 1,
          ETag: copied.CopyPartResult?.ETag,
          ChecksumSHA256: copied.CopyPartResult?.ChecksumSHA256,
        };
      }
    };
    await Promise.all(Array.from({ length: Math.min(copyConcurrency, count) }, worker));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: from.bucket,
        Key: toKey,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    await s3
      .send(new AbortMultipartUploadCommand({ Bucket: from.bucket, Key: toKey, UploadId: uploadId }))
      .catch(() => undefined);
    throw error;
  }
}
