/**
 * The two wire dialects the API speaks. Cairn's own routes live under `/api/v1`; MLflow's clients
 * call `/api/2.0/...` and `/api/3.0/...` and expect MLflow's conventions: `{ error_code, message }`
 * errors with MLflow's statuses, JSON bodies whatever the content type, success always 200.
 *
 * The dialect follows the path, not the domain, so that the catch-all route (system's `notFound`)
 * answers an unknown MLflow path with MLflow's `ENDPOINT_NOT_FOUND`, which the clients' fallbacks
 * depend on, and any domain serving an MLflow path (tracking, artifacts, registry) speaks it too.
 */
export type Dialect = 'cairn' | 'mlflow';

const mlflowPath = /^\/api\/[23]\.0\//;

/** The dialect of a request path (a route template or a raw path). */
export function dialectOf(path: string): Dialect {
  return mlflowPath.test(path) ? 'mlflow' : 'cairn';
}
