import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { CairnError } from '#http/errors.ts';
import { localMaintenanceTable, table } from '#table/client.ts';
import { keys, uploadSortPrefix } from '#table/keys.ts';
import { maxBatchGetItems, maxBatchWriteItems } from '#table/limits.ts';
import { bucketFor, localMaintenanceBucket } from './client.ts';
import { objectKeys } from './keys.ts';
import {
  confirmConcurrency,
  maxParts,
  maxPartUrlsPerAnswer,
  maxUrlSeconds,
  minPartBytes,
  singlePutMaxBytes,
} from './limits.ts';
import { presignPart, presignPut, sha256Base64 } from './presign.ts';
import type { BlobRef, PartUrl, StartUploadBody, UploadPlan } from './schema.ts';

/** The record that a tenant holds a blob. Written only after its object was confirmed. */
interface BlobItem {
  pk: string;
  sk: string;
  sha256: string;
  size: number;
  createdAt: number;
}

/** An open multipart upload. `expiresAt` lets DynamoDB's TTL drop it once S3's lifecycle rule has aborted it. */
interface UploadItem {
  pk: string;
  sk: string;
  uploadId: string;
  objectKey: string;
  sha256: string;
  size: number;
  partSize: number;
  partCount: number;
  createdAt: number;
  expiresAt: number;
}

/** Knobs tests turn: a short URL lifetime to see expiry, a lower multipart threshold. */
export interface SigningOptions {
  expiresInSeconds?: number;
}

const MiB = 1024 * 1024;
/** Upload items outlive S3's one-day abort rule by a margin, then DynamoDB's TTL removes them. */
const uploadItemDays = 7;

async function eachLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

async function batchGet(keyList: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const { name, doc } = table();
  const items: Record<string, unknown>[] = [];
  for (const group of chunks(keyList, maxBatchGetItems)) {
    let pending: Record<string, unknown>[] | undefined = [...group];
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, Math.min(1000, 50 * 2 ** attempt)));
      const answer = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [name]: { Keys: pending, ProjectionExpression: 'sk, sha256, size', ConsistentRead: true },
          },
        }),
      );
      items.push(...(answer.Responses?.[name] ?? []));
      pending = answer.UnprocessedKeys?.[name]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return items;
}

async function batchPut(items: readonly object[]): Promise<void> {
  const { name, doc } = table();
  for (const group of chunks(items, maxBatchWriteItems)) {
    let pending: object[] | undefined = group.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, Math.min(1000, 50 * 2 ** attempt)));
      const answer = await doc.send(new BatchWriteCommand({ RequestItems: { [name]: pending as never } }));
      pending = answer.UnprocessedItems?.[name] as object[] | undefined;
    }
  }
}

/**
 * The blobs among `digests` that the tenant holds, with their sizes (key `blob`, BatchGetItem by
 * 100). Another tenant's copy of the same digest is under another key and never counts.
 */
export async function recordedBlobs(
  tenantId: string,
  digests: readonly string[],
): Promise<Map<string, number>> {
  const items = await batchGet([...new Set(digests)].map((sha256) => ({ ...keys.blob(tenantId, sha256) })));
  return new Map(items.map((item) => [item.sha256 as string, item.size as number]));
}

/**
 * Which blobs the tenant holds, and which others had an upload signed before (keys `blob` and
 * `blobSigned`, read together): only those can sit in the store unrecorded.
 */
async function blobStates(
  tenantId: string,
  digests: readonly string[],
): Promise<{ recorded: Map<string, number>; signed: Set<string> }> {
  const items = await batchGet(
    [...new Set(digests)].flatMap((sha256) => [
      { ...keys.blob(tenantId, sha256) },
      { ...keys.blobSigned(tenantId, sha256) },
    ]),
  );
  const recorded = new Map<string, number>();
  const signed = new Set<string>();
  for (const item of items) {
    if (item.sk === keys.blob(tenantId, '').sk) recorded.set(item.sha256 as string, item.size as number);
    else signed.add(item.sha256 as string);
  }
  return { recorded, signed };
}

async function recordBlobs(tenantId: string, blobs: readonly BlobRef[], now: number): Promise<void> {
  await batchPut(
    blobs.map(
      (blob): BlobItem => ({
        ...keys.blob(tenantId, blob.sha256),
        sha256: blob.sha256,
        size: blob.size,
        createdAt: now,
      }),
    ),
  );
}

