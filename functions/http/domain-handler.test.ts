import type { Context } from 'aws-lambda';
import { expect, test, vi } from 'vitest';
import { z } from 'zod';
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
