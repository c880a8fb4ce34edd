import { metricValueJson } from './metric-values.ts';

const initialCapacity = 1024;

/**
 * The metric points a run has logged and not yet sent: a ring of typed arrays (key index, value,
 * timestamp, step; 28 bytes a point), so logging allocates nothing per point and memory is bounded.
 * It grows by doubling up to `limit` points; when full, the oldest point makes room for the new
 * one and is counted in `dropped`.
 *
 * Points are numbered in logging order: `head` is the number of the oldest point still held,
 * `tail` the number the next point will get. Sent and dropped points both lie below `head`.
 */
export class PointBuffer {
  readonly limit: number;
  head = 0;
  tail = 0;
  dropped = 0;
  private mask: number;
  private keys: Uint32Array;
  private values: Float64Array;
  private timestamps: Float64Array;
  private steps: Float64Array;

  constructor(limit: number) {
    this.limit = Math.max(1, Math.floor(limit));
    const capacity = Math.min(initialCapacity, 2 ** Math.ceil(Math.log2(this.limit)));
    this.mask = capacity - 1;
    this.keys = new Uint32Array(capacity);
    this.values = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.steps = new Float64Array(capacity);
  }

  get size(): number {
    return this.tail - this.head;
  }

  push(key: number, value: number, timestamp: number, step: number): void {
    const size = this.tail - this.head;
    if (size > this.mask) {
      if (size < this.limit) this.grow();
      else {
        this.head++;
        this.dropped++;
      }
    } else if (size >= this.limit) {
      this.head++;
      this.dropped++;
    }
    const slot = this.tail & this.mask;
    this.keys[slot] = key;
    this.values[slot] = value;
    this.timestamps[slot] = timestamp;
    this.steps[slot] = step;
    this.tail++;
  }

  /**
   * Removes the `count` oldest points and returns them as the JSON array the batch endpoint takes.
   * `keyJson[k]` is key `k` already JSON-encoded, so each point costs a few string appends.
   */
  takeJson(count: number, keyJson: readonly string[]): string {
    let json = '[';
    for (let i = 0; i < count; i++) {
      const slot = (this.head + i) & this.mask;
      if (i > 0) json += ',';
      json += `{"key":${keyJson[this.keys[slot]!]},"value":${metricValueJson(this.values[slot]!)},"timestamp":${this.timestamps[slot]},"step":${this.steps[slot]}}`;
    }
    this.head += count;
    return `${json}]`;
  }

  private grow(): void {
    const oldMask = this.mask;
    const capacity = (oldMask + 1) * 2;
    const keys = new Uint32Array(capacity);
    const values = new Float64Array(capacity);
    const timestamps = new Float64Array(capacity);
    const steps = new Float64Array(capacity);
    for (let seq = this.head; seq < this.tail; seq++) {
      const from = seq & oldMask;
      const to = seq & (capacity - 1);
      keys[to] = this.keys[from]!;
      values[to] = this.values[from]!;
      timestamps[to] = this.timestamps[from]!;
      steps[to] = this.steps[from]!;
    }
    this.mask = capacity - 1;
    this.keys = keys;
    this.values = values;
    this.timestamps = timestamps;
    this.steps = steps;
  }
}
