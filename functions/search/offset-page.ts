import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CairnError } from '#http/errors.ts';
import { fitting, wireBytes } from '#http/response-budget.ts';
import { decodePageToken, encodePageToken } from './page-token.ts';

const PageState = z.object({ offset: z.number().int().min(0), query: z.string() });

/** A token is only good for the query that issued it: its digest travels inside the token. */
function digestOf(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

/** Where a page starts: 0, or the offset a previous page's token carries for this same query. */
export function pageStart(pageToken: string | undefined, query: unknown): number {
  if (!pageToken) return 0;
  const state = decodePageToken(pageToken, PageState);
  if (state.query !== digestOf(query)) {
    throw new CairnError(
      'search.invalid_page_token',
      'This page token belongs to a different search; start again without it',
    );
  }
  return state.offset;
}

/**
 * One page of an ordered result, with the token for the next page when there is more. A page
 * holds at most `maxResults` items and at most the response budget's bytes of them (as `sizeOf`
 * measures an item's wire form; by default its own JSON), so no page can outgrow Lambda's 6 MB.
 *
 * @example
 * const { items, nextPageToken } = offsetPage(sorted, { pageToken, maxResults: 100, query: [filter, orderBy] });
 */
export function offsetPage<T>(
  ordered: readonly T[],
  request: { pageToken?: string; maxResults: number; query: unknown; sizeOf?: (item: T) => number },
): { items: T[]; nextPageToken?: string } {
  const offset = pageStart(request.pageToken, request.query);
  const candidates = ordered.slice(offset, offset + request.maxResults);
  const items = candidates.slice(0, fitting(candidates, request.sizeOf ?? wireBytes));
  const end = offset + items.length;
  return end < ordered.length
    ? { items, nextPageToken: encodePageToken({ offset: end, query: digestOf(request.query) }) }
    : { items };
}
