import { describe, expect, test } from 'vitest';
import { decodeLatest, encodeLatest } from './latest.ts';
import { isLater, type Point } from './point.ts';

describe('latest-point encoding (offline)', () => {
  const values = [0, -0, 1, -1, 1e-300, -1e-300, 1e300, -1e300, Math.PI, Number.MAX_VALUE, Number.MIN_VALUE, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN];

  test('round-trips every double exactly, NaN and infinities included', () => {
    for (const value of values) {
      for (const step of [-(2 ** 53), -5, 0, 7, 2 ** 53]) {
        const point = { step, timestamp: 1_700_000_000_123, value };
        expect(decodeLatest(encodeLatest(point))).toEqual(point);
      }
    }
  });

  test('text order is MLflow latest order: step, then timestamp, then value with NaN on top', () => {
    const points: Point[] = [];
    for (const step of [-3, 0, 2]) for (const timestamp of [5, 1000]) for (const value of values) points.push({ step, timestamp, value });
    for (const a of points) {
      for (const b of points) {
        if (Object.is(a.value, b.value) || (a.value === 0 && b.value === 0)) continue;
        expect(encodeLatest(a) > encodeLatest(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(isLater(a, b));
      }
    }
  });
});
