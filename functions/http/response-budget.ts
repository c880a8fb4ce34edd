import { CairnError } from './errors.ts';

/**
 * Lambda's synchronous response limit: the whole proxy result (status, headers, and the body as
 * a JSON string) as JSON, in bytes. Lambda refuses more with "Exceeded maximum allowed payload
 * size (6291556 bytes)", and API Gateway turns that into a bare 500.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const lambdaResponseLimitBytes = 6_291_556;

/**
 * What the items of one answer (a page, a set of series) may take of that limit, measured as they
 * travel. The rest covers the envelope around them (the result's own JSON, headers, page token,
 * the fields beside the list) and the difference between what a page is sized on and its wire
 * form.
 */
export const pageBudgetBytes = 4 * 1024 * 1024;

/**
 * The bytes `value` takes inside the Lambda result: its JSON text, UTF-8, plus one byte for each
 * quote and backslash that gains an escape when that text becomes the result's `body` string.
 *
 * @example
 * wireBytes({ a: 'b' }); // 9 + 4 escaped quotes = 13
 */
export function wireBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? 'null';
  let escapes = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === 34 || code === 92) escapes++;
  }
  return Buffer.byteLength(json, 'utf8') + escapes + 1;
}

/**
 * How many leading `items` fit in `budget` bytes, as `sizeOf` measures each: at least one when
 * there is any, so that a page always makes progress (a single item is bounded by DynamoDB's
 * 400 KB, far below the budget).
 */
export function fitting<T>(
  items: readonly T[],
  sizeOf: (item: T) => number = wireBytes,
  budget: number = pageBudgetBytes,
): number {
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    used += sizeOf(items[i]!);
    if (used > budget) return Math.max(1, i);
  }
  return items.length;
}

/**
 * Refuses a request whose answer cannot be paged and would not fit: a 400 that says what to ask
 * for instead, never an answer Lambda would drop.
 */
export function responseTooLarge(
  what: string,
  hint: string,
  details: Record<string, unknown> = {},
): CairnError {
  return new CairnError(
    'request.response_too_large',
    `${what} would not fit in one response (Lambda answers at most 6 MB); ${hint}`,
    details,
  );
}
