import { z } from 'zod';
import { routes } from '#functions/routes.ts';
import { CairnError } from '#http/errors.ts';
import { openApiDocument } from '#http/openapi.ts';
import { operation } from '#http/operation.ts';

export const apiVersion = '0.1.0';

let document: unknown;

export const operations = {
  health: operation({
    summary: 'Liveness: answers while the API can serve requests',
    response: z.object({ status: z.literal('ok') }),
    handle: async () => ({ status: 'ok' }),
  }),

  openapi: operation({
    summary: 'This OpenAPI 3.1 document',
    handle: async () => {
      // Imported here, not at the top: the registry imports this module too.
      const { operationsByDomain } = await import('#functions/operations.ts');
      document ??= openApiDocument(routes, operationsByDomain, apiVersion);
      return document;
    },
  }),

  notFound: operation({
    summary: 'Every path no route matches',
    handle: async () => {
      throw new CairnError('route.not_found', 'No such route; see /api/v1/openapi.json for the API');
    },
  }),
};
