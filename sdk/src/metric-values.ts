import type { RunRecord } from './types.ts';

/**
 * JSON has no NaN or infinities, so metric values travel as the strings `"NaN"`, `"Infinity"` and
 * `"-Infinity"` in both directions. These convert at the SDK's edge; callers only see numbers.
 */

/** A metric value as a JSON literal, ready to splice into a request body. */
export function metricValueJson(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return value > 0 ? '"Infinity"' : value < 0 ? '"-Infinity"' : '"NaN"';
}

export function metricValueFromWire(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  // A server that sends a numeric string is still understood; anything else becomes NaN, visibly.
  return Number(value);
}

export function pointsFromWire<T extends { value: unknown }>(
  points: readonly T[],
): (T & { value: number })[] {
  for (const point of points) (point as { value: unknown }).value = metricValueFromWire(point.value);
  return points as (T & { value: number })[];
}

export function runFromWire(run: RunRecord): RunRecord {
  for (const key in run.metrics) {
    const latest = run.metrics[key]!;
    latest.value = metricValueFromWire(latest.value);
  }
  return run;
}

/** `JSON.stringify` replacer for output meant for scripts (the CLI's `--json`): wire form again. */
export function nonFiniteAsString(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}
