import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type {
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import { type Domain, type Route, routeKey } from '#functions/routes.ts';
import type { AuthContext, AuthorizedEvent } from '#http/caller.ts';
import { dashboardCsp } from '../dashboard-csp.ts';

/** API Gateway HTTP APIs refuse request bodies over 10 MB before any function runs. */
export const apiGatewayMaxPayloadBytes = 10 * 1024 * 1024;

/**
 * The dashboard is served with the policy CloudFront gives it on AWS; the API is this same origin,
 * so the page may connect to nothing else.
 */
const dashboardHeaders = {
  'content-security-policy': dashboardCsp([]),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

type LambdaHandler = (event: AuthorizedEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type Authorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthContext>>;

export interface GatewayOptions {
  routes: readonly Route[];
  handlers: Record<Domain, LambdaHandler>;
  authorizer: Authorizer;
  /** A static site (the dashboard's export) served for paths outside `/api/`. */
  webRoot?: string;
  log?: (line: string) => void;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
  literalSegments: number;
  greedy: boolean;
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  let literalSegments = 0;
  let greedy = false;
  const source = route.path
    .split('/')
    .map((segment) => {
      const match = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!match) {
        if (segment) literalSegments++;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      names.push(match[1]!);
      if (match[2]) greedy = true;
      return match[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names, literalSegments, greedy };
}

/** API Gateway prefers literal segments over parameters, and greedy parameters last. */
function byPrecedence(a: CompiledRoute, b: CompiledRoute): number {
  return Number(a.greedy) - Number(b.greedy) || b.literalSegments - a.literalSegments;
}

function isTextual(contentType: string | undefined): boolean {
  return (
    !!contentType &&
    /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+json)/i.test(contentType)
  );
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

function lambdaContext(domain: string, requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `cairn-${domain}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:cairn-${domain}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/cairn-${domain}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > apiGatewayMaxPayloadBytes) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The local stand-in for API Gateway: it matches requests against the route table, runs the real
 * Lambda authorizer for non-public routes, builds the same HTTP API v2 event (authorizer context
 * included) and calls the same domain handlers the AWS stack deploys.
 */
export function createGateway(options: GatewayOptions): Server {
  const compiled = options.routes
    .filter((route) => route.path !== '$default')
    .map(compile)
    .sort(byPrecedence);
  const fallback = options.routes.find((route) => route.path === '$default');

  function match(method: string, path: string) {
    for (const candidate of compiled) {
      if (candidate.route.method !== method && candidate.route.method !== 'ANY') continue;
      const found = candidate.pattern.exec(path);
      if (!found) continue;
      const pathParameters: Record<string, string> = {};
      candidate.names.forEach((name, index) => {
        pathParameters[name] = decodeURIComponent(found[index + 1]!);
      });
      return { route: candidate.route, pathParameters };
    }
    return fallback ? { route: fallback, pathParameters: undefined } : undefined;
  }

  async function serveApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<number> {
    const requestId = randomUUID();
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const body = await readBody(request);
    if (body === 'too_large') {
      return send(
        response,
        413,
        { 'content-type': 'application/json' },
        JSON.stringify({ message: 'Request Entity Too Large' }),
      );
    }
    const matched = match(method, url.pathname);
    if (!matched)
      return send(
        response,
        404,
        { 'content-type': 'application/json' },
        JSON.stringify({ message: 'Not Found' }),
      );
    const { route, pathParameters } = matched;
    const rawQueryString = url.search.slice(1);
    const queryStringParameters: Record<string, string> = {};
    for (const [key, value] of url.searchParams) {
      queryStringParameters[key] =
        key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
    }
    const now = new Date();
    const key = routeKey(route);
    const textual = isTextual(headers['content-type']);
    const http = {
      method,
      path: url.pathname,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    };
    const requestContext = {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http,
      requestId,
      routeKey: key,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    };
    const common = {
      version: '2.0' as const,
      routeKey: key,
      rawPath: url.pathname,
      rawQueryString,
      cookies: headers.cookie?.split(/;\s*/),
      headers,
      queryStringParameters: rawQueryString ? queryStringParameters : undefined,
      pathParameters,
    };

    let authorizer: { lambda: AuthContext } | undefined;
    if (route.role !== 'public') {
      const verdict = await options.authorizer({
        ...common,
        type: 'REQUEST',
        routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${method}${url.pathname}`,
        identitySource: [],
        requestContext,
      } as APIGatewayRequestAuthorizerEventV2);
      if (!verdict.isAuthorized) {
        return send(
          response,
          403,
          { 'content-type': 'application/json' },
          JSON.stringify({ message: 'Forbidden' }),
        );
      }
      authorizer = { lambda: verdict.context };
    }
    const event = {
      ...common,
      body: body.length === 0 ? undefined : textual ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: body.length > 0 && !textual,
      requestContext: { ...requestContext, authorizer },
    } as AuthorizedEvent;
    const result = await options.handlers[route.domain](event, lambdaContext(route.domain, requestId));
    const outHeaders: Record<string, string> = { ...(result.headers as Record<string, string>) };
    const payload =
      result.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    return send(response, result.statusCode ?? 200, outHeaders, payload, result.cookies);
  }

  async function serveStatic(response: ServerResponse, url: URL, method: string): Promise<number> {
    if (url.pathname === '/config.json') {
      // The dashboard learns its API address here; locally it is this very origin.
      return send(
        response,
        200,
        { 'content-type': 'application/json', 'cache-control': 'no-store' },
        JSON.stringify({ apiUrl: '' }),
      );
    }
    const root = options.webRoot;
    if (!root || (method !== 'GET' && method !== 'HEAD')) {
      return send(response, 404, { 'content-type': 'text/plain' }, 'Not Found');
    }
    const relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const target = resolve(root, relative);
    if (target !== resolve(root) && !target.startsWith(resolve(root) + sep)) {
      return send(response, 404, { 'content-type': 'text/plain' }, 'Not Found');
    }
    for (const candidate of [target, join(target, 'index.html'), `${target}.html`]) {
      const info = await stat(candidate).catch(() => undefined);
      if (!info?.isFile()) continue;
      const type = contentTypes[extname(candidate)] ?? 'application/octet-stream';
      response.writeHead(200, { 'content-type': type, 'content-length': info.size, ...dashboardHeaders });
      if (method === 'HEAD') response.end();
      else createReadStream(candidate).pipe(response);
      return 200;
    }
    const notFound = join(root, '404.html');
    const info = await stat(notFound).catch(() => undefined);
    if (info?.isFile()) {
      response.writeHead(404, { 'content-type': contentTypes['.html']!, ...dashboardHeaders });
      createReadStream(notFound).pipe(response);
      return 404;
    }
    return send(response, 404, { 'content-type': 'text/plain' }, 'Not Found');
  }

  return createServer((request, response) => {
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://gateway.local');
    const method = request.method ?? 'GET';
    const served = url.pathname.startsWith('/api/')
      ? serveApi(request, response, url)
      : serveStatic(response, url, method);
    served
      .catch((error: unknown) => {
        // Only a gateway bug lands here; the handlers render their own errors.
        console.error('gateway error', error);
        return send(
          response,
          500,
          { 'content-type': 'application/json' },
          JSON.stringify({ message: 'Internal Server Error' }),
        );
      })
      .then((status) =>
        options.log?.(`${method} ${url.pathname} ${status} ${(performance.now() - started).toFixed(0)}ms`),
      );
  });
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  cookies?: string[],
): number {
  if (response.headersSent) return status;
  const out: Record<string, string | string[] | number> = {
    ...headers,
    'content-length': Buffer.byteLength(body),
  };
  if (cookies?.length) out['set-cookie'] = cookies;
  response.writeHead(status, out);
  response.end(body);
  return status;
}
