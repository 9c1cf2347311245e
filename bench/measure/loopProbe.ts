import { ThreadClock } from './threadClock';

/** What one operation cost the event loop and the heap while it ran. */
export interface LoopCost {
  /**
   * Longest time the event loop could not run anything else because of the operation's own
   * work, in ms: the main thread's CPU time within the longest-running gap between loop turns.
   */
  longestBlockMs: number;
  /** Longest wall-clock gap between loop turns; above the block when the machine is busy. */
  longestGapMs: number;
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
  const clock = new ThreadClock();
  gc?.();
  const base = heapUsed();
  let peak = base;
  let longestGap = 0;
  let longestBlock = 0;
  let lastWall = performance.now();
  let lastCpu = clock.nowMs();
  let running = true;
  const tick = (): void => {
    const wall = performance.now();
    const cpu = clock.nowMs();
    longestGap = Math.max(longestGap, wall - lastWall);
    longestBlock = Math.max(longestBlock, clock.available ? cpu - lastCpu : wall - lastWall);
    lastWall = wall;
    lastCpu = cpu;
    peak = Math.max(peak, heapUsed());
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const result = await operation();
    running = false;
    tick();
    gc?.();
    const retained = heapUsed() - base;
    return {
      cost: {
        longestBlockMs: longestBlock,
        longestGapMs: longestGap,
        peakHeapBytes: gc ? peak - base : Number.NaN,
        retainedHeapBytes: gc ? Math.max(0, retained) : Number.NaN,
      },
      result,
    };
  } finally {
    running = false;
    clock.close();
  }
}
