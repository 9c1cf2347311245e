/** What one operation cost the event loop and the heap while it ran. */
export interface LoopCost {
  /** Longest time the event loop could not run anything else, in ms. */
  longestBlockMs: number;
  /** Highest heap use above the level before the operation, in bytes. */
  peakHeapBytes: number;
  /** Heap still used by the operation's result after a full GC, in bytes. */
  retainedHeapBytes: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/**
 * Runs `operation` once while a setImmediate ticker measures the gaps between its turns: the
 * longest gap is the longest stretch the operation held the loop. Needs `node --expose-gc` for
 * the heap figures (they are NaN without it).
 */
export async function probeLoop<T>(operation: () => Promise<T>): Promise<{ cost: LoopCost; result: T }> {
  gc?.();
  const base = heapUsed();
  let peak = base;
  let longest = 0;
  let last = performance.now();
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    peak = Math.max(peak, heapUsed());
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await operation();
  running = false;
  tick();
  gc?.();
  const retained = heapUsed() - base;
  return {
    cost: {
      longestBlockMs: longest,
      peakHeapBytes: gc ? peak - base : Number.NaN,
      retainedHeapBytes: gc ? retained : Number.NaN,
    },
    result,
  };
}
