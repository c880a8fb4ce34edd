import middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type Domain, type Route, roleAllows, routeKey, routes } from '#functions/routes.ts';
import { withTenantScope } from '#table/client.ts';
import { type AuthorizedEvent, anonymous, type Caller, callerOf } from './caller.ts';
import { type Dialect, dialectOf } from './dialect.ts';
import { CairnError, internalError } from './errors.ts';
import { maxJsonBodyBytes } from './limits.ts';
import { type Operation, type Operations, Reply } from './operation.ts';
import { lambdaResponseLimitBytes } from './response-budget.ts';
import { parseInput, queryObject } from './validate.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A replacer that makes every string and key well-formed Unicode (a lone surrogate becomes U+FFFD). */
function wellFormed(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value);
  if (entries.every(([key]) => key.isWellFormed())) return value;
  return Object.fromEntries(entries.map(([key, inner]) => [key.toWellFormed(), inner]));
}

/**
 * Renders any body as our JSON response. The edge refuses strings that are not well-formed Unicode,
 * but a value stored before (or by a path around the edge) may hold a lone surrogate: an answer
 * never passes one on, since no UTF-8 reader can take it. `JSON.stringify` writes a lone surrogate
 * as a `\udXXX` escape and a well-formed pair as itself, so one scan of the text finds them.
 */
export function jsonResult(statusCode: number, body: unknown, requestId: string): HttpResult {
  const text = JSON.stringify(body);
  return {
    statusCode,
    headers: { ...jsonHeaders, 'x-request-id': requestId },
    body: /\\ud[89a-f]/i.test(text) ? JSON.stringify(body, wellFormed) : text,
  };
}

function render(error: CairnError, requestId: string, dialect: Dialect): HttpResult {
  return dialect === 'mlflow'
    ? jsonResult(error.mlflowStatus, error.toMlflowBody(), requestId)
    : jsonResult(error.status, error.toBody(), requestId);
}

/**
 * Maps a thrown value to its response in the request's dialect: our codes by the status tables,
 * anything else to a bare 500.
 */
export function errorResult(error: unknown, requestId: string, dialect: Dialect = 'cairn'): HttpResult {
  if (error instanceof CairnError) return render(error, requestId, dialect);
  console.error(
    JSON.stringify({ level: 'error', requestId, message: String(error), stack: (error as Error)?.stack }),
  );
  return render(internalError(requestId), requestId, dialect);
}

function authorize(route: Route, event: AuthorizedEvent): Caller {
  if (route.role === 'public') return anonymous;
  const caller = callerOf(event);
  if (caller.role === 'anonymous' || !roleAllows(caller.role, route.role)) {
    throw new CairnError(
      'auth.forbidden',
      `This route needs the ${route.role} role; this key has ${caller.role}`,
      {
        needed: route.role,
        role: caller.role,
      },
    );
  }
  return caller;
}

