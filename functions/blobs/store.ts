import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CairnError } from '#http/errors.ts';
import { table } from '#table/client.ts';
import { keys } from '#table/keys.ts';
import { maxBatchGetItems, maxBatchWriteItems } from '#table/limits.ts';
import { bucketFor } from './client.ts';
import { objectKeys } from './keys.ts';
import { confirmConcurrency, maxHashedBytesPerRequest, maxUrlSeconds, singlePutMaxBytes } from './limits.ts';
import {
  completeMultipart,
  createMultipart,
  type SigningOptions,
  stillVerifying,
  uploadItemDays,
  uploadItems,
  uploadStatuses,
} from './multipart.ts';
import { presignPut, sha256Base64 } from './presign.ts';
import type { BlobRef, StartUploadBody, UploadPlan, UploadStatus } from './schema.ts';

export {
  abortUpload,
  partSizeFor,
  type SigningOptions,
  signParts,
  sweepAbandonedUploads,
  uploadStatuses,
} from './multipart.ts';

/** The record that a tenant holds a blob. Written only after its object was confirmed. */
interface BlobItem {
  pk: string;
  sk: string;
  sha256: string;
  size: number;
  createdAt: number;
}

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
            [name]: {
              Keys: pending,
              ProjectionExpression: 'sk, sha256, size, verifyingUploadId',
              ConsistentRead: true,
            },
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
 * Which blobs the tenant holds, which others had an upload signed before (keys `blob` and
 * `blobSigned`, read together: only those can sit in the store unrecorded), and which of those
 * have a multipart upload being verified (the marker names it).
 */
async function blobStates(
  tenantId: string,
  digests: readonly string[],
): Promise<{ recorded: Map<string, number>; signed: Set<string>; verifying: Map<string, string> }> {
  const items = await batchGet(
    [...new Set(digests)].flatMap((sha256) => [
      { ...keys.blob(tenantId, sha256) },
      { ...keys.blobSigned(tenantId, sha256) },
    ]),
  );
  const recorded = new Map<string, number>();
  const signed = new Set<string>();
  const verifying = new Map<string, string>();
  for (const item of items) {
    if (item.sk === keys.blob(tenantId, '').sk) recorded.set(item.sha256 as string, item.size as number);
    else {
      signed.add(item.sha256 as string);
      if (typeof item.verifyingUploadId === 'string')
        verifying.set(item.sha256 as string, item.verifyingUploadId);
    }
  }
  for (const sha256 of recorded.keys()) verifying.delete(sha256);
  return { recorded, signed, verifying };
}

/** The uploads among `candidates` (digest → upload id) still being verified, by digest. */
async function inVerification(
  tenantId: string,
  candidates: ReadonlyMap<string, string>,
  now: number,
): Promise<Map<string, string>> {
  if (candidates.size === 0) return new Map();
  const uploads = await uploadItems(tenantId, [...candidates.values()]);
  return new Map(
    uploads
      .filter((upload) => candidates.get(upload.sha256) === upload.uploadId && stillVerifying(upload, now))
      .map((upload) => [upload.sha256, upload.uploadId]),
  );
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

/** The SHA-256 S3 verified for a whole object, where it keeps one: never a composite of parts. */
function fullObjectChecksum(head: HeadObjectCommandOutput): string | undefined {
  if (!head.ChecksumSHA256 || head.ChecksumType === 'COMPOSITE' || head.ChecksumSHA256.includes('-'))
    return undefined;
  return head.ChecksumSHA256;
}

/** Bytes hashed so far by one request: hashing is bounded per request. */
interface HashBudget {
  bytes: number;
}

/**
 * What the store holds under a blob's content address (the single-PUT path), against what was
 * declared. The size always; the SHA-256 from S3's full-object checksum where it keeps one (S3
 * does for every PUT through our URLs, which sign it, and checked the bytes against it), and
 * otherwise from the bytes themselves, hashed here, within the request's budget (the local
 * emulator keeps no checksums and checks none). A composite checksum of parts proves nothing about
 * the whole object and is never taken for one. An object whose bytes do not match is deleted:
 * under a content address, wrong bytes are worse than none. One that cannot be checked here (too
 * large, budget spent) counts as missing and is left alone.
 */
async function inspect(tenantId: string, blob: BlobRef, budget: HashBudget): Promise<Inspection> {
  const { bucket, s3 } = await bucketFor(tenantId);
  const Key = objectKeys.blob(tenantId, blob.sha256);
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key, ChecksumMode: 'ENABLED' }));
  } catch (error) {
    if (isNotFound(error)) return { status: 'missing' };
    throw error;
  }
  let verdict: Inspection;
  const checksum = fullObjectChecksum(head);
  if (head.ContentLength !== blob.size) {
    verdict = { status: 'size_mismatch', actual: head.ContentLength ?? -1 };
  } else if (checksum) {
    verdict =
      checksum === sha256Base64(blob.sha256) ? { status: 'confirmed' } : { status: 'checksum_mismatch' };
  } else if (blob.size <= singlePutMaxBytes && budget.bytes + blob.size <= maxHashedBytesPerRequest) {
    budget.bytes += blob.size;
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key, IfMatch: head.ETag }));
    const bytes = await answer.Body!.transformToByteArray();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    verdict =
      bytes.length !== blob.size
        ? { status: 'size_mismatch', actual: bytes.length }
        : sha256 === blob.sha256
          ? { status: 'confirmed' }
          : { status: 'checksum_mismatch' };
  } else {
    return { status: 'missing' };
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
  const budget: HashBudget = { bytes: 0 };
  const verdicts = await eachLimited(blobs, confirmConcurrency, (blob) => inspect(tenantId, blob, budget));
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
  if (!missing.length) return;
  const { verifying } = await blobStates(
    tenantId,
    missing.map((blob) => blob.sha256),
  );
  const waiting = await inVerification(tenantId, verifying, now);
  if (waiting.size) {
    const first = [...waiting.keys()][0]!;
    throw new CairnError(
      'blobs.verifying',
      `${waiting.size} blob(s) are still being verified (first: ${first}); wait for their uploads (POST /uploads/status), then retry`,
      { verifying: [...waiting].slice(0, 100).map(([sha256, uploadId]) => ({ sha256, uploadId })) },
    );
  }
  throw missingError(missing);
}