/** Marks blobs whose upload is about to be signed; DynamoDB's TTL drops the marks a week later. */
async function markSigned(tenantId: string, blobs: readonly BlobRef[], now: number): Promise<void> {
  const expiresAt = Math.floor(now / 1000) + uploadItemDays * 86_400;
  await batchPut(
    blobs.map((blob) => ({ ...keys.blobSigned(tenantId, blob.sha256), sha256: blob.sha256, expiresAt })),
  );
}

type Inspection =
  | { status: 'confirmed' }
  | { status: 'missing' }
  | { status: 'size_mismatch'; actual: number }
  | { status: 'checksum_mismatch' };

/**
 * A HEAD of a missing key. Without `s3:ListBucket` for the key S3 answers 403, not 404, and the
 * tenant role grants ListBucket only by `s3:prefix`, which a HEAD does not carry: 403 means "not
 * there (as far as this tenant can tell)". A real permission problem then shows at the PUT.
 */
const isNotFound = (error: unknown) => {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  return (
    name === 'NotFound' || name === 'NoSuchKey' || name === 'Forbidden' || status === 404 || status === 403
  );
};

/**
 * What the store holds under a blob's key, against what was declared: the size always, and the
 * SHA-256 where the store reports a full-object checksum (S3 does for objects PUT with one; the
 * emulator never does, and S3 has only composite checksums for multipart objects). An object that
 * does not match is deleted: under a content address, wrong bytes are worse than none.
 */
async function inspect(tenantId: string, blob: BlobRef): Promise<Inspection> {
  const { bucket, s3 } = await bucketFor(tenantId);
  const Key = objectKeys.blob(tenantId, blob.sha256);
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key, ChecksumMode: 'ENABLED' }));
  } catch (error) {
    if (isNotFound(error)) return { status: 'missing' };
    throw error;
  }
  let verdict: Inspection = { status: 'confirmed' };
  if (head.ContentLength !== blob.size)
    verdict = { status: 'size_mismatch', actual: head.ContentLength ?? -1 };
  else if (
    head.ChecksumSHA256 &&
    head.ChecksumType !== 'COMPOSITE' &&
    !head.ChecksumSHA256.includes('-') &&
    head.ChecksumSHA256 !== sha256Base64(blob.sha256)
  ) {
    verdict = { status: 'checksum_mismatch' };
  }
  if (verdict.status !== 'confirmed') await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  return verdict;
}

interface Confirmed {
  confirmed: BlobRef[];
  missing: BlobRef[];
  mismatched: (BlobRef & { problem: 'size_mismatch' | 'checksum_mismatch'; actualSize?: number })[];
}

/** Inspects each object and records those that match; says which are missing or wrong. */
async function confirmAndRecord(
  tenantId: string,
  blobs: readonly BlobRef[],
  now: number,
): Promise<Confirmed> {
  const verdicts = await eachLimited(blobs, confirmConcurrency, (blob) => inspect(tenantId, blob));
  const result: Confirmed = { confirmed: [], missing: [], mismatched: [] };
  verdicts.forEach((verdict, i) => {
    const blob = blobs[i]!;
    if (verdict.status === 'confirmed') result.confirmed.push(blob);
    else if (verdict.status === 'missing') result.missing.push(blob);
    else if (verdict.status === 'size_mismatch')
      result.mismatched.push({ ...blob, problem: verdict.status, actualSize: verdict.actual });
    else result.mismatched.push({ ...blob, problem: verdict.status });
  });
  await recordBlobs(tenantId, result.confirmed, now);
  return result;
}

const listed = (blobs: readonly BlobRef[]) =>
  blobs.slice(0, 100).map(({ sha256, size }) => ({ sha256, size }));

function mismatchError(mismatched: Confirmed['mismatched']): CairnError {
  const first = mismatched[0]!;
  const sizeProblem = mismatched.find((blob) => blob.problem === 'size_mismatch');
  const code = sizeProblem ? 'blobs.size_mismatch' : 'blobs.checksum_mismatch';
  const what =
    first.problem === 'size_mismatch'
      ? `holds ${first.actualSize} bytes, not the declared ${first.size}`
      : 'does not match its declared SHA-256';
  return new CairnError(
    code,
    `Blob ${first.sha256} ${what}; the object was deleted and nothing was recorded for it${mismatched.length > 1 ? ` (and ${mismatched.length - 1} more)` : ''}. Upload it again.`,
    {
      mismatched: mismatched.slice(0, 100).map(({ sha256, size, problem, actualSize }) => ({
        sha256,
        declaredSize: size,
        problem,
        ...(actualSize === undefined ? {} : { actualSize }),
      })),
    },
  );
}

