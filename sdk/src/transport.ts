import { CairnError } from './errors.ts';

export interface RetryOptions {
  /** Attempts per request, the first included. Default 5; 1 turns retries off. */
  maxAttempts?: number;
  /** The first backoff; each retry doubles it, with jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** The longest backoff between two attempts. Default 10 s. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this fails the request at once instead of waiting. Default 60 s. */
  maxRetryAfterMs?: number;
}

export interface TransportOptions {
  /** The server's base URL, without `/api/v1`. */
  url: string;
  /** Defaults to the global `fetch`, looked up at call time. */
  fetch?: typeof fetch;
  retry?: RetryOptions;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Sent with every request. */
  headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Below `/api/v1`, e.g. `/runs/abc`. Path segments must already be encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Serialised as JSON. */
  body?: unknown;
  /** A body already serialised as JSON (the metric batches build theirs by hand). */
  json?: string;
  /** Bearer token; omitted for public routes. */
  token?: string | undefined;
  /**
   * Whether repeating the request is harmless. Defaults to true for GET, PUT and DELETE. A request
   * that is not idempotent is retried only when the server provably did not act on it: 408, 429,
   * 503, a `*.busy` 409, or a connection that never opened.
   */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export type Request = <T>(spec: RequestSpec) => Promise<T>;

/** Statuses that say "not done, try again later" without the request having been acted upon. */
const refusedStatuses = new Set([408, 429, 503]);

/** undici's codes for a connection that never opened: the server cannot have seen the request. */
const connectErrorCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const statusCodes: Record<number, string> = {
  401: 'auth.invalid_key',
  403: 'auth.forbidden',
  404: 'route.not_found',
  413: 'request.too_large',
};

function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `Retry-After`: delay-seconds or an HTTP date. Milliseconds from now, or undefined. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Equal jitter: at least half the exponential step, so retries never come back-to-back. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** (failures - 1));
  return step / 2 + random() * (step / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function buildUrl(base: string, path: string, query: Record<string, QueryValue> | undefined): string {
  let url = `${base}/api/v1${path}`;
  if (!query) return url;
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) search.append(name, String(item));
    else search.append(name, String(value));
  }
  const text = search.toString();
  if (text) url += `?${text}`;
  return url;
}

function decodeError(response: Response, text: string, requestId: string | undefined): CairnError {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
    ?.error;
  if (error && typeof error.code === 'string') {
    return new CairnError(error.code, typeof error.message === 'string' ? error.message : error.code, {
      status: response.status,
      details:
        typeof error.details === 'object' && error.details !== null
          ? (error.details as Record<string, unknown>)
          : undefined,
      requestId,
    });
  }
  // Not our JSON: a gateway, proxy or load balancer answered.
  const message = (body as { message?: unknown } | undefined)?.message;
  const code = statusCodes[response.status] ?? `http.${response.status}`;
  const text200 =
    typeof message === 'string' ? message : text.slice(0, 200) || response.statusText || 'HTTP error';
  return new CairnError(code, `HTTP ${response.status}: ${text200}`, { status: response.status, requestId });
}

/**
 * The SDK's one way to the server: JSON in and out, bearer auth, and retries with jittered
 * exponential backoff on network failures, 408, 429, 5xx and `*.busy` 409s (honouring
 * `Retry-After`). Other 4xx answers are final. What cannot be retried, or fails every attempt, throws a `CairnError`.
 */
export function createTransport(options: TransportOptions): Request {
  const maxAttempts = Math.max(1, Math.floor(options.retry?.maxAttempts ?? 5));
  const baseDelayMs = options.retry?.baseDelayMs ?? 250;
  const maxDelayMs = options.retry?.maxDelayMs ?? 10_000;
  const maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 30_000;

  return async function request<T>(spec: RequestSpec): Promise<T> {
    const url = buildUrl(options.url, spec.path, spec.query);
    const idempotent =
      spec.idempotent ?? (spec.method === 'GET' || spec.method === 'PUT' || spec.method === 'DELETE');
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (spec.token) headers.authorization = `Bearer ${spec.token}`;
    const body = spec.json ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body));
    if (body !== undefined) headers['content-type'] = 'application/json';

    for (let attempt = 1; ; attempt++) {
      const last = attempt >= maxAttempts;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        const doFetch = options.fetch ?? globalThis.fetch;
        response = await doFetch(url, { method: spec.method, headers, body, signal });
        // Read inside the try: a connection dropped mid-body is a network failure like any other.
        text = await response.text();
      } catch (error) {
        if (spec.signal?.aborted) throw spec.signal.reason;
        const code = timeout.aborted ? 'timeout' : errorCode(error);
        const neverSent = code !== undefined && connectErrorCodes.has(code);
        if (last || !(idempotent || neverSent)) {
          const why =
            code === 'timeout'
              ? `no answer within ${timeoutMs} ms`
              : ((error as Error).message ?? String(error));
          throw new CairnError(
            'network.unreachable',
            `Cannot reach ${options.url} (${spec.method} ${spec.path}): ${why}${code && code !== 'timeout' ? ` [${code}]` : ''}` +
              (attempt > 1 ? ` after ${attempt} attempts` : ''),
            { details: { attempts: attempt, ...(code ? { cause: code } : {}) }, cause: error },
          );
        }
        await sleep(backoffDelay(attempt, baseDelayMs, maxDelayMs), spec.signal);
        continue;
      }

      const requestId = response.headers.get('x-request-id') ?? undefined;
      if (response.ok) {
        if (!text) return {} as T;
        try {
          return JSON.parse(text) as T;
        } catch (error) {
          throw new CairnError(
            'client.invalid_response',
            `${spec.method} ${spec.path} answered ${response.status} with non-JSON`,
            {
              status: response.status,
              requestId,
              cause: error,
            },
          );
        }
      }

      const status = response.status;
      const error = decodeError(response, text, requestId);
      // `<domain>.busy` (409): the server refused a write that lost a race, and asks for a retry.
      const busy = status === 409 && error.code.endsWith('.busy');
      const retryable = busy || refusedStatuses.has(status) || (idempotent && status >= 500);
      if (last || !retryable) throw error;
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) throw error;
      await sleep(retryAfter ?? backoffDelay(attempt, baseDelayMs, maxDelayMs), spec.signal);
    }
  };
}