/** JSON is UTF-8 (RFC 8259): bytes that are not are refused, not silently replaced by U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeBody(event: AuthorizedEvent): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  if (!event.isBase64Encoded) return event.body;
  try {
    return utf8.decode(Buffer.from(event.body, 'base64'));
  } catch {
    throw new CairnError('request.malformed_json', 'Request body is not valid UTF-8, so it is not JSON');
  }
}

function jsonBody(op: Operation, event: AuthorizedEvent, dialect: Dialect): unknown {
  if (op.rawBody) {
    // Bytes as sent; API Gateway itself caps their size.
    if (!event.body) return Buffer.alloc(0);
    return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  }
  // Routes without a body schema ignore any body, as API Gateway would pass one through.
  const raw = op.body ? decodeBody(event) : undefined;
  if (raw === undefined) return undefined;
  const size = Buffer.byteLength(raw);
  if (size > maxJsonBodyBytes) {
    throw new CairnError(
      'request.too_large',
      `Request body is ${size} bytes; the limit is ${maxJsonBodyBytes}`,
      {
        limit: maxJsonBodyBytes,
      },
    );
  }
  const type = event.headers?.['content-type'] ?? '';
  // MLflow's clients send JSON, but not all of them say so: a body that parses is accepted.
  if (dialect === 'cairn' && !/^application\/json\b/i.test(type)) {
    throw new CairnError(
      'request.unsupported_media_type',
      'Send the body as JSON with "Content-Type: application/json"',
      {
        contentType: type,
      },
    );
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new CairnError(
      'request.malformed_json',
      `Request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

async function invoke(
  op: Operation,
  route: Route,
  event: AuthorizedEvent,
  requestId: string,
  dialect: Dialect,
): Promise<HttpResult> {
  const caller = authorize(route, event);
  const path = op.path ? parseInput('path', op.path, event.pathParameters ?? {}) : undefined;
  const query = op.query ? parseInput('query', op.query, queryObject(event.rawQueryString)) : undefined;
  const rawBody = jsonBody(op, event, dialect);
  const body = op.body ? parseInput('body', op.body, rawBody ?? {}) : undefined;
  const handle = () => op.handle({ caller, path, query, body, requestId });
  const result = caller.tenantId ? await withTenantScope(caller.tenantId, handle) : await handle();
  if (result instanceof Reply) {
    return {
      statusCode: result.statusCode,
      headers: { ...result.headers, 'x-request-id': requestId },
      body: '',
    };
  }
  // MLflow's clients treat every status but 200 as a failure, 201 included.
  return jsonResult(dialect === 'mlflow' ? 200 : (op.status ?? 200), result, requestId);
}

/**
 * The last line of defence behind every route's own budget: a result Lambda would refuse (and
 * API Gateway turn into a bare 500) becomes our JSON error instead, logged as the bug it is.
 */
function withinLambdaLimit(
  result: HttpResult,
  at: { route: string; requestId: string; dialect: Dialect },
): HttpResult {
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes <= lambdaResponseLimitBytes) return result;
  console.error(
    JSON.stringify({
      level: 'error',
      requestId: at.requestId,
      message: 'response over the Lambda limit',
      route: at.route,
      bytes,
      limit: lambdaResponseLimitBytes,
    }),
  );
  return render(
    new CairnError(
      'response.too_large',
      `The answer would be ${bytes} bytes, over Lambda's ${lambdaResponseLimitBytes}; ask for less (a smaller page or fewer points). Request id ${at.requestId}`,
      { bytes, limit: lambdaResponseLimitBytes },
    ),
    at.requestId,
    at.dialect,
  );
}

/**
 * One domain's rows of the route table → one Lambda handler. API Gateway's `routeKey` selects the
 * row; the edge authorizes by role, parses path, query and body with the operation's schemas, runs
 * it and renders its result or error. Fails at cold start if a row has no operation.
 */
export function domainHandler(domain: Domain, operations: Operations) {
  const byKey = new Map<string, { route: Route; op: Operation }>();
  for (const route of routes as readonly Route[]) {
    if (route.domain !== domain) continue;
    const op = operations[route.op];
    if (!op) throw new Error(`Route ${routeKey(route)} names ${domain}.${route.op}, which does not exist`);
    byKey.set(routeKey(route), { route, op });
  }
  return middy<AuthorizedEvent, HttpResult, Error, Context>().handler(async (event) => {
    const requestId = event.requestContext.requestId;
    const entry = byKey.get(event.routeKey);
    const dialect = dialectOf(entry && entry.route.path !== '$default' ? entry.route.path : event.rawPath);
    try {
      if (!entry)
        throw new CairnError(
          'route.not_found',
          `No route ${event.requestContext.http.method} ${event.rawPath}`,
        );
      return withinLambdaLimit(await invoke(entry.op, entry.route, event, requestId, dialect), {
        route: routeKey(entry.route),
        requestId,
        dialect,
      });
    } catch (error) {
      return errorResult(error, requestId, dialect);
    }
  });
}