function missingError(missing: readonly BlobRef[]): CairnError {
  return new CairnError(
    'blobs.missing',
    `${missing.length} blob(s) are not uploaded yet (first: ${missing[0]!.sha256}); upload them, then retry`,
    { missing: listed(missing), count: missing.length },
  );
}

/** Same digest declared with two sizes: one of them is wrong, and we cannot tell which. */
function uniqueBlobs(blobs: readonly BlobRef[]): BlobRef[] {
  const bySha = new Map<string, BlobRef>();
  for (const blob of blobs) {
    const seen = bySha.get(blob.sha256);
    if (seen && seen.size !== blob.size) {
      throw new CairnError(
        'blobs.conflicting_declarations',
        `Blob ${blob.sha256} is declared with two sizes (${seen.size} and ${blob.size})`,
        { sha256: blob.sha256, sizes: [seen.size, blob.size] },
      );
    }
    bySha.set(blob.sha256, { sha256: blob.sha256, size: blob.size });
  }
  return [...bySha.values()];
}

/**
 * Makes sure the tenant holds every blob a manifest names, before the manifest is recorded:
 * recorded ones must have the declared size; unrecorded ones are confirmed in the store now (a
 * single PUT needs no separate "complete" call). Throws, recording no manifest, when a blob is
 * missing or its bytes do not match.
 */
export async function ensureRecorded(
  tenantId: string,
  blobs: readonly BlobRef[],
  now = Date.now(),
): Promise<void> {
  const wanted = uniqueBlobs(blobs);
  const recorded = await recordedBlobs(
    tenantId,
    wanted.map((blob) => blob.sha256),
  );
  const wrongSize = wanted.filter(
    (blob) => recorded.has(blob.sha256) && recorded.get(blob.sha256) !== blob.size,
  );
  if (wrongSize.length) {
    const first = wrongSize[0]!;
    throw new CairnError(
      'blobs.size_mismatch',
      `Blob ${first.sha256} holds ${recorded.get(first.sha256)} bytes, not the declared ${first.size}`,
      {
        mismatched: wrongSize.slice(0, 100).map(({ sha256, size }) => ({
          sha256,
          declaredSize: size,
          problem: 'size_mismatch',
          actualSize: recorded.get(sha256),
        })),
      },
    );
  }
  const unrecorded = wanted.filter((blob) => !recorded.has(blob.sha256));
  if (!unrecorded.length) return;
  const { missing, mismatched } = await confirmAndRecord(tenantId, unrecorded, now);
  if (mismatched.length) throw mismatchError(mismatched);
  if (missing.length) throw missingError(missing);
}

/** Part size for a blob: at least 8 MiB, whole MiB, and large enough to stay within 10,000 parts. */
export function partSizeFor(size: number): number {
  const needed = Math.ceil(size / maxParts);
  return Math.max(minPartBytes, Math.ceil(needed / MiB) * MiB);
}

const partLength = (size: number, partSize: number, partNumber: number) =>
  Math.min(partSize, size - (partNumber - 1) * partSize);

async function signPartsOf(
  tenantId: string,
  upload: Pick<UploadItem, 'uploadId' | 'sha256' | 'size' | 'partSize' | 'partCount'>,
  partNumbers: readonly number[],
  options: SigningOptions,
): Promise<PartUrl[]> {
  return Promise.all(
    partNumbers.map(async (partNumber) => {
      const size = partLength(upload.size, upload.partSize, partNumber);
      const signed = await presignPart(
        tenantId,
        { sha256: upload.sha256, uploadId: upload.uploadId, partNumber, size },
        options.expiresInSeconds,
      );
      return { ...signed, partNumber, size };
    }),
  );
}

/**
 * The first step of every upload: for each declared blob, `present` (the tenant holds it already:
 * nothing to send), a presigned PUT, or a multipart plan. A blob whose object is in the store
 * but unrecorded (an upload interrupted before its commit) is confirmed and recorded here, so a
 * second push sends only what is still missing.
 */
