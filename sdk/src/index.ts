/**
 * `@cairn/sdk`: the client for Cairn's experiment tracking API. It runs in Node ≥ 22 and in
 * browsers with nothing but `fetch`; reading `.cairn/local.json` and the exit hook are Node-only
 * and simply absent in a browser.
 */
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
  CairnError,
  type CairnErrorInit,
  type ClientErrorCode,
  type CodeMatch,
  type ErrorCode,
  type KnownErrorCode,
  type ServerErrorCode,
} from './errors.ts';
export { type BufferOptions, batchLimits, type LogOptions, Run, type RunStats } from './run.ts';
export type { RetryOptions } from './transport.ts';
export type * from './types.ts';
