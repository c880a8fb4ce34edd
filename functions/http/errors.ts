import type { ExperimentsErrorCode } from '#functions/experiments/errors.ts';
import type { RunsErrorCode } from '#functions/runs/errors.ts';
import type { SearchErrorCode } from '#functions/search/errors.ts';
import type { TenantsErrorCode } from '#functions/tenants/errors.ts';

/** Codes the HTTP edge itself raises, before or around any domain. */
export type EdgeErrorCode =
  | 'request.invalid'
  | 'request.malformed_json'
  | 'request.unsupported_media_type'
  | 'request.too_large'
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
  | RunsErrorCode;

/**
 * The one place error codes meet HTTP. A new code without a status fails the typecheck.
 */
export const httpStatus = {
  'request.invalid': 400,
  'request.malformed_json': 400,
  'request.unsupported_media_type': 415,
  'request.too_large': 413,
  'route.not_found': 404,
  'auth.missing_key': 401,
  'auth.malformed_key': 401,
  'auth.invalid_key': 401,
  'auth.forbidden': 403,
  internal: 500,
  'tenants.not_found': 404,
  'tenants.already_exists': 409,
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
  'runs.not_found': 404,
  'runs.not_active': 409,
  'runs.param_conflict': 400,
  'runs.tag_not_found': 404,
  'runs.too_large': 400,
  'runs.busy': 409,
} as const satisfies Record<ErrorCode, number>;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
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
