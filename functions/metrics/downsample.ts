import type { Point } from './point.ts';

/**
 * Thins a metric history for a chart without flattening it: the step range is cut into equal
 * buckets and each bucket keeps its lowest and highest value, so spikes and dips survive where
 * every-nth sampling would drop them. The first and last points are always kept, and the result
 * never exceeds `maxPoints`; a history already that short comes back as the same array. `points`
 * must be sorted by step (then timestamp); one pass, O(n).
 *
 * Non-finite values are kept as logged: ±Infinity is a natural minimum or maximum, and a bucket
 * that holds a NaN keeps its first NaN too. When that third point would break the budget, the
 * bucket drops whichever extreme lies nearer the previous kept value (the one a chart misses least).
 */
export function downsample<P extends Point>(points: P[], maxPoints: number): P[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new RangeError(`maxPoints must be an integer of at least 2, got ${maxPoints}`);
  }
  const count = points.length;
  if (count <= maxPoints) return points;
  const first = points[0]!;
  const last = points[count - 1]!;
  const buckets = Math.floor((maxPoints - 2) / 2);
  if (buckets === 0) return [first, last];

  const span = last.step - first.step;
  const byStep = Number.isFinite(span) && span > 0;
  const interior = count - 2;
  const lowest = new Int32Array(buckets).fill(-1);
  const highest = new Int32Array(buckets).fill(-1);
  const nan = new Int32Array(buckets).fill(-1);
  const lowValue = new Float64Array(buckets);
  const highValue = new Float64Array(buckets);

  let bucket = 0;
  for (let i = 1; i < count - 1; i += 1) {
    const point = points[i]!;
    const raw = byStep ? ((point.step - first.step) * buckets) / span : ((i - 1) * buckets) / interior;
    // Never step backwards, so the output stays in input order even if steps are out of order.
    bucket = Math.min(buckets - 1, Math.max(bucket, Math.floor(raw) || 0));
    const value = point.value;
    if (Number.isNaN(value)) {
      if (nan[bucket] === -1) nan[bucket] = i;
      continue;
    }
    if (lowest[bucket] === -1 || value < lowValue[bucket]!) {
      lowest[bucket] = i;
      lowValue[bucket] = value;
    }
    if (highest[bucket] === -1 || value > highValue[bucket]!) {
      highest[bucket] = i;
      highValue[bucket] = value;
    }
  }

  // Each bucket holds at most two extremes, so only NaN buckets can overshoot the budget.
  let kept = 2;
  for (let b = 0; b < buckets; b += 1)
    kept += new Set([lowest[b], highest[b], nan[b]].filter((i) => i !== -1)).size;
  let excess = Math.max(0, kept - maxPoints);

  const result: P[] = [first];
  for (let b = 0; b < buckets; b += 1) {
    let low = lowest[b]!;
    let high = highest[b]!;
    const withNaN = nan[b]!;
    if (excess > 0 && withNaN !== -1 && low !== -1 && low !== high) {
      const previous = result[result.length - 1]!.value;
      if (Math.abs(previous - lowValue[b]!) > Math.abs(previous - highValue[b]!)) high = -1;
      else low = -1;
      excess -= 1;
    }
    const indices = [...new Set([low, high, withNaN])].filter((i) => i !== -1).sort((x, y) => x - y);
    for (const i of indices) result.push(points[i]!);
  }
  result.push(last);
  return result;
}
