// The gateway's own answers (API Gateway's), with functions written here and run in real
// containers, so that a throwing, slow, oversized or refusing function can be had on purpose.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Route } from '#functions/routes.ts';
import { runtimeProvided } from '../bundles.ts';
import { repoRoot } from '../paths.ts';
import { createGateway } from './gateway.ts';
import { LocalFunction, lambdaMaxResponseBytes } from './lambda-runtime.ts';

const probe = `
export const handler = async (event) => {
  const q = event.queryStringParameters ?? {};
  switch (q.action) {
    case 'throw': throw new Error('boom');
    case 'sleep': await new Promise((done) => setTimeout(done, Number(q.ms))); return { statusCode: 204 };
    case 'big': return { statusCode: 200, body: 'x'.repeat(Number(q.bytes)) };
    case 'inferred': return { hello: 'world' };
    case 'malformed': return { statusCode: 'teapot' };
    default: return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        rawPath: event.rawPath,
        pathParameters: event.pathParameters,
        isBase64Encoded: event.isBase64Encoded,
        bodyLength: event.body === undefined ? 0 : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').length,
        authorizer: event.requestContext.authorizer?.lambda,
      }),
    };
  }
};`;

const authorizer = `
export const handler = async (event) => {
  const header = event.headers.authorization ?? '';
  if (header === 'throw') throw new Error('authorizer down');
  if (header === 'slow') await new Promise((done) => setTimeout(done, 2000));
  if (header === 'garbage') return { allowed: 'maybe' };
  return header === 'deny' ? { isAuthorized: false } : { isAuthorized: true, context: { who: header } };
};`;

const routes = [
  { method: 'GET', path: '/api/v1/probe/{id}', domain: 'probe', op: 'probe', role: 'public' },
  { method: 'POST', path: '/api/v1/probe', domain: 'probe', op: 'probe', role: 'public' },
  { method: 'GET', path: '/api/v1/secret', domain: 'probe', op: 'probe', role: 'reader' },
] as unknown as Route[];

let dir: string;
let server: Server;
let url: string;
const functions: Record<string, LocalFunction> = {};

function fn(name: string, source: string, timeoutSeconds: number) {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'index.mjs'), source);
  return new LocalFunction({
    name,
    bundlePath: join(folder, 'index.mjs'),
    env: {},
    timeoutSeconds,
    memoryMb: 512,
    containers: 2,
    provided: runtimeProvided,
    providedFrom: join(repoRoot, 'package.json'),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-gateway-'));
  functions.probe = fn('probe', probe, 2);
  functions.authorizer = fn('authorizer', authorizer, 1);
  server = createGateway({
    routes,
    invoke: (name, event, requestId) => functions[name]!.invoke(event, requestId),
    integrationTimeoutMs: 3_000,
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await Promise.all(Object.values(functions).map((each) => each.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${url}${path}`, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: JSON.parse(text) };
}

describe('function failures become API Gateway (HTTP API) answers', () => {
  test('a handler that throws: 500 {"message":"Internal Server Error"}', async () => {
    expect(await call('/api/v1/probe/x?action=throw')).toEqual({
      status: 500,
      type: 'application/json',
      body: { message: 'Internal Server Error' },
    });
  });

  test('a function past its own timeout: 500, and its container is replaced', async () => {
    const functionTimeout = await call('/api/v1/probe/x?action=sleep&ms=2500');
    expect(functionTimeout).toMatchObject({ status: 500, body: { message: 'Internal Server Error' } });
    // The container that timed out was replaced: the next request is answered.
    expect((await call('/api/v1/probe/x')).status).toBe(200);
  });

  test('an answer that comes after the integration timeout: 503', async () => {
    const gateway = createGateway({
      routes,
      invoke: (name, event, requestId) => functions[name]!.invoke(event, requestId),
      integrationTimeoutMs: 300,
    });
    await new Promise<void>((done) => gateway.listen(0, '127.0.0.1', done));
    const address = gateway.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/probe/x?action=sleep&ms=1000`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
    gateway.closeAllConnections();
    await new Promise((done) => gateway.close(done));
  });

  test('a response over 6 MB: 500; just under: delivered', async () => {
    // `{"statusCode":200,"body":"…"}` adds 28 bytes to the body.
    const under = await fetch(`${url}/api/v1/probe/x?action=big&bytes=${lambdaMaxResponseBytes - 28}`);
    expect(under.status).toBe(200);
    expect((await under.text()).length).toBe(lambdaMaxResponseBytes - 28);
    expect(await call(`/api/v1/probe/x?action=big&bytes=${lambdaMaxResponseBytes - 27}`)).toMatchObject({
      status: 500,
      body: { message: 'Internal Server Error' },
    });
  });

  test('a malformed proxy result: 500; a result without statusCode is inferred as a 200 JSON body', async () => {
    expect((await call('/api/v1/probe/x?action=malformed')).status).toBe(500);
    expect(await call('/api/v1/probe/x?action=inferred')).toEqual({
      status: 200,
      type: 'application/json',
      body: { hello: 'world' },
    });
  });
});

describe('the Lambda authorizer', () => {
  test('allow passes its context to the function; deny is 403 Forbidden; a failing authorizer is 500', async () => {
    const allowed = await call('/api/v1/secret', { headers: { authorization: 'alice' } });
    expect(allowed.body.authorizer).toEqual({ who: 'alice' });
    expect(await call('/api/v1/secret', { headers: { authorization: 'deny' } })).toMatchObject({
      status: 403,
      body: { message: 'Forbidden' },
    });
    for (const broken of ['throw', 'slow', 'garbage']) {
      expect(await call('/api/v1/secret', { headers: { authorization: broken } }), broken).toMatchObject({
        status: 500,
        body: { message: 'Internal Server Error' },
      });
    }
  });
});

describe('what reaches the function', () => {
  test('binary bodies are base64 in the event: about 4.5 MB of binary fits in Lambda’s 6 MB, more is 413', async () => {
    const fits = Buffer.alloc(4_500_000, 7);
    const passed = await call('/api/v1/probe', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: fits,
    });
    expect(passed.body).toMatchObject({ isBase64Encoded: true, bodyLength: fits.length });

    const tooMuch = Buffer.alloc(4_800_000, 7);
    expect(
      await call('/api/v1/probe', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: tooMuch,
      }),
    ).toMatchObject({ status: 413, body: { message: 'Request Too Long' } });
    // The same bytes as text are not inflated, and fit.
    expect(
      (
        await call('/api/v1/probe', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: Buffer.alloc(4_800_000, 'a'),
        })
      ).body.bodyLength,
    ).toBe(4_800_000);
  });

  test('path parameters and rawPath are percent-decoded twice; a decoded `?` ends rawPath', async () => {
    const seen = (await call('/api/v1/probe/a%2520b%253Fc')).body;
    expect(seen.pathParameters).toEqual({ id: 'a b?c' });
    expect(seen.rawPath).toBe('/api/v1/probe/a b');
    expect(await call('/api/v1/probe/%25zz')).toMatchObject({
      status: 400,
      body: { message: 'Bad Request' },
    });
  });
});
