import { z } from 'zod';
import { DownloadUrl, FileEntry, RawPath } from '#blobs/schema.ts';
import { Description, EntryKey, TagValue } from '#functions/experiments/fields.ts';
import { RunId } from '#functions/runs/schema.ts';
import { userRecord } from '#http/user-record.ts';

/** Names travel in paths and in `iris@2` references, and sit inside sort keys: no `#`, `@` or `/`. */
export const DatasetName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    'must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** Version labels (`golden`, `v1.0`): they start with a letter so that they never read as a number. */
export const VersionTag = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9._-]{0,63}$/,
    'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter',
  )
  .refine((tag) => tag !== 'latest', '"latest" always means the newest version and cannot be a tag');

/** A version number, `latest`, or a tag. */
export const VersionRef = z
  .union([z.number().int().min(1), z.string()])
  .transform(String)
  .pipe(
    z
      .string()
      .regex(
        /^(latest|[1-9]\d{0,9}|[A-Za-z][A-Za-z0-9._-]{0,63})$/,
        'must be a version number, "latest" or a tag',
      ),
  );

/** What a run used a dataset for. */
export const InputContext = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"');

export const Dataset = z.object({
  name: z.string(),
  description: z.string(),
  tags: z.record(z.string(), z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
  createdBy: z.string(),
  /** 0 before the first version. */
  latestVersion: z.number(),
  latestDigest: z.string().nullable(),
});
export type Dataset = z.infer<typeof Dataset>;

export const DatasetVersion = z.object({
  dataset: z.string(),
  version: z.number(),
  /** SHA-256 of the canonical manifest: one line `<sha256> <size> <path>\n` per file, by path bytes. */
  digest: z.string(),
  message: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  fileCount: z.number(),
  totalSize: z.number(),
  tags: z.array(z.string()),
});
export type DatasetVersion = z.infer<typeof DatasetVersion>;

export const DatasetPath = z.strictObject({ datasetName: DatasetName });
export const VersionPath = z.strictObject({ datasetName: DatasetName, version: VersionRef });
export const TagPath = z.strictObject({ datasetName: DatasetName, tag: VersionTag });
export const RunPath = z.strictObject({ runId: RunId });

export const CreateDatasetBody = z.strictObject({
  name: DatasetName,
  description: Description.optional(),
  tags: userRecord(EntryKey, TagValue).optional(),
});

export const UpdateDatasetBody = z
  .strictObject({
    description: Description.optional(),
    /** A null value deletes the tag. */
    tags: userRecord(EntryKey, TagValue.nullable()).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give description or tags');

/** Files one version may hold when committed in one request; the 1 MB body limit usually binds first. */
export const maxFilesPerVersion = 10_000;

export const CommitVersionBody = z.strictObject({
  files: z
    .array(FileEntry)
    .min(1, 'a version holds at least one file')
    .max(maxFilesPerVersion, `at most ${maxFilesPerVersion} files per version`),
  message: z.string().max(5000).default(''),
  /** Used when this push creates the dataset. */
  description: Description.optional(),
});
export type CommitVersionBody = z.output<typeof CommitVersionBody>;

export const PageQuery = z.strictObject({
  maxResults: z.coerce.number().int().min(1).max(1000).default(100),
  pageToken: z.string().max(2000).optional(),
});

export const FilesQuery = z.strictObject({
  maxResults: z.coerce.number().int().min(1).max(10_000).default(5000),
  pageToken: z.string().max(2000).optional(),
});

/** A page of a lineage list (a run's inputs, a version's runs). */
export const LineagePageQuery = z.strictObject({
  maxResults: z.coerce.number().int().min(1).max(10_000).default(1000),
  pageToken: z.string().max(2000).optional(),
});

export const DiffQuery = z.strictObject({
  from: VersionRef,
  to: VersionRef,
  /** Changes (added, removed, changed files together) per page, in path order. */
  maxResults: z.coerce.number().int().min(1).max(100_000).default(10_000),
  pageToken: z.string().max(2000).optional(),
});

export const TagBody = z.strictObject({ version: VersionRef });

export const VersionUrlsBody = z.strictObject({
  /** Only these files (a pull asks for the ones it lacks); default every file, paged. */
  paths: z.array(RawPath).max(1000).optional(),
  maxResults: z.number().int().min(1).max(1000).default(1000),
  pageToken: z.string().max(2000).optional(),
});

export const RunInputBody = z.strictObject({
  dataset: DatasetName,
  version: VersionRef.default('latest'),
  context: InputContext.default('training'),
});

export const ManifestFile = z.object({ path: z.string(), sha256: z.string(), size: z.number() });

export const VersionDiff = z.object({
  from: DatasetVersion,
  to: DatasetVersion,
  added: z.array(ManifestFile),
  removed: z.array(ManifestFile),
  changed: z.array(z.object({ path: z.string(), from: ManifestFile, to: ManifestFile })),
  unchanged: z.number(),
  /** The whole diff's counts; the lists hold one page of it. */
  totals: z.object({ added: z.number(), removed: z.number(), changed: z.number() }),
  nextPageToken: z.string().optional(),
});

export const RunInput = z.object({
  runId: z.string(),
  dataset: z.string(),
  version: z.number(),
  digest: z.string(),
  context: z.string(),
  recordedAt: z.number(),
});
export type RunInput = z.infer<typeof RunInput>;

export { DownloadUrl };
