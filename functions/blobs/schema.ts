import { z } from 'zod';
import { maxBlobsPerRequest, maxObjectBytes, maxParts, minPartBytes, singlePutMaxBytes } from './limits.ts';

export const Sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest (64 lowercase hex characters)');

export const Size = z
  .number()
  .int('must be a whole number of bytes')
  .min(0)
  .max(maxObjectBytes, `must be at most ${maxObjectBytes} bytes (5 TiB)`);

/** A path as sent; stores normalise and check it (`normalisePath`), so errors name the rule broken. */
export const RawPath = z.string().min(1, 'must not be empty').max(4096);

/** One file of a manifest: where it goes, and the blob that holds its bytes. */
export const FileEntry = z.strictObject({ path: RawPath, sha256: Sha256, size: Size });
export type FileEntry = z.infer<typeof FileEntry>;

export const BlobRef = z.strictObject({ sha256: Sha256, size: Size });
export type BlobRef = z.infer<typeof BlobRef>;

export const StartUploadBody = z.strictObject({
  /** The files to upload; `path` is optional and only names the file in errors. */
  blobs: z
    .array(z.strictObject({ sha256: Sha256, size: Size, path: RawPath.optional() }))
    .min(1, 'declare at least one blob')
    .max(maxBlobsPerRequest, `at most ${maxBlobsPerRequest} blobs per request`),
  /** Blobs larger than this are uploaded in parts; default and ceiling 64 MiB, floor 8 MiB. */
  multipartThreshold: z.number().int().min(minPartBytes).max(singlePutMaxBytes).optional(),
});
export type StartUploadBody = z.infer<typeof StartUploadBody>;

const UploadId = z.string().min(1).max(1024);
const PartNumber = z.number().int().min(1).max(maxParts);

export const PartUrlsBody = z.strictObject({
  uploadId: UploadId,
  partNumbers: z.array(PartNumber).min(1).max(1000),
});

export const CompletedPart = z.strictObject({ partNumber: PartNumber, etag: z.string().min(1).max(200) });

export const CompleteUploadBody = z
  .strictObject({
    /** Multipart uploads to assemble, then confirm. */
    multipart: z
      .array(z.strictObject({ uploadId: UploadId, parts: z.array(CompletedPart).min(1).max(maxParts) }))
      .max(100)
      .default([]),
    /** Blobs sent with a single PUT, to confirm now rather than at commit. */
    blobs: z.array(BlobRef).max(maxBlobsPerRequest).default([]),
  })
  .refine(
    (body) => body.multipart.length + body.blobs.length > 0,
    'give multipart uploads or blobs to confirm',
  );

export const AbortUploadBody = z.strictObject({ uploadId: UploadId });

const Signed = z.object({
  method: z.enum(['PUT', 'GET']),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
});

export const PartUrl = Signed.extend({ partNumber: z.number(), size: z.number() });

export const UploadPlan = z.discriminatedUnion('status', [
  z.object({ status: z.literal('present'), sha256: z.string(), size: z.number() }),
  z.object({ status: z.literal('put'), sha256: z.string(), size: z.number(), request: Signed }),
  z.object({
    status: z.literal('multipart'),
    sha256: z.string(),
    size: z.number(),
    uploadId: z.string(),
    partSize: z.number(),
    partCount: z.number(),
    /** URLs for the first parts; ask `POST /uploads/parts` for the others, or for fresh ones. */
    parts: z.array(PartUrl),
  }),
]);
export type UploadPlan = z.infer<typeof UploadPlan>;
export type PartUrl = z.infer<typeof PartUrl>;

export const DownloadUrl = z.object({
  path: z.string(),
  sha256: z.string(),
  size: z.number(),
  url: z.string(),
});
export type DownloadUrl = z.infer<typeof DownloadUrl>;
