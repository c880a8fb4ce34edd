import { inject } from 'vitest';
import { type ApiResponse, api } from './http.ts';

type Query = Record<string, string | number | readonly (string | number)[]>;

/** A query string as MLflow's Python client writes one (`requests` params): lists as repeated keys. */
export function queryString(query: Query): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? value : [value]) search.append(key, String(one));
  }
  return search.toString();
}

/**
 * Calls `/api/2.0/mlflow/<path>` the way MLflow's clients do: GET with the request in the query
 * string, every other method with a JSON body.
 */
export function mlflowClient(key: string | undefined) {
  return <T = any>(
    method: string,
    path: string,
    request: Record<string, unknown> = {},
  ): Promise<ApiResponse<T>> => {
    const url = `/api/2.0/mlflow/${path}`;
    if (method === 'GET') {
      const query = queryString(request as Query);
      return api<T>('GET', query ? `${url}?${query}` : url, { key });
    }
    return api<T>(method, url, { key, body: request });
  };
}

/** A request to MLflow's artifact proxy, as `HttpArtifactRepository` sends it: raw bytes, no redirects followed. */
export async function artifactRequest(
  key: string,
  method: 'PUT' | 'GET',
  path: string,
  options: { bytes?: Uint8Array<ArrayBuffer>; contentType?: string | undefined } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (options.contentType) headers['content-type'] = options.contentType;
  return fetch(`${inject('cairn').url}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
    method,
    headers,
    ...(options.bytes ? { body: options.bytes } : {}),
    redirect: 'manual',
  });
}
