import type { BlobsErrorCode } from '#blobs/errors.ts';
import type { ArtifactsErrorCode } from '#functions/artifacts/errors.ts';
import type { DatasetsErrorCode } from '#functions/datasets/errors.ts';
import type { EventsErrorCode } from '#functions/events/errors.ts';
import type { ExperimentsErrorCode } from '#functions/experiments/errors.ts';
import type { LoggedModelsErrorCode } from '#functions/logged-models/errors.ts';
import type { MlflowAdapterErrorCode } from '#functions/mlflow/errors.ts';
import type { ModelsErrorCode } from '#functions/models/errors.ts';
import type { RunsErrorCode } from '#functions/runs/errors.ts';
import type { SearchErrorCode } from '#functions/search/errors.ts';
import type { TenantsErrorCode } from '#functions/tenants/errors.ts';

/** Codes the HTTP edge itself raises, before or around any domain. */
export type EdgeErrorCode =
  | 'request.invalid'
  | 'request.malformed_json'
  | 'request.unsupported_media_type'
  | 'request.too_large'
  | 'request.response_too_large'
  | 'response.too_large'
  | 'route.not_found'
  | 'auth.missing_key'
  | 'auth.malformed_key'
  | 'auth.invalid_key'
  | 'auth.forbidden'
  | 'internal';

export type ErrorCode =
  | EdgeErrorCode
  | SearchErrorCode
  | TenantsErrorCode
  | ExperimentsErrorCode
  | RunsErrorCode
  | BlobsErrorCode
  | ArtifactsErrorCode
  | DatasetsErrorCode
  | LoggedModelsErrorCode
  | MlflowAdapterErrorCode
  | ModelsErrorCode
  | EventsErrorCode;

/**
 * The one place error codes meet HTTP. A new code without a status fails the typecheck.
 */
export const httpStatus = {
  'request.invalid': 400,
  'request.malformed_json': 400,
  'request.unsupported_media_type': 415,
  'request.too_large': 413,
  // The request is fine but its answer cannot fit one response: ask for less (maxPoints, fewer series).
  'request.response_too_large': 400,
  // An answer over Lambda's limit reached the edge: a missing budget, a bug.
  'response.too_large': 500,
  'route.not_found': 404,
  'auth.missing_key': 401,
  'auth.malformed_key': 401,
  'auth.invalid_key': 401,
  'auth.forbidden': 403,
  internal: 500,
  'tenants.not_found': 404,
  'tenants.already_exists': 409,
  'tenants.busy': 409,
  'keys.not_found': 404,
  'keys.already_revoked': 409,
  'keys.self_revoke': 400,
  'search.invalid_filter': 400,
  'search.invalid_order_by': 400,
  'search.invalid_page_token': 400,
  'experiments.not_found': 404,
  'experiments.already_exists': 409,
  'experiments.not_active': 409,
  'experiments.default_protected': 400,
  'experiments.tag_not_found': 404,
  'experiments.too_large': 400,
  'experiments.busy': 409,
  'runs.not_found': 404,
  'runs.not_active': 409,
  'runs.param_conflict': 400,
  'runs.tag_not_found': 404,
  'runs.too_large': 400,
  'runs.busy': 409,
  'blobs.invalid_path': 400,
  'blobs.missing': 409,
  'blobs.size_mismatch': 400,
  'blobs.checksum_mismatch': 400,
  'blobs.conflicting_declarations': 400,
  'blobs.upload_not_found': 404,
  'blobs.invalid_parts': 400,
  'blobs.upload_closed': 409,
  'blobs.verifying': 409,
  'blobs.too_large': 400,
  'artifacts.not_found': 404,
  'datasets.not_found': 404,
  'datasets.already_exists': 409,
  'datasets.version_not_found': 404,
  'datasets.tag_not_found': 404,
  'datasets.too_large': 400,
  'datasets.busy': 409,
  'logged_models.not_found': 404,
  'logged_models.tag_not_found': 404,
  'logged_models.too_large': 400,
  'logged_models.busy': 409,
  'mlflow.multipart_unsupported': 501,
  'mlflow.unsupported_artifact_path': 400,
  'models.not_found': 404,
  'models.already_exists': 409,
  'models.version_not_found': 404,
  'models.alias_not_found': 404,
  'models.reserved_alias': 400,
  'models.alias_protected': 403,
  'models.artifact_not_found': 404,
  'models.too_many_files': 400,
  'models.invalid_ref': 400,
  'models.too_large': 400,
  'models.busy': 409,
  'webhooks.not_found': 404,
  'webhooks.invalid_url': 400,
  'webhooks.too_many': 409,
} as const satisfies Record<ErrorCode, number>;

/** The error codes MLflow's clients know (`databricks_pb2.ErrorCode` names). */
export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'BAD_REQUEST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'ENDPOINT_NOT_FOUND'
  | 'RESOURCE_CONFLICT'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'INTERNAL_ERROR'
  | 'NOT_IMPLEMENTED'
  | 'TEMPORARILY_UNAVAILABLE';

/** MLflow's own code → HTTP status table (`ERROR_CODE_TO_HTTP_STATUS` in `mlflow/exceptions.py`). */
export const mlflowStatus = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
} as const satisfies Record<MlflowErrorCode, number>;

/**
 * Each code as MLflow-compatible routes report it. MLflow's clients retry 429 and 5xx for minutes,
 * so a deterministic refusal (too large, conflicting) must land on a 4xx code; only a transient
 * one (`runs.busy`) may ask for a retry. A new code without a row here fails the typecheck.
 */
