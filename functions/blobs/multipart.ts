import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { itemKinds } from '#functions/stream-consumers.ts';
import { CairnError } from '#http/errors.ts';
import { table } from '#table/client.ts';
import { keys, uploadSortPrefix } from '#table/keys.ts';
import { maxBatchGetItems } from '#table/limits.ts';
import { transactWrite } from '#table/transact.ts';
import { bucketFor, operatorBucket } from './client.ts';
import { objectKeys } from './keys.ts';
import {
  maxParts,
  maxStatusUploads,
  maxUrlSeconds,
  minPartBytes,
  verifyingAbandonedAfterMs,
} from './limits.ts';
import { presignPart, sha256Base64 } from './presign.ts';
import type { BlobRef, PartUrl, UploadState, UploadStatus } from './schema.ts';

/**
 * A multipart upload, from its creation to its verdict:
 *
 *   open ──complete──► verifying ──verifier hashed it──► verified (the blob is recorded)
 *     │                    └──────────── other bytes, too big, gone ──► failed (staged object deleted)
 *     └──abort / sweep──► (deleted)
 *
 * Its parts go to a staging key, never the content address. The `kind` and `state` attributes are
 * what the upload verifier's stream filter selects (`functions/stream-consumers.ts`).
 */
export interface UploadItem {
  pk: string;
  sk: string;
  kind: typeof itemKinds.upload;
  tenantId: string;
  uploadId: string;
  /** The staging key the parts are assembled under. */
  objectKey: string;
  sha256: string;
  size: number;
  partSize: number;
  partCount: number;
  /** Parts carry signed SHA-256 checksums (every upload through `/uploads`). */
  partChecksums: boolean;
  state: UploadState;
  createdAt: number;
  completedAt?: number;
  settledAt?: number;
  error?: { code: string; message: string };
  /** DynamoDB's TTL drops the item a week on, once S3's lifecycle rule has aborted what was left. */
  expiresAt: number;
}

/** Knobs tests turn: a short URL lifetime to see expiry. */
export interface SigningOptions {
  expiresInSeconds?: number;
}

const MiB = 1024 * 1024;
export const uploadItemDays = 7;

/** Part size for a blob: at least 8 MiB, whole MiB, and large enough to stay within 10,000 parts. */
export function partSizeFor(size: number): number {
  const needed = Math.ceil(size / maxParts);
  return Math.max(minPartBytes, Math.ceil(needed / MiB) * MiB);
}

export const partLength = (size: number, partSize: number, partNumber: number) =>
  Math.min(partSize, size - (partNumber - 1) * partSize);

/** Opens a multipart upload of a blob under a fresh staging key. */
export async function createMultipart(
  tenantId: string,
  blob: BlobRef,
  now: number,
  options: { partChecksums?: boolean } = {},
): Promise<UploadItem> {
  const partChecksums = options.partChecksums ?? true;
  const { bucket, s3 } = await bucketFor(tenantId);
  const objectKey = objectKeys.staging(tenantId, randomBytes(16).toString('hex'));
  const created = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: objectKey,
      // Parts then must carry, and S3 then checks, a SHA-256 each.
      ...(partChecksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
    }),
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`CreateMultipartUpload for ${objectKey} returned no upload id`);
  const partSize = partSizeFor(blob.size);
  const item: UploadItem = {
    ...keys.upload(tenantId, uploadId),
    kind: itemKinds.upload,
    tenantId,
    uploadId,
    objectKey,
    sha256: blob.sha256,
    size: blob.size,
    partSize,
    partCount: Math.ceil(blob.size / partSize),
    partChecksums,
    state: 'open',
    createdAt: now,
    expiresAt: Math.floor(now / 1000) + uploadItemDays * 86_400,
  };
  const { name, doc } = table();
  await doc.send(new PutCommand({ TableName: name, Item: item }));
  return item;
}

const notFound = (uploadId: string) =>
  new CairnError(
    'blobs.upload_not_found',
    `Multipart upload ${uploadId} does not exist (aborted, expired, or never started)`,
    { uploadId },
  );

/** One upload of the tenant (key `upload`), read consistently. */
export async function getUpload(tenantId: string, uploadId: string): Promise<UploadItem> {
  const { name, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: name, Key: keys.upload(tenantId, uploadId), ConsistentRead: true }),
  );
  if (!Item) throw notFound(uploadId);
  return Item as UploadItem;
}

