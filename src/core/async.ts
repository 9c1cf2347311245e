import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CollectorError } from './model';

/**
 * Lets long synchronous loops give the event loop back every `budgetMs`, so a snapshot of
 * 100,000 sockets never blocks the extension host for long.
 */
export class TimeSlicer {
  private sliceStart = performance.now();

  constructor(
    private readonly budgetMs = 15,
    private readonly signal?: AbortSignal,
  ) {}

  async maybeYield(): Promise<void> {
    if (performance.now() - this.sliceStart < this.budgetMs) return;
    await yieldToEventLoop();
    throwIfAborted(this.signal);
    this.sliceStart = performance.now();
  }
}

/** A turn of the event loop between two stages of work on a whole table. */
export function nextTurn(): Promise<void> {
  return yieldToEventLoop();
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CollectorError('cancelled', 'The refresh was cancelled.');
}

/** Waits `ms` or until `signal` aborts; leaves no listener behind either way. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}
