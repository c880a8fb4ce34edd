/**
 * `@cairn/sdk`: the client for Cairn's experiment tracking, data versioning and model registry API.
 * It runs in Node ≥ 22 and in browsers with nothing but `fetch`. The calls that read or write local
 * files (dataset push and pull, artifact upload and download, model download) need Node and throw
 * `client.not_supported` in a browser; reading `.cairn/local.json` and the exit hook are Node-only
 * and simply absent there.
 */
export type {
  ArtifactEntry,
  ArtifactListing,
  LogArtifactOptions,
  RunInput,
} from './artifacts.ts';
export {
  type AdminApi,
  Cairn,
  type CairnOptions,
  type ExperimentsApi,
  type KeysApi,
  type ListOptions,
  type LogBatchInput,
  type MetricHistoriesOptions,
  type MetricHistoryOptions,
  type MetricInput,
  type SearchRunsOptions,
  type StartRunOptions,
} from './client.ts';
export type { ConnectionOptions } from './config.ts';
export {
  type Dataset,
  type DatasetsApi,
  type DatasetVersion,
  type PushOptions,
  type PushResult,
  parseDatasetRef,
  type VersionDiff,
} from './data-commands.ts';
export {
  CairnError,
  type CairnErrorInit,
  type ClientErrorCode,
  type CodeMatch,
  type ErrorCode,
  type KnownErrorCode,
  type ServerErrorCode,
} from './errors.ts';
export {
  type AuditEvent,
  type AuditQuery,
  type Lineage,
  type ModelsApi,
  type ModelVersion,
  type RegisteredModel,
  type ResolvedModel,
  type Stage,
  type VersionFile,
  verifyWebhook,
  type Webhook,
  type WebhookDelivery,
  type WebhooksApi,
} from './models.ts';
export type { ProgressSink } from './progress.ts';
export { type BufferOptions, batchLimits, type LogOptions, Run, type RunStats } from './run.ts';
export type {
  ApiClient,
  DownloadResult,
  RemoteFile,
  TransferOptions,
  UploadOptions,
  UploadResult,
} from './transfers.ts';
export type { RetryOptions } from './transport.ts';
export type * from './types.ts';