/** Several uploads of the tenant (key `upload`, BatchGetItem, consistent); absent ones are left out. */
export async function uploadItems(tenantId: string, uploadIds: readonly string[]): Promise<UploadItem[]> {
  const { name, doc } = table();
  const found: UploadItem[] = [];
  const unique = [...new Set(uploadIds)];
  for (let start = 0; start < unique.length; start += maxBatchGetItems) {
    let pending: Record<string, unknown>[] | undefined = unique
      .slice(start, start + maxBatchGetItems)
      .map((uploadId) => keys.upload(tenantId, uploadId) as unknown as Record<string, unknown>);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, Math.min(1000, 50 * 2 ** attempt)));
      const answer = await doc.send(
        new BatchGetCommand({ RequestItems: { [name]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...((answer.Responses?.[name] ?? []) as UploadItem[]));
      pending = answer.UnprocessedKeys?.[name]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
}

const closed = (upload: UploadItem) =>
  new CairnError(
    'blobs.upload_closed',
    `Multipart upload ${upload.uploadId} is ${upload.state}: it takes no more parts`,
    { uploadId: upload.uploadId, state: upload.state },
  );

/**
 * Presigned URLs for parts of an open multipart upload: the ones not sent yet, or fresh ones after
 * expiry. Each signs the part's length and, where given, its SHA-256.
 */
export async function signParts(
  tenantId: string,
  uploadId: string,
  parts: readonly { partNumber: number; sha256?: string }[],
  options: SigningOptions = {},
  now = Date.now(),
): Promise<{ parts: PartUrl[]; expiresAt: number }> {
  const upload = await getUpload(tenantId, uploadId);
  if (upload.state !== 'open') throw closed(upload);
  const beyond = parts.filter((part) => part.partNumber > upload.partCount);
  if (beyond.length) {
    throw new CairnError(
      'blobs.invalid_parts',
      `Upload ${uploadId} has ${upload.partCount} parts; there is no part ${beyond[0]!.partNumber}`,
      { uploadId, partCount: upload.partCount },
    );
  }
  const seconds = Math.min(options.expiresInSeconds ?? maxUrlSeconds, maxUrlSeconds);
  const byNumber = new Map(parts.map((part) => [part.partNumber, part]));
  const signed = await Promise.all(
    [...byNumber.values()].map(async ({ partNumber, sha256 }) => {
      const size = partLength(upload.size, upload.partSize, partNumber);
      const request = await presignPart(
        tenantId,
        { objectKey: upload.objectKey, uploadId, partNumber, size, sha256 },
        options.expiresInSeconds,
      );
      return { ...request, partNumber, size };
    }),
  );
  return { parts: signed, expiresAt: now + seconds * 1000 };
}

interface ListedPart {
  etag: string;
  size: number;
  checksum?: string | undefined;
}

const unquoted = (etag: string) => etag.replace(/"/g, '');

/** Every part the store holds for an upload (ListParts, 1,000 a page). */
async function listParts(s3: S3Client, bucket: string, upload: UploadItem): Promise<Map<number, ListedPart>> {
  const parts = new Map<number, ListedPart>();
  let marker: string | undefined;
  do {
    const page = await s3.send(
      new ListPartsCommand({
        Bucket: bucket,
        Key: upload.objectKey,
        UploadId: upload.uploadId,
        PartNumberMarker: marker,
      }),
    );
    for (const part of page.Parts ?? []) {
      if (part.PartNumber === undefined) continue;
      parts.set(part.PartNumber, {
        etag: unquoted(part.ETag ?? ''),
        size: part.Size ?? -1,
        checksum: part.ChecksumSHA256,
      });
    }
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

const invalidParts = (upload: UploadItem, message: string, details: Record<string, unknown> = {}) =>
  new CairnError('blobs.invalid_parts', `Upload ${upload.uploadId}: ${message}`, {
    uploadId: upload.uploadId,
    partCount: upload.partCount,
    ...details,
  });

const isNoSuchUpload = (error: unknown) => (error as { name?: string }).name === 'NoSuchUpload';
const storeRefusals = new Set([
  'InvalidPart',
  'InvalidPartOrder',
  'EntityTooSmall',
  'MalformedXML',
  'BadDigest',
]);

/** Whether the staged object exists: a completion that went through before, then failed to say so. */
async function staged(s3: S3Client, bucket: string, upload: UploadItem): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: upload.objectKey }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403) return false;
    throw error;
  }
}

/**
 * Assembles a multipart upload under its staging key, then hands it to the verifier (state
 * `verifying`). The parts named must be exactly 1 to N, each uploaded, with the ETag, size and
 * SHA-256 the store holds for it (ListParts says, before anything is assembled), so a completion
 * naming parts never uploaded is refused here, with the part it lacks. The object it assembles
 * lands under the staging key, so a completion can never overwrite a blob. Completing an upload
 * that is already past `open` answers its state: a retried completion is harmless.
 */
export async function completeMultipart(
  tenantId: string,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string; sha256?: string }[],
  now = Date.now(),
): Promise<UploadItem> {
  const upload = await getUpload(tenantId, uploadId);
  if (upload.state !== 'open') return upload;
  const numbers = parts.map((part) => part.partNumber).sort((a, b) => a - b);
  if (numbers.length !== upload.partCount || !numbers.every((n, i) => n === i + 1)) {
    throw invalidParts(
      upload,
      `name exactly parts 1 to ${upload.partCount}, each once; got ${numbers.length} part(s)`,
    );
  }
  const { bucket, s3 } = await bucketFor(tenantId);
  let listed: Map<number, ListedPart>;
  try {
    listed = await listParts(s3, bucket, upload);
  } catch (error) {
    if (!isNoSuchUpload(error)) throw error;
    if (await staged(s3, bucket, upload)) return markVerifying(tenantId, upload, now);
    throw notFound(uploadId);
  }
  const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  for (const part of ordered) {
    const held = listed.get(part.partNumber);
    const expected = partLength(upload.size, upload.partSize, part.partNumber);
    if (!held)
      throw invalidParts(upload, `part ${part.partNumber} was never uploaded`, {
        partNumber: part.partNumber,
      });
    if (held.etag !== unquoted(part.etag))
      throw invalidParts(upload, `part ${part.partNumber} has another ETag in the store`, {
        partNumber: part.partNumber,
      });
    if (held.size !== expected)
      throw invalidParts(upload, `part ${part.partNumber} holds ${held.size} bytes, not ${expected}`, {
        partNumber: part.partNumber,
      });
    if (upload.partChecksums && !part.sha256)
      throw invalidParts(upload, `part ${part.partNumber} needs its SHA-256`, {
        partNumber: part.partNumber,
      });
    if (held.checksum && part.sha256 && held.checksum !== sha256Base64(part.sha256))
      throw invalidParts(upload, `part ${part.partNumber} has another SHA-256 in the store`, {
        partNumber: part.partNumber,
      });
  }
  try {
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: upload.objectKey,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: ordered.map((part) => ({
            PartNumber: part.partNumber,
            ETag: part.etag,
            ...(upload.partChecksums && part.sha256 ? { ChecksumSHA256: sha256Base64(part.sha256) } : {}),
          })),
        },
      }),
    );
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (storeRefusals.has(name)) {
      throw invalidParts(upload, `the store refused to assemble it (${name})`, { reason: name });
    }
    if (!isNoSuchUpload(error) || !(await staged(s3, bucket, upload))) throw error;
  }
  return markVerifying(tenantId, upload, now);
}

