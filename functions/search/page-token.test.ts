import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CairnError } from '#http/errors.ts';
import { decodePageToken, encodePageToken } from './page-token.ts';

const OffsetPage = z.strictObject({ offset: z.number().int().nonnegative(), key: z.string().optional() });

function tokenError(token: string): CairnError {
  try {
    decodePageToken(token, OffsetPage);
  } catch (error) {
    if (error instanceof CairnError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(token)} to be rejected`);
}

describe('page tokens', () => {
  it('gives back the state a token was made from', () => {
    // Prepare
    const state = { offset: 250, key: 'val/loss ✓' };

    // Act
    const token = encodePageToken(state);

    // Assess
    expect(decodePageToken(token, OffsetPage)).toEqual(state);
  });

  it('fits in a query string without escaping', () => {
    const token = encodePageToken({ offset: 1, key: '>>>???~~~ÿ' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('applies the schema, so transforms and defaults reach the caller', () => {
    const schema = z.object({ offset: z.number(), order: z.string().default('asc') });
    expect(decodePageToken(encodePageToken({ offset: 3 }), schema)).toEqual({ offset: 3, order: 'asc' });
  });

  it.each([
    ['an empty token', ''],
    ['characters outside base64url', 'eyJvZmZzZXQiOjF9=='],
    ['standard base64 with + and /', 'ab+/'],
    ['whitespace', ' eyJvZmZzZXQiOjF9'],
    ['an impossible length', 'eyJvZ'],
    ['bytes that are not JSON', Buffer.from('offset=1').toString('base64url')],
    ['JSON of the wrong shape', encodePageToken({ offset: 'ten' })],
    ['JSON with unknown fields', encodePageToken({ offset: 1, tenantId: 'other' })],
    ['a JSON array', Buffer.from('[1]').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
  ])('rejects %s with search.invalid_page_token', (_what, token) => {
    // Act
    const error = tokenError(token);

    // Assess
    expect(error.code).toBe('search.invalid_page_token');
    expect(error.status).toBe(400);
  });

  it('rejects a token altered in its last character', () => {
    // Prepare: the final character of a base64 string carries spare bits a lenient decoder ignores.
    const token = encodePageToken({ offset: 12 });
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');

    // Act
    const error = tokenError(altered);

    // Assess
    expect(error.code).toBe('search.invalid_page_token');
  });

  it('rejects a token that is not a string', () => {
    expect(tokenError(42 as unknown as string).code).toBe('search.invalid_page_token');
  });

  it('does not echo the token back in the error', () => {
    const token = encodePageToken({ secretish: 'x'.repeat(20) });
    const error = tokenError(token);
    expect(error.message).not.toContain(token);
    expect(error.details).toBeUndefined();
  });
});
