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

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CollectorError('cancelled', 'The refresh was cancelled.');
}
