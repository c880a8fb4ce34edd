/** What the API sends, field for field (see GET /api/v1/openapi.json). Only lib/api reads these. */

import type { AuditEvent, Lineage, RegisteredModel, RunInput, Webhook, WebhookDelivery } from '@cairn/sdk';

// The registry, lineage, audit and webhook shapes are the SDK's own: one declaration of each wire type.
export type WireRunInput = RunInput;
export type WireModel = RegisteredModel;
export type WireLineage = Lineage;
export type WireAuditEvent = AuditEvent;
export type WireActor = AuditEvent['actor'];
export type WireWebhook = Webhook;
export type WireDelivery = WebhookDelivery;

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