/**
 * The first step of every upload: for each declared blob, `present` (the tenant holds it already:
 * nothing to send), a presigned PUT, a multipart plan (part URLs come from `signParts`, which signs
 * each part's SHA-256), or `verifying` (an earlier upload of it is being verified: wait for it). A
 * blob whose object is in the store but unrecorded (a single PUT interrupted before its commit) is
 * confirmed and recorded here, so a second push sends only what is still missing.
 */
export async function startUploads(
  tenantId: string,
  body: StartUploadBody,
  options: SigningOptions = {},
  now = Date.now(),
): Promise<{ blobs: UploadPlan[]; expiresAt: number }> {
  const wanted = uniqueBlobs(body.blobs);
  const { recorded, signed, verifying } = await blobStates(
    tenantId,
    wanted.map((blob) => blob.sha256),
  );
  const waiting = await inVerification(tenantId, verifying, now);
  // Never signed means never uploaded: only the others are worth a look in the store.
  const maybeStored = wanted.filter(
    (blob) => !recorded.has(blob.sha256) && !waiting.has(blob.sha256) && signed.has(blob.sha256),
  );
  const { confirmed } = await confirmAndRecord(tenantId, maybeStored, now);
  const present = new Set([...recorded.keys(), ...confirmed.map((blob) => blob.sha256)]);
  await markSigned(
    tenantId,
    wanted.filter((blob) => !present.has(blob.sha256) && !signed.has(blob.sha256)),
    now,
  );
  const threshold = body.multipartThreshold ?? singlePutMaxBytes;
  const seconds = Math.min(options.expiresInSeconds ?? maxUrlSeconds, maxUrlSeconds);

  const plans = await eachLimited(wanted, confirmConcurrency, async (blob): Promise<UploadPlan> => {
    if (present.has(blob.sha256)) return { status: 'present', ...blob };
    const uploadId = waiting.get(blob.sha256);
    if (uploadId) return { status: 'verifying', ...blob, uploadId };
    if (blob.size <= threshold) {
      return { status: 'put', ...blob, request: await presignPut(tenantId, blob, options.expiresInSeconds) };
    }
    const upload = await createMultipart(tenantId, blob, now);
    return {
      status: 'multipart',
      ...blob,
      uploadId: upload.uploadId,
      partSize: upload.partSize,
      partCount: upload.partCount,
    };
  });
  return { blobs: plans, expiresAt: now + seconds * 1000 };
}

/**
 * Assembles multipart uploads and hands them to the verifier (`verifying`: they become blobs only
 * once their bytes were hashed), and confirms single-PUT blobs, recording each whose object
 * matches. Throws when an object does not match (deleted, not recorded) or is missing; the others
 * are recorded all the same, as they were confirmed.
 */
export async function completeUploads(
  tenantId: string,
  body: {
    multipart: { uploadId: string; parts: { partNumber: number; etag: string; sha256?: string }[] }[];
    blobs: BlobRef[];
  },
  now = Date.now(),
): Promise<{ recorded: BlobRef[]; verifying: UploadStatus[] }> {
  const assembled = await eachLimited(body.multipart, 4, (upload) =>
    completeMultipart(tenantId, upload.uploadId, upload.parts, now),
  );
  const { confirmed, missing, mismatched } = await confirmAndRecord(tenantId, uniqueBlobs(body.blobs), now);
  if (mismatched.length) throw mismatchError(mismatched);
  if (missing.length) throw missingError(missing);
  const verifying = assembled.length
    ? await uploadStatuses(
        tenantId,
        assembled.map((upload) => upload.uploadId),
      )
    : [];
  return { recorded: confirmed, verifying };
}
