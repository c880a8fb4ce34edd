/** What pages work with: wire records reshaped once, in lib/api, so pages never see the wire. */

export type Role = 'reader' | 'writer' | 'admin';
export type LifecycleStage = 'active' | 'deleted';
export type ViewType = 'active' | 'deleted' | 'all';

export interface Session {
  tenant: { id: string; name: string };
  /** The key's name, as the server records it in `createdBy` and run users. */
  principal: string;
  role: Role;
  keyId: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  active: boolean;
}

export interface CreatedApiKey extends ApiKey {
  /** Shown once, right after creation; the server keeps only its hash. */
  secret: string;
}

export interface Experiment {
  id: string;
  name: string;
  description: string;
  lifecycleStage: LifecycleStage;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  runCount: number;
  /** When its newest run started; null when it has none. */
  lastRunAt: number | null;
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface LatestMetric {
  value: number;
  step: number;
  timestamp: number;
}

export interface Run {
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  /** Milliseconds; for a run still going, up to now. */
  durationMs: number | null;
  lifecycleStage: LifecycleStage;
  user: string;
  parentRunId: string | null;
  artifactUri: string;
  params: Record<string, string>;
  /** Tags a person set; `mlflow.*` system tags are in `systemTags`. */
  tags: Record<string, string>;
  systemTags: Record<string, string>;
  /** The run's free-text notes (MLflow's `mlflow.note.content` tag). */
  notes: string;
  metrics: Record<string, LatestMetric>;
}

export interface MetricPoint {
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  value: number;
}

export interface MetricSeries {
  runId: string;
  key: string;
  points: MetricPoint[];
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | undefined;
}

export interface ArtifactFile {
  type: 'file';
  path: string;
  /** The last path segment. */
  name: string;
  size: number;
  sha256: string;
}

export interface ArtifactFolder {
  type: 'folder';
  path: string;
  name: string;
  size: number;
  fileCount: number;
}

export type ArtifactEntry = ArtifactFile | ArtifactFolder;

export interface ArtifactListing {
  path: string;
  totalSize: number;
  fileCount: number;
  entries: ArtifactEntry[];
  nextPageToken: string | undefined;
}

export interface Dataset {
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  latestVersion: number;
  latestDigest: string | null;
}

export interface DatasetVersion {
  dataset: string;
  version: number;
  digest: string;
  message: string;
  createdBy: string;
  createdAt: number;
  fileCount: number;
  totalSize: number;
  tags: string[];
}

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface VersionDiff {
  from: DatasetVersion;
  to: DatasetVersion;
  added: ManifestFile[];
  removed: ManifestFile[];
  changed: { path: string; from: ManifestFile; to: ManifestFile }[];
  unchanged: number;
}

/** A run's use of a dataset version (lineage), seen from either side. */
export interface DatasetUse {
  runId: string;
  dataset: string;
  version: number;
  digest: string;
  context: string;
  recordedAt: number;
}

export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';

export interface Model {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  /** Alias → version number. */
  aliases: Record<string, number>;
  protectedAliases: string[];
  latestVersion: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export interface ModelVersion {
  name: string;
  version: number;
  runId: string;
  artifactPath: string;
  source: string;
  stage: ModelStage;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  fileCount: number;
  totalSize: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  files: ManifestFile[];
}

export interface Lineage {
  version: ModelVersion;
  run: {
    id: string;
    name: string;
    experimentId: string;
    status: RunStatus;
    user: string;
    startTime: number;
    endTime: number | null;
    params: Record<string, string>;
    metrics: Record<string, number>;
  };
  datasets: { dataset: string; version: number; digest: string; context: string }[];
}

export interface Actor {
  keyId: string;
  name: string;
  role: string;
}

export interface AuditEvent {
  id: string;
  type: string;
  actor: Actor;
  time: Date;
  resource: string;
  before: unknown;
  after: unknown;
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string;
  createdAt: Date;
  createdBy: Actor;
}

export interface CreatedWebhook extends Webhook {
  /** Signs every delivery; shown once. */
  secret: string;
}

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';

export interface Delivery {
  webhookId: string;
  eventId: string;
  eventType: string;
  eventTime: Date;
  status: DeliveryStatus;
  attempts: { attempt: number; at: Date; status: number | null; error: string | null; durationMs: number }[];
  nextAttemptAt: Date | null;
}
