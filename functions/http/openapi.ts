import { z } from 'zod';
import type { Route } from '#functions/routes.ts';
import type { Operation, Operations } from './operation.ts';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parameters(op: Operation): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', op.path],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      list.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return list;
}

const errorResponse = {
  description: 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/**
 * The OpenAPI 3.1 document, generated from the route table and each operation's zod schemas, so
 * that it cannot describe a route that does not exist or miss one that does.
 */
export function openApiDocument(
  routes: readonly Route[],
  operations: Record<string, Operations>,
  version: string,
) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const op = operations[route.domain]?.[route.op];
    if (!op || route.path === '$default') continue;
    const status = String(op.status ?? 200);
    const entry: JsonSchema = {
      operationId: route.op,
      summary: op.summary,
      tags: [route.domain],
      'x-cairn-role': route.role,
      parameters: parameters(op),
      responses: {
        [status]: {
          description: 'Success',
          content: { 'application/json': { schema: op.response ? toSchema(op.response, 'output') : {} } },
        },
        default: errorResponse,
      },
    };
    if (route.role !== 'public') entry.security = [{ apiKey: [] }];
    if (op.body) {
      entry.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(op.body, 'input') } },
      };
    }
    paths[route.path] ??= {};
    const methods =
      route.method === 'ANY' ? ['get', 'post', 'put', 'patch', 'delete'] : [route.method.toLowerCase()];
    for (const method of methods) paths[route.path]![method] = entry;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cairn API',
      version,
      description:
        'Experiment tracking, model registry and data versioning. Authenticate with "Authorization: Bearer <API key>".',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A Cairn API key (cairn_…)' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'object' },
              },
            },
          },
        },
      },
    },
    paths,
  };
}
