import type { z } from 'zod';
import { validationError } from './errors.ts';

/**
 * Parses one part of a request with its schema, or throws `request.invalid` naming every field.
 *
 * @example
 * const body = parseInput('body', CreateKey, json); // typed, or a 400 with details.issues
 */
export function parseInput<S extends z.ZodType>(
  where: 'path' | 'query' | 'body',
  schema: S,
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue) => {
    const at = [where, ...issue.path.map(String)];
    // One issue per unknown field, so that the path names the misspelled field itself.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...at, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: at.join('.'), message: issue.message }];
  });
  throw validationError(where, issues);
}

/**
 * Query strings arrive as a flat string; repeated keys (`run_ids=a&run_ids=b`) become arrays, as
 * MLflow's clients send lists.
 */
export function queryObject(rawQueryString: string | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString ?? '')) {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else out[key] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}
