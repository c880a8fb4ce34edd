import type { z } from 'zod';
import { operationsByDomain } from '#functions/operations.ts';
import { type Route, routeKey, routes } from '#functions/routes.ts';
import { userRecords } from '#http/user-record.ts';

/**
 * The request fields whose values are the user's keys into a map: a tag, param or metric key, a
 * list of metric keys, an alias, a dataset tag. (Names of resources are not map keys.)
 */
const keyFields = new Set(['key', 'keys', 'metric_key', 'alias', 'tag']);

export interface KeyedInput {
  /** `userRecord` fields: JSON objects keyed by the user. */
  records: number;
  /** `z.record` fields, which drop a `__proto__` key: each one is a bug. */
  plainRecords: string[];
  /** Fields that name one key (or a list of keys) of a user-keyed map. */
  fields: string[];
}

/** Walks a zod schema (objects, wrappers, unions, pipes, arrays) for what takes the user's keys. */
function walk(schema: z.ZodType | undefined, at: string, found: KeyedInput, seen: Set<unknown>) {
  if (!schema || seen.has(schema)) return;
  seen.add(schema);
  if (userRecords.has(schema)) {
    found.records++;
    return;
  }
  const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  const next = (inner: unknown, path = at) => walk(inner as z.ZodType, path, found, seen);
  switch (def.type) {
    case 'object':
      for (const [name, inner] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        if (keyFields.has(name)) found.fields.push(`${at}.${name}`);
        next(inner, `${at}.${name}`);
      }
      next(def.catchall);
      break;
    case 'record':
      found.plainRecords.push(at);
      break;
    case 'pipe':
      next(def.in);
      next(def.out);
      break;
    case 'union':
      for (const option of def.options) next(option);
      break;
    case 'intersection':
      next(def.left);
      next(def.right);
      break;
    case 'array':
      next(def.element, `${at}[]`);
      break;
    case 'tuple':
      for (const item of def.items) next(item);
      break;
    case 'lazy':
      next(def.getter());
      break;
    default:
      if (def.innerType) next(def.innerType);
  }
}

/** What one route's path, query and body schemas take of the user's keys. */
export function keyedInputOf(route: Route): KeyedInput {
  const op = operationsByDomain[route.domain][route.op];
  const found: KeyedInput = { records: 0, plainRecords: [], fields: [] };
  const seen = new Set<unknown>();
  walk(op?.path, 'path', found, seen);
  walk(op?.query, 'query', found, seen);
  walk(op?.body, 'body', found, seen);
  return found;
}

/** Every row of the route table that takes a user-keyed map or names one of its keys. */
export function mapTakingRoutes(): string[] {
  return (routes as readonly Route[])
    .filter((route) => {
      const found = keyedInputOf(route);
      return found.records > 0 || found.plainRecords.length > 0 || found.fields.length > 0;
    })
    .map(routeKey);
}
