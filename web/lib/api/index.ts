/**
 * The dashboard's only way to the API. Pages call `api.runs.searchRuns(…)` and get view types;
 * every failure is a CairnError with the server's code.
 */
export * as artifacts from './artifacts';
export * as audit from './audit';
export * as datasets from './datasets';
export * as experiments from './experiments';
export * as keys from './keys';
export * as models from './models';
export * as runs from './runs';
export {
  cachedSession,
  cacheSession,
  clearApiKey,
  onApiKeyChange,
  storeApiKey,
  storedApiKey,
} from './session';
export * as tenant from './tenant';
export { CairnError } from './transport';
export type * from './types';
export * as webhooks from './webhooks';
