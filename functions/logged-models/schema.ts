import { z } from 'zod';
import { lifecycleStages } from '#functions/experiments/fields.ts';
import { ExperimentId } from '#functions/experiments/schema.ts';

/** MLflow 3's logged-model ids: `m-` and a uuid4 in hex. */
export const LoggedModelId = z.string().regex(/^m-[0-9a-f]{32}$/, 'must be a logged model id (m-<32 hex>)');

export const loggedModelStatuses = [
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
] as const;
export const LoggedModelStatus = z.enum(loggedModelStatuses);
export type LoggedModelStatus = z.infer<typeof LoggedModelStatus>;

/** A metric value on the wire: JSON has no NaN or Infinity. */
const WireNumber = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

/** A metric a model was evaluated on: the latest value per key and dataset. */
export const LoggedModelMetric = z.object({
  key: z.string(),
  value: WireNumber,
  step: z.number(),
  timestamp: z.number(),
  runId: z.string().nullable(),
  datasetName: z.string().nullable(),
  datasetDigest: z.string().nullable(),
});
export type LoggedModelMetric = z.infer<typeof LoggedModelMetric>;

/**
 * A model logged by a run (MLflow 3's LoggedModel): its files live under `artifactUri`; runs
 * point at it through their outputs, and metrics logged with its id are kept on it.
 */
export const LoggedModel = z.object({
  id: LoggedModelId,
  experimentId: ExperimentId,
  name: z.string(),
  modelType: z.string().nullable(),
  sourceRunId: z.string().nullable(),
  status: LoggedModelStatus,
  statusMessage: z.string().nullable(),
  lifecycleStage: z.enum(lifecycleStages),
  artifactUri: z.string(),
  user: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  params: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  metrics: z.array(LoggedModelMetric),
});
export type LoggedModel = z.infer<typeof LoggedModel>;
