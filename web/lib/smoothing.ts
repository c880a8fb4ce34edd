/**
 * TensorBoard's debiased exponential moving average: weight 0 leaves the series as it is, 0.99
 * smooths hard. Debiasing keeps the first points from being dragged towards zero. Gaps (null,
 * NaN) are carried over without breaking the average.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return value === null ? null : value;
    last = last * weight + (1 - weight) * value;
    count++;
    return last / (1 - weight ** count);
  });
}
