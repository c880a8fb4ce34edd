import { CairnError } from '@cairn/sdk';
import { apiBaseUrl } from './config';
import { clearApiKey, storedApiKey } from './session';

export { CairnError };

type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Sign with this key instead of the stored one (signing in checks a key before storing it). */
  apiKey?: string;
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, item);
    else params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
}

/**
 * One API call: JSON in, JSON out, signed with the session's key. Every failure is a CairnError
 * carrying the server's code (or the SDK's own `network.unreachable` / `http.<status>`), so pages
 * branch on codes, never on message text.
 */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const apiKey = options.apiKey ?? storedApiKey();
  if (!apiKey) throw new CairnError('client.not_configured', 'Sign in with an API key first');
  const url = `${await apiBaseUrl()}/api/v1${path}${queryString(options.query)}`;
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new CairnError('network.unreachable', 'The API did not answer; check your connection', {
      cause: error,
    });
  }
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = undefined;
  }
  if (response.ok) {
    if (parsed === undefined) {
      throw new CairnError(
        'client.invalid_response',
        `${method} ${path} answered something other than JSON`,
        {
          status: response.status,
          requestId,
        },
      );
    }
    return parsed as T;
  }
  const error = (parsed as ErrorBody | undefined)?.error;
  const failure = error?.code
    ? new CairnError(error.code, error.message ?? error.code, {
        status: response.status,
        details: error.details,
        requestId,
      })
    : new CairnError(`http.${response.status}`, `${method} ${path} failed with HTTP ${response.status}`, {
        status: response.status,
        requestId,
      });
  // A key that stopped working (revoked, expired) signs the user out everywhere at once. A key
  // passed explicitly is being tried at sign-in: its rejection is that form's business.
  if (!options.apiKey && (response.status === 401 || CairnError.is(failure, 'auth.invalid_key'))) {
    clearApiKey();
  }
  throw failure;
}