/** An upload's state moved on under a write that expected it (another completion, another verdict). */
const settledMeanwhile = new Error('the upload was settled meanwhile');
const uploadBusy = (uploadId: string) =>
  new CairnError('blobs.verifying', `Upload ${uploadId} is being changed by another request; retry`, {
    uploadId,
  });

/**
 * Hands an assembled upload to the verifier: its state becomes `verifying` (the change the
 * verifier's stream filter selects), and the blob's marker names it, so that a push that starts
 * meanwhile waits for this upload rather than sending the bytes again.
 */
async function markVerifying(tenantId: string, upload: UploadItem, now: number): Promise<UploadItem> {
  const { name } = table();
  try {
    await transactWrite(
      () => ({
        items: [
          {
            Update: {
              TableName: name,
              Key: keys.upload(tenantId, upload.uploadId),
              UpdateExpression: 'SET #state = :verifying, completedAt = :now',
              ConditionExpression: '#state = :open',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':verifying': 'verifying', ':open': 'open', ':now': now },
            },
          },
          {
            Update: {
              TableName: name,
              Key: keys.blobSigned(tenantId, upload.sha256),
              UpdateExpression: 'SET sha256 = :sha256, verifyingUploadId = :uploadId, expiresAt = :expires',
              ExpressionAttributeValues: {
                ':sha256': upload.sha256,
                ':uploadId': upload.uploadId,
                ':expires': Math.floor(now / 1000) + uploadItemDays * 86_400,
              },
            },
          },
        ],
        result: undefined,
        onConditionFailed: (index) => (index === 0 ? settledMeanwhile : undefined),
      }),
      { busy: () => uploadBusy(upload.uploadId) },
    );
  } catch (error) {
    // Another completion of the same upload got there first: its state is the answer.
    if (error !== settledMeanwhile) throw error;
    return getUpload(tenantId, upload.uploadId);
  }
  return { ...upload, state: 'verifying', completedAt: now };
}

