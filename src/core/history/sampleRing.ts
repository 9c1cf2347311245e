import type { StateCounts } from '../model';
import { TCP_STATE_NAMES } from '../model';

/** Number of count columns per sample, in {@link TCP_STATE_NAMES} order. */
export const STATE_COUNT = TCP_STATE_NAMES.length;

/** Counts as one ring row, in {@link TCP_STATE_NAMES} order. */
export function countsRow(counts: StateCounts): number[] {
  return TCP_STATE_NAMES.map((name) => counts[name]);
}

/** Bytes one sample takes: a Float64 time and one Uint32 per state. */
export const BYTES_PER_SAMPLE = 8 + 4 * STATE_COUNT;

const INITIAL_CAPACITY = 1024;

/**
 * Samples `{t, counts}` of one host in time order, in typed arrays so memory is exactly
 * {@link BYTES_PER_SAMPLE} per slot and never more than `maxCapacity` slots. When full, the
 * oldest sample is overwritten. Capacity grows by doubling, so a short history stays small.
 */
export class SampleRing {
  private times: Float64Array;
  private counts: Uint32Array;
  private start = 0;
  private size = 0;

  constructor(readonly maxCapacity: number) {
    if (!Number.isInteger(maxCapacity) || maxCapacity < 1)
      throw new RangeError(`maxCapacity must be a positive integer, got ${maxCapacity}`);
    const capacity = Math.min(INITIAL_CAPACITY, maxCapacity);
    this.times = new Float64Array(capacity);
    this.counts = new Uint32Array(capacity * STATE_COUNT);
  }

  get length(): number {
    return this.size;
  }

  /** Bytes held by the typed arrays now (at most `maxCapacity * BYTES_PER_SAMPLE`). */
  get bytes(): number {
    return this.times.byteLength + this.counts.byteLength;
  }

  /**
   * Appends a sample (`row` from {@link countsRow}). A time earlier than the newest sample means the clock went back: the
   * samples after it are dropped so the ring stays ordered for binary search. Returns how many
   * were dropped that way.
   */
  push(t: number, row: ArrayLike<number>): number {
    const before = this.size;
    while (this.size > 0 && this.timeAt(this.size - 1) > t) this.size--;
    const clockBack = before - this.size;
    if (this.size === this.times.length) {
      if (this.size < this.maxCapacity) this.grow();
      else this.dropFirst(1);
    }
    const slot = (this.start + this.size) % this.times.length;
    this.times[slot] = t;
    const base = slot * STATE_COUNT;
    for (let s = 0; s < STATE_COUNT; s++) this.counts[base + s] = Math.max(0, Math.round(row[s] ?? 0));
    this.size++;
    return clockBack;
  }

  /** Time (ms since epoch) of the i-th oldest sample. */
  timeAt(i: number): number {
    return this.times[(this.start + i) % this.times.length];
  }

  /** Count of state column `s` in the i-th oldest sample. */
  countAt(i: number, s: number): number {
    return this.counts[((this.start + i) % this.times.length) * STATE_COUNT + s];
  }

  /** Index of the first sample at or after `t` (`length` when there is none). */
  indexAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timeAt(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes samples older than `t` (retention). */
  dropBefore(t: number): void {
    this.dropFirst(this.indexAtOrAfter(t));
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  private dropFirst(n: number): void {
    const k = Math.min(n, this.size);
    this.start = (this.start + k) % this.times.length;
    this.size -= k;
  }

  private grow(): void {
    const capacity = Math.min(this.maxCapacity, this.times.length * 2);
    const times = new Float64Array(capacity);
    const counts = new Uint32Array(capacity * STATE_COUNT);
    for (let i = 0; i < this.size; i++) {
      const slot = (this.start + i) % this.times.length;
      times[i] = this.times[slot];
      counts.set(this.counts.subarray(slot * STATE_COUNT, (slot + 1) * STATE_COUNT), i * STATE_COUNT);
    }
    this.times = times;
    this.counts = counts;
    this.start = 0;
  }
}
