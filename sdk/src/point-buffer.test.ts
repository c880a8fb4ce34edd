import { describe, expect, test } from 'vitest';
import { PointBuffer } from './point-buffer.ts';

const keyJson = ['"loss"', '"acc"'];
const parse = (json: string) =>
  JSON.parse(json) as { key: string; value: unknown; timestamp: number; step: number }[];

describe('PointBuffer (offline)', () => {
  test('hands points out oldest first, as the JSON the batch endpoint takes', () => {
    const buffer = new PointBuffer(100);
    buffer.push(0, 0.5, 1000, 1);
    buffer.push(1, 0.25, 1000, 1);
    buffer.push(0, 0.4, 2000, 2);

    const first = parse(buffer.takeJson(2, keyJson));

    expect(first).toEqual([
      { key: 'loss', value: 0.5, timestamp: 1000, step: 1 },
      { key: 'acc', value: 0.25, timestamp: 1000, step: 1 },
    ]);
    expect(buffer.size).toBe(1);
    expect(parse(buffer.takeJson(1, keyJson))).toEqual([
      { key: 'loss', value: 0.4, timestamp: 2000, step: 2 },
    ]);
  });

  test('non-finite values travel as "NaN", "Infinity" and "-Infinity"', () => {
    const buffer = new PointBuffer(10);
    buffer.push(0, Number.NaN, 1, 0);
    buffer.push(0, Number.POSITIVE_INFINITY, 1, 0);
    buffer.push(0, Number.NEGATIVE_INFINITY, 1, 0);

    expect(parse(buffer.takeJson(3, keyJson)).map((point) => point.value)).toEqual([
      'NaN',
      'Infinity',
      '-Infinity',
    ]);
  });

  test('grows past its first allocation without losing order, across the ring seam', () => {
    const buffer = new PointBuffer(10_000);
    for (let i = 0; i < 1000; i++) buffer.push(0, i, i, i);
    buffer.takeJson(600, keyJson);
    for (let i = 1000; i < 3000; i++) buffer.push(0, i, i, i);

    const steps = parse(buffer.takeJson(buffer.size, keyJson)).map((point) => point.step);

    expect(steps).toEqual(Array.from({ length: 2400 }, (_, i) => 600 + i));
    expect(buffer.dropped).toBe(0);
  });

  test('when full, a new point replaces the oldest one, and the loss is counted', () => {
    const buffer = new PointBuffer(1500);
    for (let i = 0; i < 2000; i++) buffer.push(1, i, i, i);

    expect(buffer.size).toBe(1500);
    expect(buffer.dropped).toBe(500);
    const steps = parse(buffer.takeJson(buffer.size, keyJson)).map((point) => point.step);
    expect(steps[0]).toBe(500);
    expect(steps.at(-1)).toBe(1999);
  });
});