export const mlflowCode = {
  'request.invalid': 'INVALID_PARAMETER_VALUE',
  'request.malformed_json': 'INVALID_PARAMETER_VALUE',
  'request.unsupported_media_type': 'BAD_REQUEST',
  'request.too_large': 'INVALID_PARAMETER_VALUE',
  'request.response_too_large': 'INVALID_PARAMETER_VALUE',
  'response.too_large': 'INTERNAL_ERROR',
  'route.not_found': 'ENDPOINT_NOT_FOUND',
  'auth.missing_key': 'UNAUTHENTICATED',
  'auth.malformed_key': 'UNAUTHENTICATED',
  'auth.invalid_key': 'UNAUTHENTICATED',
  'auth.forbidden': 'PERMISSION_DENIED',
  internal: 'INTERNAL_ERROR',
  'tenants.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'tenants.already_exists': 'RESOURCE_ALREADY_EXISTS',
  'tenants.busy': 'TEMPORARILY_UNAVAILABLE',
  'keys.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'keys.already_revoked': 'RESOURCE_CONFLICT',
  'keys.self_revoke': 'INVALID_PARAMETER_VALUE',
  'search.invalid_filter': 'INVALID_PARAMETER_VALUE',
  'search.invalid_order_by': 'INVALID_PARAMETER_VALUE',
  'search.invalid_page_token': 'INVALID_PARAMETER_VALUE',
  'experiments.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'experiments.already_exists': 'RESOURCE_ALREADY_EXISTS',
  'experiments.not_active': 'INVALID_PARAMETER_VALUE',
  'experiments.default_protected': 'INVALID_PARAMETER_VALUE',
  'experiments.tag_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'experiments.too_large': 'INVALID_PARAMETER_VALUE',
  'experiments.busy': 'TEMPORARILY_UNAVAILABLE',
  'runs.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'runs.not_active': 'INVALID_PARAMETER_VALUE',
  'runs.param_conflict': 'INVALID_PARAMETER_VALUE',
  'runs.tag_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'runs.too_large': 'INVALID_PARAMETER_VALUE',
  'runs.busy': 'TEMPORARILY_UNAVAILABLE',
  'blobs.invalid_path': 'INVALID_PARAMETER_VALUE',
  'blobs.missing': 'RESOURCE_CONFLICT',
  'blobs.size_mismatch': 'INVALID_PARAMETER_VALUE',
  'blobs.checksum_mismatch': 'INVALID_PARAMETER_VALUE',
  'blobs.conflicting_declarations': 'INVALID_PARAMETER_VALUE',
  'blobs.upload_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'blobs.invalid_parts': 'INVALID_PARAMETER_VALUE',
  'blobs.upload_closed': 'RESOURCE_CONFLICT',
  'blobs.verifying': 'RESOURCE_CONFLICT',
  'blobs.too_large': 'INVALID_PARAMETER_VALUE',
  'artifacts.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'datasets.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'datasets.already_exists': 'RESOURCE_ALREADY_EXISTS',
  'datasets.version_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'datasets.tag_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'datasets.too_large': 'INVALID_PARAMETER_VALUE',
  'datasets.busy': 'TEMPORARILY_UNAVAILABLE',
  'logged_models.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'logged_models.tag_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'logged_models.too_large': 'INVALID_PARAMETER_VALUE',
  'logged_models.busy': 'TEMPORARILY_UNAVAILABLE',
  'mlflow.multipart_unsupported': 'NOT_IMPLEMENTED',
  'mlflow.unsupported_artifact_path': 'INVALID_PARAMETER_VALUE',
  'models.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'models.already_exists': 'RESOURCE_ALREADY_EXISTS',
  'models.version_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'models.alias_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'models.reserved_alias': 'INVALID_PARAMETER_VALUE',
  'models.alias_protected': 'PERMISSION_DENIED',
  'models.artifact_not_found': 'RESOURCE_DOES_NOT_EXIST',
  'models.too_many_files': 'INVALID_PARAMETER_VALUE',
  'models.invalid_ref': 'INVALID_PARAMETER_VALUE',
  'models.too_large': 'INVALID_PARAMETER_VALUE',
  'models.busy': 'TEMPORARILY_UNAVAILABLE',
  'webhooks.not_found': 'RESOURCE_DOES_NOT_EXIST',
  'webhooks.invalid_url': 'INVALID_PARAMETER_VALUE',
  'webhooks.too_many': 'RESOURCE_CONFLICT',
} as const satisfies Record<ErrorCode, MlflowErrorCode>;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** The body MLflow's clients parse: `RestException` reads `error_code` and `message`. */
export interface MlflowErrorBody {
  error_code: MlflowErrorCode;
  message: string;
}

/**
 * The error every domain throws. `code` decides the HTTP status; `details` is user-facing data
 * (field paths, limits), never internals.
 *
 * @example
 * throw new CairnError('keys.not_found', `API key ${keyId} does not exist`, { keyId });
 */
export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'CairnError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return httpStatus[this.code];
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }

  /** The status on MLflow-compatible routes, from MLflow's own table. */
  get mlflowStatus(): number {
    return mlflowStatus[mlflowCode[this.code]];
  }

  toMlflowBody(): MlflowErrorBody {
    return { error_code: mlflowCode[this.code], message: this.message };
  }
}

export interface Issue {
  path: string;
  message: string;
}

/** A request failed its schema: 400 with every offending field. */
export function validationError(where: string, issues: Issue[]): CairnError {
  const first = issues[0];
  const summary = first ? `${first.path || where}: ${first.message}` : 'invalid request';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new CairnError('request.invalid', `Invalid ${where}: ${summary}${more}`, { issues });
}

/** What an unexpected failure tells the caller: a request id to quote, nothing about internals. */
export function internalError(requestId: string): CairnError {
  return new CairnError('internal', `Internal error; quote request id ${requestId} when reporting it`, {
    requestId,
  });
}
