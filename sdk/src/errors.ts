/**
 * Codes the server answers with (`{ error: { code, message, details? } }`). The list is open: a
 * newer server may send codes this SDK does not know yet, and they still arrive as strings.
 */
export type ServerErrorCode =
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
  | 'internal'
  | 'tenants.not_found'
  | 'tenants.already_exists'
  | 'tenants.busy'
  | 'keys.not_found'
  | 'keys.already_revoked'
  | 'keys.self_revoke'
  | 'search.invalid_filter'
  | 'search.invalid_order_by'
  | 'search.invalid_page_token'
  | 'experiments.not_found'
  | 'experiments.already_exists'
  | 'experiments.not_active'
  | 'experiments.default_protected'
  | 'experiments.tag_not_found'
  | 'experiments.too_large'
  | 'experiments.busy'
  | 'runs.not_found'
  | 'runs.not_active'
  | 'runs.param_conflict'
  | 'runs.tag_not_found'
  | 'runs.too_large'
  | 'runs.busy'
  | 'blobs.invalid_path'
  | 'blobs.missing'
  | 'blobs.size_mismatch'
  | 'blobs.checksum_mismatch'
  | 'blobs.conflicting_declarations'
  | 'blobs.upload_not_found'
  | 'blobs.invalid_parts'
  | 'blobs.upload_closed'
  | 'blobs.verifying'
  | 'blobs.too_large'
  | 'artifacts.not_found'
  | 'datasets.not_found'
  | 'datasets.already_exists'
  | 'datasets.version_not_found'
  | 'datasets.tag_not_found'
  | 'datasets.too_large'
  | 'datasets.busy'
  | 'logged_models.not_found'
  | 'logged_models.tag_not_found'
  | 'logged_models.too_large'
  | 'logged_models.busy'
  | 'models.not_found'
  | 'models.already_exists'
  | 'models.version_not_found'
  | 'models.alias_not_found'
  | 'models.reserved_alias'
  | 'models.alias_protected'
  | 'models.artifact_not_found'
  | 'models.too_many_files'
  | 'models.invalid_ref'
  | 'models.too_large'
  | 'models.busy'
  | 'webhooks.not_found'
  | 'webhooks.invalid_url'
  | 'webhooks.too_many';

/**
 * Codes the SDK raises itself, without a server answer (their `status` is 0):
 * - `network.unreachable`: no HTTP answer after every retry (refused, reset, DNS, timeout);
 * - `http.<status>`: an HTTP error whose body is not Cairn's error JSON (a proxy, a load balancer);
 * - `client.not_configured`: no server URL or no key for the call;
 * - `client.invalid_argument`: a call the server would reject anyway, caught before sending;
 * - `client.run_ended`: logging through a run handle after `end()` or `cairn.close()`;
 * - `client.invalid_response`: a 2xx answer that is not JSON;
 * - `client.transfer_failed`: the object store refused an upload or download, or every attempt failed
 *   (`details.status` is the store's HTTP status, 0 for a network failure);
 * - `client.checksum_mismatch`: downloaded bytes do not match their SHA-256 or size, twice (nothing
 *   is left under the file's name);
 * - `client.not_supported`: a call that reads or writes local files, made where there are none (a browser).
 */
export type ClientErrorCode =
  | 'network.unreachable'
  | 'client.not_configured'
  | 'client.invalid_argument'
  | 'client.run_ended'
  | 'client.invalid_response'
  | 'client.transfer_failed'
  | 'client.checksum_mismatch'
  | 'client.not_supported'
  | `http.${number}`;

export type KnownErrorCode = ServerErrorCode | ClientErrorCode;

/** Any code; known ones autocomplete. */
export type ErrorCode = KnownErrorCode | (string & {});

/** The codes `CairnError.is(error, pattern)` accepts: `'runs.'` is a prefix, anything else exact. */
export type CodeMatch<P extends string> = P extends `${string}.` ? `${P}${string}` : P;

const brand = Symbol.for('cairn.sdk.CairnError');

export interface CairnErrorInit {
  status?: number;
  details?: Record<string, unknown>;
  requestId?: string;
  cause?: unknown;
}

/**
 * Every failure the SDK reports: a server error with its code, or one of the SDK's own codes.
 *
 * @example
 * try {
 *   await cairn.keys.revoke(id);
 * } catch (error) {
 *   if (CairnError.is(error, 'keys.not_found')) console.log('already gone');
 *   else throw error;
 * }
 */
export class CairnError<C extends string = ErrorCode> extends Error {
  /** HTTP status of the answer; 0 when there was none (network failure, client-side check). */
  readonly status: number;
  /** The server's error code (`runs.not_found`), or the SDK's own (`network.unreachable`). */
  readonly code: C;
  /** User-facing data from the server: field paths, limits, the offending key. */
  readonly details: Record<string, unknown> | undefined;
  /** The server's `x-request-id`: quote it when reporting a problem. */
  readonly requestId: string | undefined;

  constructor(code: C, message: string, init: CairnErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'CairnError';
    this.code = code;
    this.status = init.status ?? 0;
    this.details = init.details;
    this.requestId = init.requestId;
  }

  /**
   * Whether `error` is a CairnError, optionally with a code: `'runs.'` matches every code that
   * starts with it, `'runs.not_found'` only itself. Works across copies of the SDK in one process.
   *
   * @example
   * if (CairnError.is(error, 'runs.')) error.code; // typed `runs.${string}`
   */
  static is<P extends string = string>(error: unknown, code?: P): error is CairnError<CodeMatch<P>> {
    if (typeof error !== 'object' || error === null || !(brand in error)) return false;
    if (code === undefined) return true;
    const actual = (error as unknown as CairnError).code;
    return code.endsWith('.') ? actual.startsWith(code) : actual === code;
  }

  /** Why the request failed, in one line: `keys.not_found: API key key_… does not exist`. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

Object.defineProperty(CairnError.prototype, brand, { value: true });
