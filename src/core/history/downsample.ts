import { STATE_COUNT, type SampleRing } from './sampleRing';
import type { SeriesBlock } from './types';

function emptyBlock(): SeriesBlock {
  return { t: [], values: Array.from({ length: STATE_COUNT }, () => []) };
}

function pushRow(block: SeriesBlock, ring: SampleRing, i: number): void {
  block.t.push(ring.timeAt(i));
  for (let s = 0; s < STATE_COUNT; s++) block.values[s].push(ring.countAt(i, s));
}

/**
 * The samples in `[from, to]`, at most about `2 * maxBuckets` rows. Longer ranges are cut into
 * buckets of equal sample count; each bucket yields two rows (its first and last time) holding,
 * for every state, its minimum and maximum in the order they happened. So a one-sample spike
 * survives any zoom level, which averaging or picking every n-th sample would lose.
 */
export function downsampleMinMax(ring: SampleRing, from: number, to: number, maxBuckets: number): SeriesBlock {
  const block = emptyBlock();
  const first = ring.indexAtOrAfter(from);
  const end = ring.indexAtOrAfter(to + 1e-3);
  const n = end - first;
  if (n <= 0) return block;
  if (n <= 2 * maxBuckets) {
    for (let i = first; i < end; i++) pushRow(block, ring, i);
    return block;
  }
  const bucketSize = Math.ceil(n / maxBuckets);
  const minAt = new Int32Array(STATE_COUNT);
  const maxAt = new Int32Array(STATE_COUNT);
  for (let b = first; b < end; b += bucketSize) {
    const last = Math.min(b + bucketSize, end) - 1;
    minAt.fill(b);
    maxAt.fill(b);
    for (let i = b + 1; i <= last; i++) {
      for (let s = 0; s < STATE_COUNT; s++) {
        const v = ring.countAt(i, s);
        if (v < ring.countAt(minAt[s], s)) minAt[s] = i;
        if (v > ring.countAt(maxAt[s], s)) maxAt[s] = i;
      }
    }
    block.t.push(ring.timeAt(b));
    if (last > b) block.t.push(ring.timeAt(last));
    for (let s = 0; s < STATE_COUNT; s++) {
      const [early, late] = minAt[s] <= maxAt[s] ? [minAt[s], maxAt[s]] : [maxAt[s], minAt[s]];
      block.values[s].push(ring.countAt(early, s));
      if (last > b) block.values[s].push(ring.countAt(late, s));
    }
  }
  return block;
}
