import { z } from 'zod';
import {
  maxBlobBytes,
  maxBlobsPerRequest,
  maxParts,
  maxStatusUploads,
  minPartBytes,
  singlePutMaxBytes,
} from './limits.ts';

export const Sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest (64 lowercase hex characters)');

export const Size = z
  .number()
  .int('must be a whole number of bytes')
  .min(0)
  .max(maxBlobBytes, `must be at most ${maxBlobBytes} bytes (50 GiB, what one verification can hash)`);

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
  /** Each part's SHA-256, signed into its URL: the store refuses a part whose bytes differ. */
  parts: z
    .array(z.strictObject({ partNumber: PartNumber, sha256: Sha256 }))
    .min(1)
    .max(1000),
});

export const CompletedPart = z.strictObject({
  partNumber: PartNumber,
  etag: z.string().min(1).max(200),
  /** The part's SHA-256, as signed into its URL. */
  sha256: Sha256,
});

export const CompleteUploadBody = z
  .strictObject({
    /** Multipart uploads to assemble; each is then verified before it becomes a blob. */
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

export const UploadStatusBody = z.strictObject({
  uploadIds: z.array(UploadId).min(1).max(maxStatusUploads),
});

/** A multipart upload's state: `verifying` until its bytes were hashed, then `verified` or `failed`. */
export const uploadStates = ['open', 'verifying', 'verified', 'failed'] as const;
export type UploadState = (typeof uploadStates)[number];

export const UploadStatus = z.object({
  uploadId: z.string(),
  sha256: z.string(),
  size: z.number(),
  state: z.enum(uploadStates),
  /** Why verification failed: the bytes had another digest or size, or were too many to hash in time. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type UploadStatus = z.infer<typeof UploadStatus>;

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
  }),
  /** An earlier upload of this blob is being verified: wait for it (`/uploads/status`), send nothing. */
  z.object({ status: z.literal('verifying'), sha256: z.string(), size: z.number(), uploadId: z.string() }),
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
