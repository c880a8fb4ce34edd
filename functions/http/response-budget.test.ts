import { describe, expect, test } from 'vitest';
import { toWire, widestPoint } from '#functions/metrics/point.ts';
import { metricJson } from '#functions/mlflow/render.ts';
import { maxPointsPerResponse } from '#functions/runs/schema.ts';
import { offsetPage } from '#functions/search/offset-page.ts';
import { fitting, lambdaResponseLimitBytes, pageBudgetBytes, wireBytes } from './response-budget.ts';

describe('response budget (offline)', () => {
  test('an item is measured as it travels: its JSON plus the escape each quote gains inside the result', () => {
    expect(wireBytes({ a: 'b' })).toBe('{"a":"b"}'.length + 4 + 1);
    const result = { statusCode: 200, body: JSON.stringify([{ a: 'b"\\' }]) };
    // The page's measure is never below what the items add to the Lambda result.
    expect(wireBytes({ a: 'b"\\' })).toBeGreaterThanOrEqual(
      Buffer.byteLength(JSON.stringify(result)) -
        Buffer.byteLength(JSON.stringify({ statusCode: 200, body: '[]' })),
    );
  });

  test('the budget leaves room under Lambda’s limit for the envelope', () => {
    expect(lambdaResponseLimitBytes - pageBudgetBytes).toBeGreaterThan(2 * 1024 * 1024);
  });

  test('the widest points, as many as an unpaged answer may carry, fit the budget', () => {
    const wire = { ...widestPoint, value: toWire(widestPoint.value) };
    expect(maxPointsPerResponse * wireBytes(wire)).toBeLessThanOrEqual(pageBudgetBytes);
    // MLflow repeats the key (up to 250 characters) in every point: paged, never unbounded.
    expect(wireBytes(metricJson('k'.repeat(250), widestPoint, 'r'.repeat(32)))).toBeGreaterThan(300);
  });

  test('a page ends where its bytes reach the budget, and the rest follows by token', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ i, blob: 'x'.repeat(300_000) }));
    const first = offsetPage(items, { maxResults: 1000, query: ['q'] });
    expect(first.items.length).toBe(13);
    expect(first.items.reduce((sum, item) => sum + wireBytes(item), 0)).toBeLessThanOrEqual(pageBudgetBytes);
    const second = offsetPage(items, { maxResults: 1000, query: ['q'], pageToken: first.nextPageToken! });
    const third = offsetPage(items, { maxResults: 1000, query: ['q'], pageToken: second.nextPageToken! });
    expect([...first.items, ...second.items, ...third.items]).toEqual(items);
    expect(third.nextPageToken).toBeUndefined();
  });

  test('a page always makes progress, even past the budget with one item', () => {
    expect(fitting([{ blob: 'x'.repeat(pageBudgetBytes + 1) }, {}])).toBe(1);
    expect(fitting([])).toBe(0);
  });
});
