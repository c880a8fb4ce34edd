/** Records as the SDK returns them: the server's JSON, with metric values as JS numbers. */

export type Role = 'reader' | 'writer' | 'admin';

export interface Tenant {
  id: string;
  name: string;
  /** ISO 8601. */
  createdAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role | 'operator';
  /** The first characters of the secret, to recognise a key without revealing it. */
  prefix: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A key as answered once, at creation: the only time its secret is shown. */
export interface CreatedApiKey extends ApiKey {
  secret: string;
}

export interface Caller {
  principal: string;
  role: string;
  keyId: string;
}

export type LifecycleStage = 'active' | 'deleted';
export type ViewType = 'active' | 'deleted' | 'all';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface Experiment {
  /** A numeric string; `"0"` is the tenant's `Default` experiment. */
  id: string;
  name: string;
  description: string;
  lifecycleStage: LifecycleStage;
  tags: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  artifactLocation: string;
}

/** The latest point of one metric, as the run record carries it. */
export interface LatestMetric {
  /** `NaN`, `Infinity` and `-Infinity` survive the round trip. */
  value: number;
  step: number;
  timestamp: number;
}

/** A run's data as the server holds it. For logging, use the `Run` handle from `cairn.startRun`. */
export interface RunRecord {
  /** 32 hex characters. */
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  lifecycleStage: LifecycleStage;
  /** The principal (API key name) that created the run. */
  user: string;
  parentRunId: string | null;
  artifactUri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, LatestMetric>;
  /** What the run read: datasets (as MLflow clients describe them) and models. */
  inputs: RunInputs;
  /** What the run produced: logged models, at a step. */
  outputs: RunOutputs;
}

export interface DatasetInput {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
  tags: Record<string, string>;
}

export interface RunInputs {
  datasets: DatasetInput[];
  models: { modelId: string }[];
}

export interface RunOutputs {
  models: { modelId: string; step: number }[];
}

export interface MetricPoint {
  step: number;
  timestamp: number;
  value: number;
}

export interface MetricHistory {
  key: string;
  points: MetricPoint[];
  /** Only when a `maxResults` page was asked for and more points follow. */
  nextPageToken?: string;
}

export interface MetricSeries {
  runId: string;
  key: string;
  points: MetricPoint[];
}

/** One page of a listing; pass `nextPageToken` back as `pageToken` for the next. */
export interface ExperimentPage {
  experiments: Experiment[];
  nextPageToken?: string;
}

export interface RunPage {
  runs: RunRecord[];
  nextPageToken?: string;
}

/** Param values are stored as strings; numbers and booleans are sent as `String(value)`. */
export type ParamValue = string | number | boolean;