export async function startUploads(
  tenantId: string,
  body: StartUploadBody,
  options: SigningOptions = {},
  now = Date.now(),
): Promise<{ blobs: UploadPlan[]; expiresAt: number }> {
  const wanted = uniqueBlobs(body.blobs);
  const { recorded, signed } = await blobStates(
    tenantId,
    wanted.map((blob) => blob.sha256),
  );
  // Never signed means never uploaded: only the others are worth a look in the store.
  const maybeStored = wanted.filter((blob) => !recorded.has(blob.sha256) && signed.has(blob.sha256));
  const { confirmed } = await confirmAndRecord(tenantId, maybeStored, now);
  const present = new Set([...recorded.keys(), ...confirmed.map((blob) => blob.sha256)]);
  await markSigned(
    tenantId,
    wanted.filter((blob) => !present.has(blob.sha256) && !signed.has(blob.sha256)),
    now,
  );
  const threshold = body.multipartThreshold ?? singlePutMaxBytes;
  let partUrlBudget = maxPartUrlsPerAnswer;
  const seconds = Math.min(options.expiresInSeconds ?? maxUrlSeconds, maxUrlSeconds);

  const plans = await eachLimited(wanted, confirmConcurrency, async (blob): Promise<UploadPlan> => {
    if (present.has(blob.sha256)) return { status: 'present', ...blob };
    if (blob.size <= threshold) {
      return { status: 'put', ...blob, request: await presignPut(tenantId, blob, options.expiresInSeconds) };
    }
    const upload = await createMultipart(tenantId, blob, now);
    const first = Math.min(upload.partCount, partUrlBudget);
    partUrlBudget -= first;
    const parts = await signPartsOf(
      tenantId,
      upload,
      Array.from({ length: first }, (_, i) => i + 1),
      options,
    );
    return {
      status: 'multipart',
      ...blob,
      uploadId: upload.uploadId,
      partSize: upload.partSize,
      partCount: upload.partCount,
      parts,
    };
  });
  return { blobs: plans, expiresAt: now + seconds * 1000 };
}

async function createMultipart(tenantId: string, blob: BlobRef, now: number): Promise<UploadItem> {
  const { bucket, s3 } = await bucketFor(tenantId);
  const objectKey = objectKeys.blob(tenantId, blob.sha256);
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: objectKey }));
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`CreateMultipartUpload for ${objectKey} returned no upload id`);
  const partSize = partSizeFor(blob.size);
  const item: UploadItem = {
    ...keys.upload(tenantId, uploadId),
    uploadId,
    objectKey,
    sha256: blob.sha256,
    size: blob.size,
    partSize,
    partCount: Math.ceil(blob.size / partSize),
    createdAt: now,
    expiresAt: Math.floor(now / 1000) + uploadItemDays * 86_400,
  };
  const { name, doc } = table();
  await doc.send(new PutCommand({ TableName: name, Item: item }));
  return item;
}

async function getUpload(tenantId: string, uploadId: string): Promise<UploadItem> {
  const { name, doc } = table();
  const { Item } = await doc.send(
    new GetCommand({ TableName: name, Key: keys.upload(tenantId, uploadId), ConsistentRead: true }),
  );
  if (!Item) {
    throw new CairnError(
      'blobs.upload_not_found',
      `Multipart upload ${uploadId} does not exist (completed, aborted, or never started)`,
      { uploadId },
    );
  }
  return Item as UploadItem;
}

/** Presigned URLs for parts of an open multipart upload: the ones not sent yet, or fresh ones after expiry. */
export async function signParts(
  tenantId: string,
  uploadId: string,
  partNumbers: readonly number[],
  options: SigningOptions = {},
  now = Date.now(),
): Promise<{ parts: PartUrl[]; expiresAt: number }> {
  const upload = await getUpload(tenantId, uploadId);
  const beyond = partNumbers.filter((n) => n > upload.partCount);
  if (beyond.length) {
    throw new CairnError(
      'blobs.invalid_parts',
      `Upload ${uploadId} has ${upload.partCount} parts; there is no part ${beyond[0]}`,
      { uploadId, partCount: upload.partCount },
    );
  }
  const seconds = Math.min(options.expiresInSeconds ?? maxUrlSeconds, maxUrlSeconds);
  return {
    parts: await signPartsOf(tenantId, upload, [...new Set(partNumbers)], options),
    expiresAt: now + seconds * 1000,
  };
}

