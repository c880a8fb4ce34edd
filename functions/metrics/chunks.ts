/**
 * The binary layout of one metric chunk: many points of one or more keys in one DynamoDB item,
 * written once. About 10 bytes a point (a float64 value, delta-encoded varint step and timestamp),
 * where one item per point would cost a whole write unit each.
 *
 *   u8 version | varint series
 *   per series: varint keyBytes | key (utf-8) | varint n | n × zigzag varint Δstep
 *               | n × zigzag varint Δtimestamp | n × float64 LE value
 *
 * Steps and timestamps are safe integers (the API refuses others), but the delta of two of them
 * reaches ±(2^54 - 2) and its zigzag form 2^55, past what a double holds exactly. The layout has no
 * width limit, so such values are written and read with BigInt arithmetic: the same varint, just
 * longer. Ordinary data never leaves the double path, and its bytes are what they always were.
 */

export interface Series {
  steps: number[];
  timestamps: number[];
  values: number[];
}

const version = 1;

/** Above this magnitude, `2 × |delta|` is no longer a safe integer, so zigzag goes through BigInt. */
const maxDoubleZigzag = 2 ** 52 - 1;

class Writer {
  bytes = new Uint8Array(1024);
  length = 0;

  ensure(extra: number) {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number) {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  /** Unsigned varint for safe integers (arithmetic, since bit operators stop at 32 bits). */
  varint(value: number) {
    this.ensure(8);
    let rest = value;
    while (rest >= 0x80) {
      this.bytes[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[this.length++] = rest;
  }

  /** The same varint for any non-negative integer. */
  bigVarint(value: bigint) {
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80n) {
      this.bytes[this.length++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.bytes[this.length++] = Number(rest);
  }

  /** Zigzag: 0, -1, 1, -2 … as 0, 1, 2, 3 …, so small deltas of either sign take one byte. */
  signed(value: number | bigint) {
    if (typeof value === 'number' && Math.abs(value) <= maxDoubleZigzag) {
      this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
      return;
    }
    const big = BigInt(value);
    this.bigVarint(big >= 0n ? big * 2n : -big * 2n - 1n);
  }

  /** `value - previous`, exact: as a number when it is a safe integer, else as a BigInt. */
  delta(value: number, previous: number) {
    const delta = value - previous;
    this.signed(Number.isSafeInteger(delta) ? delta : BigInt(value) - BigInt(previous));
  }

  raw(bytes: Uint8Array) {
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  float64s(values: number[]) {
    this.ensure(values.length * 8);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.length, values.length * 8);
    for (let index = 0; index < values.length; index++) view.setFloat64(index * 8, values[index]!, true);
    this.length += values.length * 8;
  }
}

class Reader {
  offset = 0;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** A varint: a number while it is exact (seven groups, 49 bits), a BigInt past that. */
  varint(): number | bigint {
    let value = 0;
    let scale = 1;
    for (let groups = 0; groups < 7; groups++) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    let big = BigInt(value);
    for (let shift = 49n; ; shift += 7n) {
      const byte = this.byte();
      big |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return big;
    }
  }

  /** A count or a length: always small. */
  size(): number {
    const value = this.varint();
    if (typeof value !== 'number') throw new Error('metric chunk has an impossible length');
    return value;
  }

  signed(): number | bigint {
    const raw = this.varint();
    if (typeof raw === 'number') return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    return raw % 2n === 0n ? raw / 2n : -(raw + 1n) / 2n;
  }

  /** `previous` plus the next delta, exact. */
  next(previous: number): number {
    const delta = this.signed();
    if (typeof delta === 'number') {
      const sum = previous + delta;
      if (Number.isSafeInteger(sum)) return sum;
    }
    return Number(BigInt(previous) + BigInt(delta));
  }

  private byte(): number {
    const byte = this.bytes[this.offset++];
    if (byte === undefined) throw new Error('metric chunk is truncated');
    return byte;
  }

  take(length: number): Uint8Array {
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeChunk(series: Map<string, Series>): Uint8Array {
  const out = new Writer();
  out.byte(version);
  out.varint(series.size);
  for (const [key, { steps, timestamps, values }] of series) {
    const name = encoder.encode(key);
    out.varint(name.length);
    out.raw(name);
    out.varint(steps.length);
    let previous = 0;
    for (const step of steps) {
      out.delta(step, previous);
      previous = step;
    }
    previous = 0;
    for (const timestamp of timestamps) {
      out.delta(timestamp, previous);
      previous = timestamp;
    }
    out.float64s(values);
  }
  return out.bytes.slice(0, out.length);
}

/** Decodes a chunk; with `only`, skips the values of every other key. */
export function decodeChunk(bytes: Uint8Array, only?: ReadonlySet<string>): Map<string, Series> {
  const input = new Reader(bytes);
  if (bytes[0] !== version) throw new Error(`unknown metric chunk version ${bytes[0]}`);
  input.offset = 1;
  const result = new Map<string, Series>();
  const count = input.size();
  for (let s = 0; s < count; s++) {
    const key = decoder.decode(input.take(input.size()));
    const n = input.size();
    const wanted = !only || only.has(key);
    const steps: number[] = [];
    const timestamps: number[] = [];
    let previous = 0;
    for (let i = 0; i < n; i++) {
      previous = input.next(previous);
      if (wanted) steps.push(previous);
    }
    previous = 0;
    for (let i = 0; i < n; i++) {
      previous = input.next(previous);
      if (wanted) timestamps.push(previous);
    }
    const raw = input.take(n * 8);
    if (!wanted) continue;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values: number[] = new Array(n);
    for (let i = 0; i < n; i++) values[i] = view.getFloat64(i * 8, true);
    result.set(key, { steps, timestamps, values });
  }
  return result;
}
