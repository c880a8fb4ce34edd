/** One logged value of one metric. Values may be NaN or ±Infinity: they are kept as logged. */
export interface Point {
  step: number;
  timestamp: number;
  value: number;
}

export interface KeyedPoint extends Point {
  key: string;
}

/** JSON has no NaN or Infinity; on the wire they are MLflow's strings. */
export type WireValue = number | 'NaN' | 'Infinity' | '-Infinity';

export function toWire(value: number): WireValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/**
 * The widest point JSON can spell, for budgeting answers before reading: integers print whole up
 * to 1e21, and the longest double is 24 characters.
 */
export const widestPoint: Point = { step: -1e20, timestamp: -1e20, value: -2.2250738585072014e-308 };

export function fromWire(value: WireValue): number {
  return typeof value === 'number' ? value : Number(value);
}

/**
 * MLflow's "latest" value of a metric: the highest step, then the newest timestamp, then the
 * larger value (NaN counts as larger than any number, so the choice is deterministic).
 */
export function isLater(a: Point, b: Point): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (Number.isNaN(a.value)) return !Number.isNaN(b.value);
  return a.value > b.value;
}

/** History order: by step, then timestamp, then logging order (a stable sort keeps it). */
export function byStepThenTime(a: Point, b: Point): number {
  return a.step - b.step || a.timestamp - b.timestamp;
}
