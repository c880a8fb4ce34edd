import { describe, expect, test } from 'vitest';
import { decodeChunk, encodeChunk, type Series } from './chunks.ts';

/*
 * Pure codec tests (no emulator): every step and timestamp the API accepts must come back exactly,
 * and the bytes of ordinary data must stay what they were, so chunks already stored decode as before.
 */

const safe = Number.MAX_SAFE_INTEGER;
/** Steps the API accepts at and around the places where a double or a delta stops being exact. */
const edgeSteps = [
  0,
  1,
  -1,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  2 ** 32,
  -(2 ** 32),
  2 ** 52 - 1,
  2 ** 52,
  -(2 ** 52),
  2 ** 52 + 1,
  safe - 1,
  safe,
  -safe,
  -(safe - 1),
];
const now = Date.UTC(2026, 11, 5);
/** Timestamps the API accepts: ms since the epoch, from 0 to the end of JavaScript's dates (8.64e15). */
const edgeTimestamps = [0, 1, now, 2 ** 32, 2 ** 52 - 1, 2 ** 52, 2 ** 52 + 1, 8.64e15 - 1, 8.64e15];

function roundTrip(series: Map<string, Series>) {
  return decodeChunk(encodeChunk(series));
}

/** A deterministic sequence of picks from `values`, so each run tries the same orderings. */
function* orderings<T>(values: readonly T[], count: number, seed = 7): Generator<T[]> {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  for (let i = 0; i < count; i++) {
    const length = 1 + (next() % (values.length * 2));
    yield Array.from({ length }, () => values[next() % values.length]!);
  }
}

describe('metric chunk codec (pure)', () => {
  test('every pair of edge steps round-trips in both orders (the largest deltas overflow a double)', () => {
    for (const first of edgeSteps) {
      for (const second of edgeSteps) {
        const series = new Map([['m', { steps: [first, second], timestamps: [now, now], values: [1, 2] }]]);
        expect(roundTrip(series).get('m')!.steps, `${first} then ${second}`).toEqual([first, second]);
      }
    }
  });

  test('every pair of edge timestamps round-trips in both orders', () => {
    for (const first of edgeTimestamps) {
      for (const second of edgeTimestamps) {
        const series = new Map([['m', { steps: [0, 1], timestamps: [first, second], values: [1, 2] }]]);
        expect(roundTrip(series).get('m')!.timestamps, `${first} then ${second}`).toEqual([first, second]);
      }
    }
  });

  test('random sequences over the edge values, several keys per chunk, round-trip exactly', () => {
    const steps = [...orderings(edgeSteps, 200)];
    const timestamps = [...orderings(edgeTimestamps, 200, 11)];
    for (let i = 0; i < steps.length; i++) {
      const length = Math.min(steps[i]!.length, timestamps[i]!.length);
      const a = { steps: steps[i]!.slice(0, length), timestamps: timestamps[i]!.slice(0, length) };
      const b = { steps: [...a.steps].reverse(), timestamps: [...a.timestamps].reverse() };
      const series = new Map([
        ['a', { ...a, values: a.steps.map((_, j) => j) }],
        ['b', { ...b, values: b.steps.map(() => Number.NaN) }],
      ]);
      const decoded = roundTrip(series);
      expect(decoded.get('a')).toEqual(series.get('a'));
      expect(decoded.get('b')!.steps).toEqual(b.steps);
      expect(decoded.get('b')!.timestamps).toEqual(b.timestamps);
    }
  });

  test('ordinary data keeps its bytes: the layout chunks already stored were written in', () => {
    const series = new Map([
      [
        'loss',
        {
          steps: [0, 1, 2, 10, 9],
          timestamps: [now, now + 5, now + 5, now + 100, now + 90],
          values: [0.5, 0.25, 0.125, 0, -1],
        },
      ],
    ]);

    const bytes = encodeChunk(series);

    // version 1 | 1 series | 4 'loss' | 5 points | Δsteps 0,1,1,8,-1 | Δtimestamps now,5,0,95,-10 | 5 doubles
    const nowVarint = [0x80, 0x80, 0x81, 0xb8, 0xc8, 0x68];
    expect([...bytes.subarray(0, 8 + 5)]).toEqual([1, 1, 4, 108, 111, 115, 115, 5, 0, 2, 2, 16, 1]);
    expect([...bytes.subarray(13, 13 + nowVarint.length)]).toEqual(nowVarint);
    expect([...bytes.subarray(19, 24)]).toEqual([10, 0, 190, 1, 19]);
    expect(bytes.length).toBe(23 + 1 + 5 * 8);
    expect(decodeChunk(bytes)).toEqual(series);
  });
});
