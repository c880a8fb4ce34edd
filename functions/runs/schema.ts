import { z } from 'zod';
import {
  EntryKey,
  lifecycleStages,
  ParamValue,
  QueryList,
  TagValue,
  ViewType,
} from '#functions/experiments/fields.ts';
import { ExperimentId } from '#functions/experiments/schema.ts';
import { LoggedModelId } from '#functions/logged-models/schema.ts';
import { fromWire } from '#functions/metrics/point.ts';
import { userRecord } from '#http/user-record.ts';
import { userMap } from '#table/user-maps.ts';

/** MLflow's run ids: uuid4 hex, lowercase. */
export const RunId = z.string().regex(/^[0-9a-f]{32}$/, 'must be a run id (32 lowercase hex characters)');
export const runStatuses = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export const RunStatus = z.enum(runStatuses);
export type RunStatus = z.infer<typeof RunStatus>;

/** Per-request limits of batch logging: MLflow's, so an MLflow client never meets a smaller one. */
export const batchLimits = { metrics: 1000, params: 100, tags: 100, entities: 1000 } as const;

const Millis = z.number().int().min(0).max(8.64e15);
const Step = z
  .number()
  .int('must be an integer')
  .min(-(2 ** 53))
  .max(2 ** 53);

/** A metric value: a number, or MLflow's strings for the values JSON cannot hold. */
export const MetricValue = z
  .union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])], {
    error: 'must be a number, or "NaN", "Infinity" or "-Infinity"',
  })
  .transform(fromWire);

const WireNumber = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

export const LatestMetric = z.object({ value: WireNumber, step: z.number(), timestamp: z.number() });

/** MLflow's limits on a dataset a run names as an input (`mlflow/utils/validation.py`). */
export const datasetLimits = {
  name: 500,
  digest: 36,
  sourceType: 36,
  source: 65_535,
  schema: 1_048_575,
} as const;

/**
 * A dataset a run used, as MLflow clients describe it: where it came from and a digest of its
 * content. `tags` carry its role, e.g. `mlflow.data.context: training`.
 */
export const DatasetInput = z.object({
  name: z.string().min(1).max(datasetLimits.name),
  digest: z.string().min(1).max(datasetLimits.digest),
  sourceType: z.string().min(1).max(datasetLimits.sourceType),
  source: z.string().max(datasetLimits.source),
  schema: z.string().max(datasetLimits.schema).optional(),
  profile: z.string().max(datasetLimits.schema).optional(),
  tags: userRecord(EntryKey, TagValue).default(() => userMap<string>()),
});
export type DatasetInput = z.output<typeof DatasetInput>;

/** What a run read (datasets, models) and what it produced (logged models, at a step). */
export const RunInputs = z.object({
  datasets: z.array(DatasetInput),
  models: z.array(z.object({ modelId: LoggedModelId })),
});
export type RunInputs = z.output<typeof RunInputs>;
export const RunOutputs = z.object({
  models: z.array(z.object({ modelId: LoggedModelId, step: z.number() })),
});
export type RunOutputs = z.output<typeof RunOutputs>;

export const Run = z.object({
  id: RunId,
  experimentId: ExperimentId,
  name: z.string(),
  status: RunStatus,
  startTime: z.number(),
  endTime: z.number().nullable(),
  lifecycleStage: z.enum(lifecycleStages),
  user: z.string(),
  parentRunId: RunId.nullable(),
  artifactUri: z.string(),
  params: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), LatestMetric),
  inputs: RunInputs,
  outputs: RunOutputs,
});
export type Run = z.infer<typeof Run>;

const RunName = z.string().trim().min(1).max(250, 'must be at most 250 characters');
const ParamInput = z.union([z.string(), z.number(), z.boolean()]).transform(String).pipe(ParamValue);

export const CreateRunBody = z.strictObject({
  experimentId: ExperimentId,
  name: RunName.optional(),
  tags: userRecord(EntryKey, TagValue).optional(),
  params: userRecord(EntryKey, ParamInput).optional(),
  startTime: Millis.optional(),
  parentRunId: RunId.optional(),
});

export const UpdateRunBody = z
  .strictObject({
    status: RunStatus.optional(),
    endTime: Millis.nullable().optional(),
    name: RunName.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give at least one of status, endTime, name');

export const RunPath = z.strictObject({ runId: RunId });
export const RunTagPath = z.strictObject({ runId: RunId, key: EntryKey });

export const MetricInput = z.strictObject({
  key: EntryKey,
  value: MetricValue,
  timestamp: Millis.optional(),
  step: Step.default(0),
});

export const LogBatchBody = z
  .strictObject({
    /** The client's id for this batch: sending it again is a no-op, which makes retries safe. */
    batchId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8–128 letters, digits, "-" or "_"')
      .optional(),
    metrics: z
      .array(MetricInput)
      .max(batchLimits.metrics, `at most ${batchLimits.metrics} metrics per batch`)
      .default([]),
    params: z
      .array(z.strictObject({ key: EntryKey, value: ParamInput }))
      .max(batchLimits.params, `at most ${batchLimits.params} params per batch`)
      .default([]),
    tags: z
      .array(z.strictObject({ key: EntryKey, value: TagValue }))
      .max(batchLimits.tags, `at most ${batchLimits.tags} tags per batch`)
      .default([]),
  })
  .refine((body) => body.metrics.length + body.params.length + body.tags.length <= batchLimits.entities, {
    message: `at most ${batchLimits.entities} metrics, params and tags in all per batch`,
  });
export type LogBatchBody = z.output<typeof LogBatchBody>;

export const SearchRunsBody = z.strictObject({
  experimentIds: z.array(ExperimentId).min(1, 'name at least one experiment').max(100),
  filter: z.string().max(10_000).optional(),
  orderBy: z.array(z.string().max(500)).max(20).optional(),
  maxResults: z.number().int().min(1).max(50_000).default(1000),
  pageToken: z.string().max(4000).optional(),
  viewType: ViewType.default('active'),
});
export type SearchRunsBody = z.output<typeof SearchRunsBody>;

const OptionalInt = z.coerce.number().int().optional();

/**
 * The most points one answer carries unpaged (a downsampled history, a set of series): that many
 * of the widest points stay within the response budget (asserted in the response-budget tests).
 */
export const maxPointsPerResponse = 35_000;

export const HistoryQuery = z.strictObject({
  key: EntryKey,
  startStep: OptionalInt,
  endStep: OptionalInt,
  maxPoints: z.coerce.number().int().min(2).max(maxPointsPerResponse).optional(),
  maxResults: z.coerce.number().int().min(1).max(100_000).default(25_000),
  pageToken: z.string().max(2000).optional(),
});

export const BulkHistoryBody = z.strictObject({
  runIds: z.array(RunId).min(1).max(100),
  keys: z.array(EntryKey).min(1).max(50),
  /** Per series; lowered where runIds × keys × maxPoints would not fit in one response. */
  maxPoints: z.number().int().min(2).max(maxPointsPerResponse).optional(),
  startStep: z.number().int().optional(),
  endStep: z.number().int().optional(),
});

export const WirePoint = z.object({ step: z.number(), timestamp: z.number(), value: WireNumber });

export { QueryList };
