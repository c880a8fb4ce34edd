import type { Point } from './point.ts';

/**
 * A point as one fixed-width string whose text order is MLflow's "latest" order: step, then
 * timestamp, then value (NaN above everything). The run item keeps one per metric key, so that
 * DynamoDB itself can keep the newest with a condition (`latest.#k < :candidate`) instead of a
 * read-modify-write: concurrent batches of one run then never contend.
 *
 *   1 sign digit + 16 digits: the step (negative ones as 10^16 + step) | 16 digits: timestamp
 *   | 16 hex: the double's bits, made sortable
 */
const negativeBase = 10n ** 16n;
const buffer = new DataView(new ArrayBuffer(8));

export function encodeLatest(point: Point): string {
  buffer.setFloat64(0, Number.isNaN(point.value) ? Number.NaN : point.value);
  let high = buffer.getUint32(0);
  let low = buffer.getUint32(4);
  // Positive doubles: set the sign bit; negative ones: flip every bit. Unsigned order then matches.
  if (high >>> 31) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  } else {
    high = (high | 0x80000000) >>> 0;
  }
  return (
    (point.step >= 0 ? `1${String(point.step).padStart(16, '0')}` : `0${String(negativeBase + BigInt(point.step)).padStart(16, '0')}`) +
    String(point.timestamp).padStart(16, '0') +
    high.toString(16).padStart(8, '0') +
    low.toString(16).padStart(8, '0')
  );
}

export function decodeLatest(encoded: string): Point {
  let high = Number.parseInt(encoded.slice(33, 41), 16);
  let low = Number.parseInt(encoded.slice(41, 49), 16);
  if (high >>> 31) {
    high = (high & 0x7fffffff) >>> 0;
  } else {
    high = ~high >>> 0;
    low = ~low >>> 0;
  }
  buffer.setUint32(0, high);
  buffer.setUint32(4, low);
  return {
    step: encoded[0] === '1' ? Number(encoded.slice(1, 17)) : Number(BigInt(encoded.slice(1, 17)) - negativeBase),
    timestamp: Number(encoded.slice(17, 33)),
    value: buffer.getFloat64(0),
  };
}
