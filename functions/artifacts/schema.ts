import { z } from 'zod';
import { DownloadUrl, FileEntry } from '#blobs/schema.ts';
import { RunId } from '#functions/runs/schema.ts';

export {
  AbortUploadBody,
  CompleteUploadBody,
  PartUrlsBody,
  StartUploadBody,
  UploadPlan,
} from '#blobs/schema.ts';

/** Files one request may log; the 1 MB body limit usually binds first (about 7,000 short paths). */
export const maxFilesPerLog = 10_000;

export const RunPath = z.strictObject({ runId: RunId });

export const LogArtifactsBody = z.strictObject({
  /** A folder inside the run's artifacts that the paths are relative to; default the root. */
  artifactPath: z.string().max(4096).default(''),
  files: z
    .array(FileEntry)
    .min(1, 'log at least one file')
    .max(maxFilesPerLog, `at most ${maxFilesPerLog} files per request`),
});
export type LogArtifactsBody = z.output<typeof LogArtifactsBody>;

const Bool = z.enum(['true', 'false']).transform((value) => value === 'true');

export const ListArtifactsQuery = z.strictObject({
  /** A folder (its direct children), or one file; default the root. */
  path: z.string().max(4096).default(''),
  /** Every file below `path`, without folders. */
  recursive: Bool.default(false),
  maxResults: z.coerce.number().int().min(1).max(10_000).default(1000),
  pageToken: z.string().max(2000).optional(),
});

export const ArtifactUrlsQuery = z.strictObject({
  /** One file, or a folder: every file below it. Default the root. */
  path: z.string().max(4096).default(''),
  maxResults: z.coerce.number().int().min(1).max(1000).default(1000),
  pageToken: z.string().max(2000).optional(),
});

export const ArtifactEntry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), path: z.string(), size: z.number(), sha256: z.string() }),
  z.object({ type: z.literal('folder'), path: z.string(), size: z.number(), fileCount: z.number() }),
]);
export type ArtifactEntry = z.infer<typeof ArtifactEntry>;

export const ArtifactListing = z.object({
  path: z.string(),
  /** Bytes and files below `path`, all pages together. */
  totalSize: z.number(),
  fileCount: z.number(),
  entries: z.array(ArtifactEntry),
  nextPageToken: z.string().optional(),
});
export type ArtifactListing = z.infer<typeof ArtifactListing>;

export const ArtifactUrls = z.object({
  files: z.array(DownloadUrl),
  expiresAt: z.number(),
  nextPageToken: z.string().optional(),
});
