import type { z } from 'zod';
import { CairnError } from '#http/errors.ts';

/*
 * Page tokens are opaque to clients but not secret and not signed: whatever a token decodes to
 * is validated by the caller's schema and only ever positions a read inside the caller's own
 * tenant (every key starts with the tenant id taken from the credentials, never from a token).
 */

const base64url = /^[A-Za-z0-9_-]+$/;

/** Encodes paging state as base64url JSON: safe in a query string without escaping. */
export function encodePageToken(state: object): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

function invalid(): CairnError {
  return new CairnError(
    'search.invalid_page_token',
    'Invalid page token: pass back the next_page_token of a previous response unchanged',
  );
}

/**
 * Decodes a token made by `encodePageToken` and checks it against `schema`. Anything else
 * (wrong alphabet, not JSON, wrong shape) is `search.invalid_page_token`. An absent or empty
 * token means "first page" and is for the caller to handle before calling this.
 */
export function decodePageToken<T>(token: string, schema: z.ZodType<T>): T {
  if (typeof token !== 'string' || !base64url.test(token)) throw invalid();
  const bytes = Buffer.from(token, 'base64url');
  // Buffer decoding is lenient; only a token that re-encodes to itself is one we issued.
  if (bytes.toString('base64url') !== token) throw invalid();
  let state: unknown;
  try {
    state = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = schema.safeParse(state);
  if (!parsed.success) throw invalid();
  return parsed.data;
}
