import { z } from 'zod';
import { Description, EntryKey, TagValue } from '#functions/experiments/fields.ts';
import { RunId } from '#functions/runs/schema.ts';
import { userRecord } from '#http/user-record.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const noControl = /^[^\u0000-\u001f\u007f]*$/;

/**
 * A registered model's name: unique per tenant, a path segment of every model route, and the part
 * before `@` in `models/<name>@<alias>`, hence no `/` and no `@`.
 */
export const ModelName = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .regex(noControl, 'must not contain control characters')
  .regex(/^[^/@]+$/, 'must not contain "/" or "@"')
  .refine((name) => name.trim() === name, 'must not start or end with a space')
  .refine((name) => name !== '.' && name !== '..', 'must not be "." or ".."');

/** Version numbers: 1, 2, 3 … per model. Paths and queries carry them as text. */
export const VersionNumber = z.coerce.number().int().min(1).max(1e12);

/**
 * MLflow's rule: `latest` and `v<digits>` name versions, so no alias may take those forms; nor may
 * a plain number, which `<name>@3` reads as version 3.
 */
export function isReservedAlias(alias: string): boolean {
  const lower = alias.toLowerCase();
  return lower === 'latest' || /^v?\d+$/.test(lower);
}

/** Reserved forms pass here and are refused by the store with their own code (`models.reserved_alias`). */
export const AliasName = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "-" or "."');

export const stages = ['None', 'Staging', 'Production', 'Archived'] as const;
export const Stage = z.enum(stages);
export type Stage = z.infer<typeof Stage>;

export const Model = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.record(z.string(), z.string()),
  /** Alias → version number. */
  aliases: z.record(z.string(), z.number()),
  /** Aliases only admin keys may set, move or remove. */
  protectedAliases: z.array(z.string()),
  /** The highest version number given out; 0 before the first version. */
  latestVersion: z.number(),
  createdAt: z.number().describe('ms since the epoch'),
  updatedAt: z.number(),
  createdBy: z.string(),
});
export type Model = z.infer<typeof Model>;

export const VersionFile = z.object({
  /** Relative to the version's artifact path. */
  path: z.string(),
  sha256: z.string(),
  size: z.number(),
});
export type VersionFile = z.infer<typeof VersionFile>;

export const ModelVersion = z.object({
  modelId: z.string(),
  name: z.string(),
  version: z.number(),
  runId: z.string(),
  artifactPath: z.string(),
  /** Where the files came from, as given (MLflow's `source`), else `runs:/<runId>/<artifactPath>`. */
  source: z.string(),
  status: z.literal('READY'),
  stage: Stage,
  description: z.string(),
  tags: z.record(z.string(), z.string()),
  /** Aliases that point at this version. */
  aliases: z.array(z.string()),
  fileCount: z.number(),
  totalSize: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  createdBy: z.string(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

export const ModelVersionWithFiles = ModelVersion.extend({ files: z.array(VersionFile) });
export type ModelVersionWithFiles = z.infer<typeof ModelVersionWithFiles>;

const Tags = userRecord(EntryKey, TagValue);

export const CreateModelBody = z.strictObject({
  name: ModelName,
  description: Description.optional(),
  tags: Tags.optional(),
});

export const UpdateModelBody = z
  .strictObject({
    /** A new name: a rename. */
    name: ModelName.optional(),
    description: Description.optional(),
    /** A null value deletes the tag. */
    tags: userRecord(EntryKey, TagValue.nullable()).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give at least one of name, description, tags');

export const ProtectedAliasesBody = z.strictObject({ aliases: z.array(AliasName).max(50) });

export const ModelPath = z.strictObject({ name: ModelName });
export const VersionPath = z.strictObject({ name: ModelName, version: VersionNumber });
export const AliasPath = z.strictObject({ name: ModelName, alias: AliasName });

export const SearchModelsQuery = z.strictObject({
  /** MLflow's grammar: `name LIKE 'fraud%'`, `tags.team = 'risk'`. */
  filter: z.string().max(4000).optional(),
  orderBy: z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .optional(),
  maxResults: z.coerce.number().int().min(1).max(1000).default(100),
  pageToken: z.string().max(2000).optional(),
});

export const CreateVersionBody = z.strictObject({
  runId: RunId,
  /** A folder (or file) of the run's artifacts, e.g. `model`; "" is all of them. */
  artifactPath: z.string().max(1024),
  description: Description.optional(),
  tags: Tags.optional(),
  source: z.string().max(2000).optional(),
});

export const ListVersionsQuery = z.strictObject({
  stage: Stage.optional(),
  maxResults: z.coerce.number().int().min(1).max(1000).default(100),
  pageToken: z.string().max(2000).optional(),
});

export const UpdateVersionBody = z
  .strictObject({
    description: Description.optional(),
    tags: userRecord(EntryKey, TagValue.nullable()).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give at least one of description, tags');

export const StageBody = z.strictObject({
  stage: Stage,
  /** Move the versions that held this stage to Archived (Staging and Production only, as MLflow). */
  archiveExistingVersions: z.boolean().default(false),
});

export const SetAliasBody = z.strictObject({ version: VersionNumber });

/** `production`, `3`, `v3` or `latest`. */
export const ModelRef = z.string().min(1).max(255);

export const ResolveQuery = z.strictObject({ ref: ModelRef });
export const ResolveUriQuery = z.strictObject({
  /** `models/<name>@<alias>`, `models/<name>/<version>`, `models:/<name>@<alias>` (MLflow) or `<name>@<alias>`. */
  uri: z.string().min(1).max(600),
});

export const SearchVersionsQuery = z
  .strictObject({
    filter: z.string().max(4000).optional(),
    runId: RunId.optional(),
    /** With `datasetVersion`: the model versions trained on that dataset version. */
    dataset: z.string().min(1).max(256).optional(),
    datasetVersion: z.string().min(1).max(128).optional(),
    maxResults: z.coerce.number().int().min(1).max(1000).default(100),
    pageToken: z.string().max(2000).optional(),
  })
  .refine((query) => !query.datasetVersion || query.dataset, {
    message: 'datasetVersion needs dataset',
    path: ['datasetVersion'],
  });

export const ResolvedFile = VersionFile.extend({ url: z.string() });

export const Resolved = z.object({
  model: z.string(),
  ref: z.string(),
  version: ModelVersion,
  run: z.object({ id: z.string(), name: z.string(), experimentId: z.string(), status: z.string() }),
  files: z.array(ResolvedFile),
  /** When the download URLs stop working (ms since the epoch). */
  expiresAt: z.number(),
});
export type Resolved = z.infer<typeof Resolved>;

export const DatasetUse = z.object({
  dataset: z.string(),
  version: z.number(),
  digest: z.string(),
  context: z.string(),
});

export const Lineage = z.object({
  version: ModelVersion,
  run: z.object({
    id: z.string(),
    name: z.string(),
    experimentId: z.string(),
    status: z.string(),
    user: z.string(),
    startTime: z.number(),
    endTime: z.number().nullable(),
    lifecycleStage: z.string(),
    params: z.record(z.string(), z.string()),
    metrics: z.record(z.string(), z.object({ value: z.unknown(), step: z.number(), timestamp: z.number() })),
    tags: z.record(z.string(), z.string()),
  }),
  datasets: z.array(DatasetUse),
});
export type Lineage = z.infer<typeof Lineage>;