const partProblems = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML']);

async function completeOne(
  tenantId: string,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string }[],
): Promise<BlobRef> {
  const upload = await getUpload(tenantId, uploadId);
  const numbers = parts.map((part) => part.partNumber).sort((a, b) => a - b);
  const complete = numbers.length === upload.partCount && numbers.every((n, i) => n === i + 1);
  if (!complete) {
    throw new CairnError(
      'blobs.invalid_parts',
      `Upload ${uploadId} needs exactly parts 1 to ${upload.partCount}, each once; got ${numbers.length} part(s)`,
      { uploadId, partCount: upload.partCount },
    );
  }
  const { bucket, s3 } = await bucketFor(tenantId);
  try {
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: upload.objectKey,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [...parts]
            .sort((a, b) => a.partNumber - b.partNumber)
            .map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
        },
      }),
    );
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (partProblems.has(name)) {
      throw new CairnError(
        'blobs.invalid_parts',
        `The store refused to assemble upload ${uploadId} (${name}): a part is missing, too small or has another ETag`,
        { uploadId, reason: name },
      );
    }
    // A retry of a completion that went through: the object is there, and `inspect` decides.
    if (name !== 'NoSuchUpload') throw error;
  }
  return { sha256: upload.sha256, size: upload.size };
}

/**
 * Assembles multipart uploads and confirms blobs, recording each one whose object matches.
 * Throws when an object does not match (deleted, not recorded) or is missing; the others are
 * recorded all the same, as they were confirmed.
 */
export async function completeUploads(
  tenantId: string,
  body: {
    multipart: { uploadId: string; parts: { partNumber: number; etag: string }[] }[];
    blobs: BlobRef[];
  },
  now = Date.now(),
): Promise<{ recorded: BlobRef[] }> {
  const assembled = await eachLimited(body.multipart, 4, (upload) =>
    completeOne(tenantId, upload.uploadId, upload.parts),
  );
  const blobs = uniqueBlobs([...assembled, ...body.blobs]);
  const { confirmed, missing, mismatched } = await confirmAndRecord(tenantId, blobs, now);
  const { name, doc } = table();
  await Promise.all(
    body.multipart.map((upload) =>
      doc.send(new DeleteCommand({ TableName: name, Key: keys.upload(tenantId, upload.uploadId) })),
    ),
  );
  if (mismatched.length) throw mismatchError(mismatched);
  if (missing.length) throw missingError(missing);
  return { recorded: confirmed };
}

/** Stores without AbortMultipartUpload (the local emulator) leave the parts to their own sweep. */
const abortUnsupported = new Set(['MethodNotAllowed', 'NotImplemented']);

async function abortInStore(
  s3: Awaited<ReturnType<typeof bucketFor>>['s3'],
  bucket: string,
  item: UploadItem,
) {
  try {
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: item.objectKey, UploadId: item.uploadId }),
    );
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name !== 'NoSuchUpload' && !abortUnsupported.has(name)) throw error;
  }
}

/** Aborts a multipart upload: its parts are discarded and nothing is recorded. */
export async function abortUpload(tenantId: string, uploadId: string): Promise<void> {
  const item = await getUpload(tenantId, uploadId);
  const { bucket, s3 } = await bucketFor(tenantId);
  await abortInStore(s3, bucket, item);
  const { name, doc } = table();
  await doc.send(new DeleteCommand({ TableName: name, Key: keys.upload(tenantId, uploadId) }));
}

/**
 * Aborts multipart uploads older than `olderThanMs`, across tenants, for the local stack. In AWS
 * the bucket's lifecycle rule aborts them and DynamoDB's TTL drops their items; DynamoDB Local
 * keeps expired items, hence this sweep. It scans the table, which only a local table can afford.
 */
export async function sweepAbandonedUploads(
  olderThanMs: number,
  now = Date.now(),
): Promise<{ aborted: number }> {
  const { name, doc } = localMaintenanceTable();
  const { bucket, s3 } = localMaintenanceBucket();
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
      await abortInStore(s3, bucket, item);
      await doc.send(new DeleteCommand({ TableName: name, Key: { pk: item.pk, sk: item.sk } }));
      aborted++;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { aborted };
}
