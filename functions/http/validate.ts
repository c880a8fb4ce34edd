import type { z } from 'zod';
import { userMap } from '#table/user-maps.ts';
import { type Issue, validationError } from './errors.ts';

/** At most this many broken strings are named in one answer. */
const maxUnicodeIssues = 20;

/**
 * Every string and object key of a request that is not well-formed Unicode: one holding a lone
 * UTF-16 surrogate, which JSON's `\ud800` escape can carry but UTF-8 (and so DynamoDB, S3, every
 * client reading our answers) cannot. Checked once here, before any schema, for every part of every
 * route of both APIs, so that no store ever sees one. Iterative, as a request may nest deeply.
 */
export function illFormedStrings(value: unknown, where: string): Issue[] {
  const issues: Issue[] = [];
  const pending: [unknown, string][] = [[value, where]];
  while (pending.length > 0 && issues.length < maxUnicodeIssues) {
    const [next, path] = pending.pop()!;
    if (typeof next === 'string') {
      if (!next.isWellFormed())
        issues.push({ path, message: 'must be well-formed Unicode (it holds a lone UTF-16 surrogate)' });
    } else if (Array.isArray(next)) {
      for (let i = next.length - 1; i >= 0; i--) pending.push([next[i], `${path}.${i}`]);
    } else if (next !== null && typeof next === 'object' && !(next instanceof Uint8Array)) {
      for (const [key, inner] of Object.entries(next).reverse()) {
        const at = `${path}.${key.toWellFormed()}`;
        if (!key.isWellFormed()) {
          issues.push({
            path: at,
            message: 'key must be well-formed Unicode (it holds a lone UTF-16 surrogate)',
          });
        }
        pending.push([inner, at]);
      }
    }
  }
  return issues;
}

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
  const broken = illFormedStrings(value, where);
  if (broken.length > 0) throw validationError(where, broken);
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
  // Query keys are the caller's: `?__proto__=x` must reach the schema (which refuses it) as a key.
  const out = userMap<string | string[]>();
  for (const [key, value] of new URLSearchParams(rawQueryString ?? '')) {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else out[key] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}
