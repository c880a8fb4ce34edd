import { describe, expect, it } from 'vitest';
import { downsample } from './downsample.ts';
import type { Point } from './point.ts';

const curve = (count: number, value: (step: number) => number): Point[] =>
  Array.from({ length: count }, (_, step) => ({ step, timestamp: 1_000 + step, value: value(step) }));

function expectInInputOrder(points: readonly Point[]) {
  for (let i = 1; i < points.length; i += 1) {
    const previous = points[i - 1]!;
    const current = points[i]!;
    expect(
      current.step > previous.step ||
        (current.step === previous.step && current.timestamp >= previous.timestamp),
    ).toBe(true);
  }
}

describe('downsample', () => {
  it('returns a history that already fits unchanged', () => {
    // Prepare
    const points = curve(10, Math.sqrt);

    // Act
    const result = downsample(points, 10);

    // Assess
    expect(result).toBe(points);
  });

  it('thins 100,000 points to at most 1,000, keeping the ends, the extremes and the order', () => {
    // Prepare: a noisy sine with one spike and one dip that every-nth sampling would miss.
    const points = curve(100_000, (step) => Math.sin(step / 5_000) + ((step * 7919) % 13) / 100);
    points[31_337]!.value = 50;
    points[77_777]!.value = -50;

    // Act
    const started = performance.now();
    const result = downsample(points, 1_000);
    const elapsed = performance.now() - started;

    // Assess
    expect(result.length).toBeLessThanOrEqual(1_000);
    expect(result.length).toBeGreaterThan(900);
    expect(result[0]).toBe(points[0]);
    expect(result.at(-1)).toBe(points.at(-1));
    expect(result).toContain(points[31_337]);
    expect(result).toContain(points[77_777]);
    expect(result.every((point) => points[point.step] === point)).toBe(true);
    expectInInputOrder(result);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('keeps the shape: each slice of the step range keeps its own minimum and maximum', () => {
    // Prepare
    const points = curve(10_001, (step) => Math.cos(step / 300) * step);

    // Act
    const result = downsample(points, 102);

    // Assess: 50 buckets over steps 0–10,000 are the 200-step windows; each keeps its extremes.
    for (let start = 0; start < 10_000; start += 200) {
      const window = points.slice(Math.max(1, start), Math.min(10_000, start + 200));
      const values = window.map((point) => point.value);
      const kept = result
        .filter((point) => point.step >= start && point.step < start + 200)
        .map((point) => point.value);
      expect(kept).toContain(Math.min(...values));
      expect(kept).toContain(Math.max(...values));
    }
  });

  it('preserves NaN and infinite values', () => {
    // Prepare
    const points = curve(10_000, (step) => step % 10);
    points[2_500]!.value = Number.NaN;
    points[5_000]!.value = Number.POSITIVE_INFINITY;
    points[7_500]!.value = Number.NEGATIVE_INFINITY;

    // Act
    const result = downsample(points, 100);

    // Assess
    expect(result.length).toBeLessThanOrEqual(100);
    expect(result).toContain(points[2_500]);
    expect(result).toContain(points[5_000]);
    expect(result).toContain(points[7_500]);
  });

  it('stays within budget when every bucket holds a NaN', () => {
    // Prepare
    const points = curve(10_000, (step) => (step % 7 === 0 ? Number.NaN : step % 100));

    // Act
    const result = downsample(points, 50);

    // Assess
    expect(result.length).toBeLessThanOrEqual(50);
    expect(result.filter((point) => Number.isNaN(point.value)).length).toBeGreaterThanOrEqual(24);
    expectInInputOrder(result);
  });

  it('keeps a history that is all NaN as NaN', () => {
    const points = curve(1_000, () => Number.NaN);
    const result = downsample(points, 20);
    expect(result.length).toBeLessThanOrEqual(20);
    expect(result.every((point) => Number.isNaN(point.value))).toBe(true);
  });

  it('buckets by position when every point has the same step', () => {
    // Prepare
    const points = Array.from({ length: 5_000 }, (_, i) => ({ step: 0, timestamp: i, value: i % 17 }));

    // Act
    const result = downsample(points, 40);

    // Assess
    expect(result.length).toBeLessThanOrEqual(40);
    expect(result.length).toBeGreaterThan(30);
    expectInInputOrder(result);
  });

  it('keeps the step axis when steps are uneven', () => {
    // Prepare: a dense burst at the start, then sparse steps; the sparse tail must not vanish.
    const points = [
      ...Array.from({ length: 9_000 }, (_, i) => ({ step: i, timestamp: i, value: 0 })),
      ...Array.from({ length: 1_000 }, (_, i) => ({
        step: 10_000 + i * 1_000,
        timestamp: 9_000 + i,
        value: i,
      })),
    ];

    // Act
    const result = downsample(points, 200);

    // Assess
    expect(result.length).toBeLessThanOrEqual(200);
    expect(result.filter((point) => point.step >= 10_000).length).toBeGreaterThan(150);
    expectInInputOrder(result);
  });

  it.each([2, 3])('keeps only the first and last point when maxPoints is %i', (maxPoints) => {
    const points = curve(100, (step) => step);
    expect(downsample(points, maxPoints)).toEqual([points[0], points[99]]);
  });

  it('keeps extra fields of the points it returns', () => {
    const points = curve(100, (step) => step).map((point) => ({ ...point, runId: 'r1' }));
    expect(downsample(points, 10).every((point) => point.runId === 'r1')).toBe(true);
  });

  it.each([1, 0, -5, 2.5, Number.NaN])('refuses maxPoints %d', (maxPoints) => {
    expect(() =>
      downsample(
        curve(10, (step) => step),
        maxPoints,
      ),
    ).toThrow(RangeError);
  });
});