/** What a client polls while its uploads are verified. */
export async function uploadStatuses(
  tenantId: string,
  uploadIds: readonly string[],
): Promise<UploadStatus[]> {
  if (uploadIds.length > maxStatusUploads) throw new Error(`at most ${maxStatusUploads} uploads per status`);
  const byId = new Map((await uploadItems(tenantId, uploadIds)).map((item) => [item.uploadId, item]));
  return uploadIds.map((uploadId) => {
    const item = byId.get(uploadId);
    if (!item) throw notFound(uploadId);
    return {
      uploadId,
      sha256: item.sha256,
      size: item.size,
      state: item.state,
      ...(item.error ? { error: item.error } : {}),
    };
  });
}

/** Whether an upload still counts as being verified, or lost its verifier long ago. */
export const stillVerifying = (upload: UploadItem, now: number) =>
  upload.state === 'verifying' && (upload.completedAt ?? upload.createdAt) > now - verifyingAbandonedAfterMs;

/** Stores without AbortMultipartUpload (the local emulator) leave the parts to their own sweep. */
const abortUnsupported = new Set(['MethodNotAllowed', 'NotImplemented']);

async function abortInStore(s3: S3Client, bucket: string, item: UploadItem) {
  try {
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: item.objectKey, UploadId: item.uploadId }),
    );
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name !== 'NoSuchUpload' && !abortUnsupported.has(name)) throw error;
  }
}

/** Aborts an open multipart upload: its parts are discarded and nothing is recorded. */
export async function abortUpload(tenantId: string, uploadId: string): Promise<void> {
  const item = await getUpload(tenantId, uploadId);
  if (item.state !== 'open') throw closed(item);
  const { bucket, s3 } = await bucketFor(tenantId);
  await abortInStore(s3, bucket, item);
  const { name, doc } = table();
  await doc.send(new DeleteCommand({ TableName: name, Key: keys.upload(tenantId, uploadId) }));
}

/**
 * Cleans up uploads created before `now - olderThanMs`, across tenants, for the local stack: open
 * ones are aborted, ones whose verifier never answered are failed (staged object deleted), and
 * settled ones are forgotten. In AWS the bucket's lifecycle rule aborts open uploads and
 * DynamoDB's TTL drops the items; DynamoDB Local keeps expired items, hence this sweep. It scans
 * the table, which only a local table can afford.
 */
export async function sweepAbandonedUploads(
  olderThanMs: number,
  now = Date.now(),
): Promise<{ aborted: number }> {
  const { name, doc } = table();
  const { bucket, s3 } = operatorBucket();
  let aborted = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: name,
        FilterExpression: 'begins_with(sk, :upload) AND createdAt < :cutoff',
        ExpressionAttributeValues: { ':upload': uploadSortPrefix, ':cutoff': now - olderThanMs },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []) as UploadItem[]) {
      if (item.state === 'open') {
        await abortInStore(s3, bucket, item);
        aborted++;
      } else if (item.state === 'verifying') {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: item.objectKey }));
      }
      await doc.send(new DeleteCommand({ TableName: name, Key: { pk: item.pk, sk: item.sk } }));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { aborted };
}

/** The verifier's verdict on an upload it was handed, written only while the upload is `verifying`. */
export async function settleUpload(
  tenantId: string,
  upload: UploadItem,
  verdict:
    | { state: 'verified'; blob: Record<string, unknown> }
    | { state: 'failed'; error: { code: string; message: string } },
  now = Date.now(),
): Promise<boolean> {
  const { name, doc } = table();
  const update = {
    TableName: name,
    Key: keys.upload(tenantId, upload.uploadId),
    ConditionExpression: '#state = :verifying',
    ExpressionAttributeNames: { '#state': 'state' },
  };
  try {
    if (verdict.state === 'verified') {
      await transactWrite(
        () => ({
          items: [
            {
              Update: {
                ...update,
                UpdateExpression: 'SET #state = :verified, settledAt = :now',
                ExpressionAttributeValues: {
                  ':verifying': 'verifying',
                  ':verified': 'verified',
                  ':now': now,
                },
              },
            },
            // The record that the tenant holds the blob: written with the verdict, never before.
            { Put: { TableName: name, Item: verdict.blob } },
          ],
          result: undefined,
          onConditionFailed: (index) => (index === 0 ? settledMeanwhile : undefined),
        }),
        { busy: () => uploadBusy(upload.uploadId) },
      );
    } else {
      await doc.send(
        new UpdateCommand({
          ...update,
          UpdateExpression: 'SET #state = :failed, settledAt = :now, #error = :error',
          ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#error': 'error' },
          ExpressionAttributeValues: {
            ':verifying': 'verifying',
            ':failed': 'failed',
            ':now': now,
            ':error': verdict.error,
          },
        }),
      );
    }
    return true;
  } catch (error) {
    if (error === settledMeanwhile || (error as { name?: string }).name === 'ConditionalCheckFailedException')
      return false;
    throw error;
  }
}
