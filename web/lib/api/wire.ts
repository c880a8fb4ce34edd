/** What the API sends, field for field (see GET /api/v1/openapi.json). Only lib/api reads these. */

export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface WireTenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface WireCaller {
  principal: string;
  role: string;
  keyId: string;
}

export interface WireApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface WireExperiment {
  id: string;
  name: string;
  description: string;
  lifecycleStage: 'active' | 'deleted';
  tags: Record<string, string>;
  artifactLocation: string;
  createdAt: number;
  updatedAt: number;
  runCount: number;
  lastRunAt: number | null;
}

export interface WireRun {
  id: string;
  experimentId: string;
  name: string;
  status: string;
  startTime: number;
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted';
  user: string;
  parentRunId: string | null;
  artifactUri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, { value: WireNumber; step: number; timestamp: number }>;
}

export interface WirePoint {
  step: number;
  timestamp: number;
  value: WireNumber;
}

export type WireArtifactEntry =
  | { type: 'file'; path: string; size: number; sha256: string }
  | { type: 'folder'; path: string; size: number; fileCount: number };

export interface WireArtifactListing {
  path: string;
  totalSize: number;
  fileCount: number;
  entries: WireArtifactEntry[];
  nextPageToken?: string;
}

export interface WireDownloadUrl {
  path: string;
  sha256: string;
  size: number;
  url: string;
}

export interface WireDataset {
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  latestVersion: number;
  latestDigest: string | null;
}

export interface WireDatasetVersion {
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

export interface WireManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface WireVersionDiff {
  from: WireDatasetVersion;
  to: WireDatasetVersion;
  added: WireManifestFile[];
  removed: WireManifestFile[];
  changed: { path: string; from: WireManifestFile; to: WireManifestFile }[];
  unchanged: number;
}

export interface WireRunInput {
  runId: string;
  dataset: string;
  version: number;
  digest: string;
  context: string;
  recordedAt: number;
}

export interface WireModel {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  aliases: Record<string, number>;
  protectedAliases: string[];
  latestVersion: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export interface WireModelVersion {
  modelId: string;
  name: string;
  version: number;
  runId: string;
  artifactPath: string;
  source: string;
  status: string;
  stage: string;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  fileCount: number;
  totalSize: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  files?: WireManifestFile[];
}

export interface WireLineage {
  version: WireModelVersion;
  run: {
    id: string;
    name: string;
    experimentId: string;
    status: string;
    user: string;
    startTime: number;
    endTime: number | null;
    lifecycleStage: string;
    params: Record<string, string>;
    metrics: Record<string, { value: unknown; step: number; timestamp: number }>;
    tags: Record<string, string>;
  };
  datasets: { dataset: string; version: number; digest: string; context: string }[];
}

export interface WireActor {
  keyId: string;
  name: string;
  role: string;
}

export interface WireAuditEvent {
  id: string;
  tenantId: string;
  type: string;
  actor: WireActor;
  time: string;
  resource: string;
  before: unknown;
  after: unknown;
}

export interface WireWebhook {
  id: string;
  url: string;
  events: string[];
  description: string;
  createdAt: string;
  createdBy: WireActor;
}

export interface WireDelivery {
  webhookId: string;
  eventId: string;
  eventType: string;
  eventTime: string;
  status: string;
  attempts: {
    attempt: number;
    at: string;
    status: number | null;
    error: string | null;
    durationMs: number;
  }[];
  nextAttemptAt: string | null;
}
