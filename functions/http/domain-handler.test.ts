import type { Context } from 'aws-lambda';
import { describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { operations } from '#functions/system/handlers.ts';
import type { AuthorizedEvent } from './caller.ts';
import { domainHandler } from './domain-handler.ts';
import { operation } from './operation.ts';

const event = (routeKey: string, lambda?: object): AuthorizedEvent =>
  ({
    version: '2.0',
    routeKey,
    rawPath: '/api/v1/health',
    rawQueryString: '',
    headers: {},
    requestContext: {
      requestId: 'req-1',
      http: { method: 'GET', path: '/api/v1/health' },
      authorizer: lambda ? { lambda } : undefined,
    },
    isBase64Encoded: false,
  }) as unknown as AuthorizedEvent;

const context = {} as Context;

test('an unexpected failure is a 500 with the request id and nothing of the internals', async () => {
  const log = vi.spyOn(console, 'error').mockImplementation(() => {});
  const handler = domainHandler('system', {
    health: operation({
      summary: 'x',
      handle: async () => Promise.reject(new Error('secret table name leaked')),
    }),
    openapi: operation({ summary: 'x', handle: async () => ({}) }),
    notFound: operation({ summary: 'x', handle: async () => ({}) }),
  });

  const result = await handler(event('GET /api/v1/health'), context);

  expect(result.statusCode).toBe(500);
  expect(JSON.parse(result.body as string)).toEqual({
    error: { code: 'internal', message: expect.stringContaining('req-1'), details: { requestId: 'req-1' } },
  });
  expect(result.body).not.toContain('secret');
  expect(log).toHaveBeenCalledOnce();
  log.mockRestore();
});

test('a domain whose route names a missing operation fails at cold start', () => {
  expect(() =>
    domainHandler('system', { health: operation({ summary: 'x', handle: async () => ({}) }) }),
  ).toThrow(/system\.openapi/);
});

test('a route of another domain is not served by this one', async () => {
  const ops = {
    health: operation({ summary: 'x', query: z.object({}), handle: async () => ({ ok: true }) }),
    openapi: operation({ summary: 'x', handle: async () => ({}) }),
    notFound: operation({ summary: 'x', handle: async () => ({}) }),
  };
  const result = await domainHandler('system', ops)(event('GET /api/v1/keys'), context);
  expect(result.statusCode).toBe(404);
  expect(JSON.parse(result.body as string).error.code).toBe('route.not_found');
});

describe('on MLflow paths the edge speaks MLflow', () => {
  const mlflowEvent = (rawPath: string, body?: string, headers: Record<string, string> = {}) =>
    ({
      ...event('$default'),
      rawPath,
      headers,
      body,
      requestContext: { requestId: 'req-2', http: { method: 'POST', path: rawPath } },
    }) as unknown as AuthorizedEvent;
  const echo = {
    health: operation({ summary: 'x', handle: async () => ({}) }),
    openapi: operation({ summary: 'x', handle: async () => ({}) }),
    notFound: operation({
      summary: 'x',
      body: z.object({ n: z.number() }),
      status: 201,
      handle: async ({ body }) => body,
    }),
  };

  test('an unknown /api/2.0 path is 404 ENDPOINT_NOT_FOUND, which MLflow clients fall back on', async () => {
    const result = await domainHandler('system', operations)(mlflowEvent('/api/2.0/mlflow/traces'), context);

    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body as string)).toEqual({
      error_code: 'ENDPOINT_NOT_FOUND',
      message: expect.any(String),
    });
  });

  test('a JSON body without a JSON content type is accepted, and success is always 200', async () => {
    const result = await domainHandler('system', echo)(mlflowEvent('/api/3.0/x', '{"n":1}'), context);

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body as string)).toEqual({ n: 1 });
  });

  test('the same body on a Cairn path still needs its content type', async () => {
    const result = await domainHandler('system', echo)(mlflowEvent('/api/v1/x', '{"n":1}'), context);

    expect(result.statusCode).toBe(415);
  });

  test('an invalid field is 400 INVALID_PARAMETER_VALUE', async () => {
    const result = await domainHandler('system', echo)(mlflowEvent('/api/2.0/x', '{"n":"one"}'), context);

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body as string).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  test('an unexpected failure is 500 INTERNAL_ERROR', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failing = {
      ...echo,
      notFound: operation({ summary: 'x', handle: async () => Promise.reject(new Error('boom')) }),
    };
    const result = await domainHandler('system', failing)(mlflowEvent('/api/2.0/x'), context);

    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body as string)).toMatchObject({ error_code: 'INTERNAL_ERROR' });
    log.mockRestore();
  });
});

test('an answer Lambda would refuse (over 6 MB) becomes a logged JSON error, never a bare gateway 500', async () => {
  const log = vi.spyOn(console, 'error').mockImplementation(() => {});
  const huge = (size: number) =>
    domainHandler('system', {
      health: operation({ summary: 'x', handle: async () => ({ blob: 'x'.repeat(size) }) }),
      openapi: operation({ summary: 'x', handle: async () => ({}) }),
      notFound: operation({ summary: 'x', handle: async () => ({}) }),
    });

  const over = await huge(6_300_000)(event('GET /api/v1/health'), context);
  const under = await huge(5_000_000)(event('GET /api/v1/health'), context);

  expect(over.statusCode).toBe(500);
  expect(JSON.parse(over.body as string).error).toMatchObject({
    code: 'response.too_large',
    details: { limit: 6_291_556 },
  });
  expect(log).toHaveBeenCalledWith(expect.stringContaining('response over the Lambda limit'));
  expect(under.statusCode).toBe(200);
  expect(Buffer.byteLength(JSON.stringify(under))).toBeLessThanOrEqual(6_291_556);
  log.mockRestore();
});
