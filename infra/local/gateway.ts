import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type {
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { type Route, routeKey } from '#functions/routes.ts';
import type { AuthContext, AuthorizedEvent } from '#http/caller.ts';
import { dashboardCsp } from '../dashboard-csp.ts';
import type { Invocation } from './lambda-runtime.ts';

// API Gateway HTTP API quotas, the ones a request can run into. "Quotas for configuring and
// running an HTTP API in API Gateway":
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html

/** "Payload size: 10 MB" (API Gateway's own refusal names 10485760 bytes). */
export const apiGatewayMaxPayloadBytes = 10 * 1024 * 1024;
/** "Total combined size of request line and header values: 10240 bytes". */
export const apiGatewayMaxRequestLineAndHeaderBytes = 10_240;
/** "Maximum integration timeout: 30 seconds". */
export const apiGatewayIntegrationTimeoutMs = 30_000;
/** "Timeout for Lambda authorizer response: 10000 ms". */
export const apiGatewayAuthorizerTimeoutMs = 10_000;

/**
 * The dashboard is served with the policy CloudFront gives it on AWS; the API is this same origin,
 * so the page may connect to nothing else.
 */
const dashboardHeaders = {
  'content-security-policy': dashboardCsp([]),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/**
 * Node refuses header sections past its own limit before our code sees them; this one is far
 * above API Gateway's, so that our check (and our JSON answer) decides.
 */
const nodeMaxHeaderBytes = 128 * 1024;
/** A refused body is read and dropped, so the connection stays usable; past this it is cut. */
const maxDrainBytes = 1024 * 1024 * 1024;

/** The name of the authorizer function among `invoke`'s targets. */
export const authorizerFunction = 'authorizer';

export interface GatewayOptions {
  routes: readonly Route[];
  /** Invokes a function by name: a domain, or `authorizer`. */
  invoke(name: string, event: unknown, requestId: string): Promise<Invocation>;
  /** A static site (the dashboard's export) served for paths outside `/api/`. */
  webRoot?: string;
  log?: (line: string) => void;
  /** API Gateway's integration timeout; tests shorten it. */
  integrationTimeoutMs?: number;
  authorizerTimeoutMs?: number;
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

/**
 * API Gateway HTTP APIs hand functions the path percent-decoded, and decoded twice over: live
 * captures show `%252F` arriving as `/`, `%2525` as `%`, and a path whose second decoding fails
 * (`%25done`) refused with 400 before any function runs; a decoded `?` ends `rawPath`.
 * (REST APIs and function URLs keep the encoding.) A malformed escape such as `%C3` fails the
 * first decoding and gets the same 400.
 */
export function apiGatewayDecode(raw: string): string {
  return decodeURIComponent(decodeURIComponent(raw));
}

class BadPath extends Error {}

function decodeOrReject(raw: string): string {
  try {
    return apiGatewayDecode(raw);
  } catch {
    throw new BadPath(raw);
  }
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

/** API Gateway's own answers, in its own shape: `{"message": …}`. */
const gatewayAnswers = {
  badRequest: [400, 'Bad Request'],
  forbidden: [403, 'Forbidden'],
  notFound: [404, 'Not Found'],
  // API Gateway's refusal of a body over its 10 MB quota.
  payloadTooLarge: [413, 'Request Entity Too Large'],
  // Lambda refused the event (over 6 MB): API Gateway passes the refusal on as a 413.
  lambdaRequestTooLarge: [413, 'Request Too Long'],
  headersTooLarge: [431, 'Request Header Fields Too Large'],
  // Any function error (thrown, timed out, crashed, response over 6 MB, malformed response).
  internal: [500, 'Internal Server Error'],
  // The integration did not answer within 30 s (HTTP APIs answer 503 where REST APIs answer 504).
  integrationTimeout: [503, 'Service Unavailable'],
} as const satisfies Record<string, readonly [number, string]>;

type GatewayAnswer = keyof typeof gatewayAnswers;

function gatewayBody(answer: GatewayAnswer): { status: number; body: string } {
  const [status, message] = gatewayAnswers[answer];
  return { status, body: JSON.stringify({ message }) };
}

/** Request line plus every header value, in bytes, as the quota counts them. */
function requestLineAndHeaderBytes(request: IncomingMessage): number {
  let size = Buffer.byteLength(`${request.method} ${request.url} HTTP/${request.httpVersion}`);
  for (let i = 1; i < request.rawHeaders.length; i += 2) size += Buffer.byteLength(request.rawHeaders[i]!);
  return size;
}

/**
 * Reads the body up to API Gateway's limit. Past it, the rest is read and dropped rather than the
 * socket destroyed, so that the client reads our 413 and its keep-alive connection stays usable.
 */
function readBody(request: IncomingMessage): Promise<Buffer | 'too_large'> {
  const declared = Number(request.headers['content-length']);
  if (declared > apiGatewayMaxPayloadBytes) return Promise.resolve('too_large');
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge) {
        if (size > maxDrainBytes) request.destroy();
        return;
      }
      if (size > apiGatewayMaxPayloadBytes) {
        tooLarge = true;
        chunks.length = 0;
        resolveBody('too_large');
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!tooLarge) resolveBody(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

/** A Lambda proxy result: structured when it has a status code, else inferred as API Gateway does. */
function responseOf(payload: string): APIGatewayProxyStructuredResultV2 | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (parsed && typeof parsed === 'object' && 'statusCode' in parsed) {
    const result = parsed as APIGatewayProxyStructuredResultV2;
    if (!Number.isInteger(result.statusCode)) return undefined;
    if (result.body !== undefined && typeof result.body !== 'string') return undefined;
    return result;
  }
  // Payload format 2.0: a result without `statusCode` is the JSON body of a 200.
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: payload };
}

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0): it enforces the API's
 * quotas, matches requests against the route table, runs the Lambda authorizer for non-public
 * routes, builds the same v2 event (authorizer context included) and invokes the domain's
 * function, answering its failures with API Gateway's own responses.
 */
export function createGateway(options: GatewayOptions): Server {
  const compiled = options.routes
    .filter((route) => route.path !== '$default')
    .map(compile)
    .sort(byPrecedence);
  const fallback = options.routes.find((route) => route.path === '$default');
  const integrationTimeoutMs = options.integrationTimeoutMs ?? apiGatewayIntegrationTimeoutMs;
  const authorizerTimeoutMs = options.authorizerTimeoutMs ?? apiGatewayAuthorizerTimeoutMs;

  /** Routes on the path as sent (so `%2F` stays inside its segment); parameters are decoded. */
  function match(method: string, path: string) {
    for (const candidate of compiled) {
      if (candidate.route.method !== method && candidate.route.method !== 'ANY') continue;
      const found = candidate.pattern.exec(path);
      if (!found) continue;
      const pathParameters: Record<string, string> = {};
      candidate.names.forEach((name, index) => {
        pathParameters[name] = decodeOrReject(found[index + 1]!);
      });
      return { route: candidate.route, pathParameters };
    }
    return fallback ? { route: fallback, pathParameters: undefined } : undefined;
  }

  /** Invokes with API Gateway's deadline: past it the client gets 503, whatever the function does. */
  async function integrate(
    name: string,
    event: unknown,
    requestId: string,
    timeoutMs: number,
  ): Promise<Invocation | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), timeoutMs);
    });
    try {
      return await Promise.race([options.invoke(name, event, requestId), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  function logFailure(name: string, requestId: string, failure: Invocation | 'timeout') {
    const detail =
      failure === 'timeout'
        ? `no answer within ${integrationTimeoutMs} ms`
        : failure.ok
          ? 'malformed response'
          : `${failure.error.errorType}: ${failure.error.errorMessage}`;
    console.error(JSON.stringify({ level: 'error', source: 'gateway', function: name, requestId, detail }));
  }

  async function serveApi(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    note: (text: string) => void,
  ): Promise<number> {
    const requestId = randomUUID();
    const method = request.method ?? 'GET';
    if (requestLineAndHeaderBytes(request) > apiGatewayMaxRequestLineAndHeaderBytes) {
      return answer(response, 'headersTooLarge');
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const body = await readBody(request);
    if (body === 'too_large') return answer(response, 'payloadTooLarge');

    let matched: ReturnType<typeof match>;
    let rawPath: string;
    try {
      matched = match(method, url.pathname);
      rawPath = decodeOrReject(url.pathname).split('?')[0]!;
    } catch (error) {
      if (error instanceof BadPath) return answer(response, 'badRequest');
      throw error;
    }
    if (!matched) return answer(response, 'notFound');
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
      path: rawPath,
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
      rawPath,
      rawQueryString,
      cookies: headers.cookie?.split(/;\s*/),
      headers,
      queryStringParameters: rawQueryString ? queryStringParameters : undefined,
      pathParameters,
    };

    let authorizer: { lambda: AuthContext } | undefined;
    if (route.role !== 'public') {
      const authorizerEvent = {
        ...common,
        type: 'REQUEST',
        routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${method}${url.pathname}`,
        identitySource: [],
        requestContext,
      } as APIGatewayRequestAuthorizerEventV2;
      const verdict = await integrate(authorizerFunction, authorizerEvent, requestId, authorizerTimeoutMs);
      const result =
        verdict !== 'timeout' && verdict.ok
          ? (JSON.parse(verdict.payload) as APIGatewaySimpleAuthorizerWithContextResult<AuthContext> | null)
          : undefined;
      if (verdict !== 'timeout' && verdict.container?.initMs !== undefined)
        note(`cold start ${verdict.container.containerId} ${verdict.container.initMs.toFixed(0)}ms`);
      // An authorizer that fails, times out or answers without a verdict is API Gateway's 500.
      if (!result || typeof result.isAuthorized !== 'boolean') {
        logFailure(authorizerFunction, requestId, verdict);
        return answer(response, 'internal');
      }
      if (!result.isAuthorized) return answer(response, 'forbidden');
      authorizer = { lambda: result.context };
    }
    const event = {
      ...common,
      body: body.length === 0 ? undefined : textual ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: body.length > 0 && !textual,
      requestContext: { ...requestContext, authorizer },
    } as AuthorizedEvent;
    const invoked = await integrate(route.domain, event, requestId, integrationTimeoutMs);
    if (invoked === 'timeout') {
      logFailure(route.domain, requestId, invoked);
      return answer(response, 'integrationTimeout');
    }
    if (invoked.container?.initMs !== undefined)
      note(`cold start ${invoked.container.containerId} ${invoked.container.initMs.toFixed(0)}ms`);
    if (!invoked.ok) {
      logFailure(route.domain, requestId, invoked);
      return answer(
        response,
        invoked.error.errorType === 'RequestEntityTooLargeException' ? 'lambdaRequestTooLarge' : 'internal',
      );
    }
    const result = responseOf(invoked.payload);
    if (!result) {
      logFailure(route.domain, requestId, invoked);
      return answer(response, 'internal');
    }
    const outHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) outHeaders[name] = String(value);
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
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return send(response, 400, { 'content-type': 'text/plain' }, 'Bad Request');
    }
    const relative = normalize(decoded).replace(/^([/\\])+/, '');
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

  const server = createServer({ maxHeaderSize: nodeMaxHeaderBytes }, (request, response) => {
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://gateway.local');
    const method = request.method ?? 'GET';
    const notes: string[] = [];
    const served = url.pathname.startsWith('/api/')
      ? serveApi(request, response, url, (text) => notes.push(text))
      : serveStatic(response, url, method);
    served
      .catch((error: unknown) => {
        // Only a gateway bug lands here; the functions render their own errors.
        console.error('gateway error', error);
        return answer(response, 'internal');
      })
      .then((status) =>
        options.log?.(
          `${method} ${url.pathname} ${status} ${(performance.now() - started).toFixed(0)}ms${notes.length ? `  (${notes.join(', ')})` : ''}`,
        ),
      );
  });
  // What Node's parser refuses before any handler runs (a header section past even Node's far
  // larger limit, a malformed request line) still gets API Gateway's JSON, not an empty body.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.bytesWritten)) {
      socket.destroy();
      return;
    }
    const { status, body } = gatewayBody(
      error.code === 'HPE_HEADER_OVERFLOW' ? 'headersTooLarge' : 'badRequest',
    );
    const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

function answer(response: ServerResponse, which: GatewayAnswer): number {
  const { status, body } = gatewayBody(which);
  return send(response, status, { 'content-type': 'application/json' }, body);
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
