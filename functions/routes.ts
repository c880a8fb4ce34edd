/**
 * THE route table. Every consumer iterates these rows: the CDK stack (one API Gateway route each),
 * the local gateway, the cross-tenant isolation suite and the OpenAPI generator. Rows are plain data,
 * with no closures, so `infra/` can import this file without bundling handler code.
 */

/** Domains are deployed as one Lambda function each; the folder `functions/<domain>/` owns the code. */
export const domains = ['system', 'tenants', 'experiments', 'runs'] as const;
export type Domain = (typeof domains)[number];

/** `public` routes skip the authorizer; the others need at least this role. */
export const roles = ['reader', 'writer', 'admin'] as const;
export type TenantRole = (typeof roles)[number];
export type RouteRole = 'public' | 'operator' | TenantRole;

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';

export interface Route {
  method: Method;
  /** API Gateway path template (`{name}`, `{name+}`), or `$default` for the catch-all. */
  path: string;
  domain: Domain;
  /** The operation's name in the domain's `operations` map. */
  op: string;
  role: RouteRole;
}

/** Path parameter names, shared by route paths and the schemas that parse them. */
export const param = {
  keyId: 'keyId',
  experimentId: 'experimentId',
  runId: 'runId',
  tagKey: 'key',
} as const;

const v1 = '/api/v1';

export const routes = [
  { method: 'GET', path: `${v1}/health`, domain: 'system', op: 'health', role: 'public' },
  { method: 'GET', path: `${v1}/openapi.json`, domain: 'system', op: 'openapi', role: 'public' },
  { method: 'ANY', path: '$default', domain: 'system', op: 'notFound', role: 'public' },

  { method: 'POST', path: `${v1}/tenants`, domain: 'tenants', op: 'createTenant', role: 'operator' },
  { method: 'GET', path: `${v1}/tenant`, domain: 'tenants', op: 'getCurrentTenant', role: 'reader' },
  { method: 'PATCH', path: `${v1}/tenant`, domain: 'tenants', op: 'updateCurrentTenant', role: 'admin' },
  { method: 'GET', path: `${v1}/keys`, domain: 'tenants', op: 'listKeys', role: 'admin' },
  { method: 'POST', path: `${v1}/keys`, domain: 'tenants', op: 'createKey', role: 'admin' },
  {
    method: 'DELETE',
    path: `${v1}/keys/{${param.keyId}}`,
    domain: 'tenants',
    op: 'revokeKey',
    role: 'admin',
  },

  {
    method: 'POST',
    path: `${v1}/experiments`,
    domain: 'experiments',
    op: 'createExperiment',
    role: 'writer',
  },
  { method: 'GET', path: `${v1}/experiments`, domain: 'experiments', op: 'listExperiments', role: 'reader' },
  {
    method: 'GET',
    path: `${v1}/experiments/by-name`,
    domain: 'experiments',
    op: 'getExperimentByName',
    role: 'reader',
  },
  {
    method: 'GET',
    path: `${v1}/experiments/{${param.experimentId}}`,
    domain: 'experiments',
    op: 'getExperiment',
    role: 'reader',
  },
  {
    method: 'PATCH',
    path: `${v1}/experiments/{${param.experimentId}}`,
    domain: 'experiments',
    op: 'updateExperiment',
    role: 'writer',
  },
  {
    method: 'DELETE',
    path: `${v1}/experiments/{${param.experimentId}}`,
    domain: 'experiments',
    op: 'deleteExperiment',
    role: 'writer',
  },
  {
    method: 'POST',
    path: `${v1}/experiments/{${param.experimentId}}/restore`,
    domain: 'experiments',
    op: 'restoreExperiment',
    role: 'writer',
  },

  { method: 'POST', path: `${v1}/runs`, domain: 'runs', op: 'createRun', role: 'writer' },
  { method: 'POST', path: `${v1}/runs/search`, domain: 'runs', op: 'searchRuns', role: 'reader' },
  { method: 'GET', path: `${v1}/runs/{${param.runId}}`, domain: 'runs', op: 'getRun', role: 'reader' },
  { method: 'PATCH', path: `${v1}/runs/{${param.runId}}`, domain: 'runs', op: 'updateRun', role: 'writer' },
  { method: 'DELETE', path: `${v1}/runs/{${param.runId}}`, domain: 'runs', op: 'deleteRun', role: 'writer' },
  {
    method: 'POST',
    path: `${v1}/runs/{${param.runId}}/restore`,
    domain: 'runs',
    op: 'restoreRun',
    role: 'writer',
  },
  { method: 'POST', path: `${v1}/runs/{${param.runId}}/log`, domain: 'runs', op: 'logBatch', role: 'writer' },
  {
    method: 'DELETE',
    path: `${v1}/runs/{${param.runId}}/tags/{${param.tagKey}}`,
    domain: 'runs',
    op: 'deleteRunTag',
    role: 'writer',
  },
  {
    method: 'GET',
    path: `${v1}/runs/{${param.runId}}/metric-history`,
    domain: 'runs',
    op: 'getMetricHistory',
    role: 'reader',
  },
  { method: 'POST', path: `${v1}/metrics/history`, domain: 'runs', op: 'getMetricHistories', role: 'reader' },
] as const satisfies readonly Route[];

/** `GET /api/v1/keys/{keyId}`: the string API Gateway puts in `event.routeKey`. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return route.path === '$default' ? '$default' : `${route.method} ${route.path}`;
}

const rank: Record<RouteRole, number> = { public: 0, reader: 1, writer: 2, admin: 3, operator: 4 };

/** Whether a caller with `role` may call a route that needs `needed`. Operators live outside tenants. */
export function roleAllows(role: TenantRole | 'operator', needed: RouteRole): boolean {
  if (needed === 'public') return true;
  if (needed === 'operator' || role === 'operator') return role === needed;
  return rank[role] >= rank[needed];
}
