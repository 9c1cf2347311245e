import { closeSync, openSync, readSync } from 'node:fs';

/**
 * On-CPU time of the calling thread, from /proc/thread-self/schedstat (first field, ns). On a
 * busy machine a wall-clock gap in the event loop includes time the thread waited for a CPU;
 * this clock counts only the time it ran, i.e. its own work.
 */
export class ThreadClock {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(128);
  readonly available: boolean;

  constructor() {
    try {
      this.fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      this.fd = undefined;
    }
    this.available = this.fd !== undefined;
  }

  /** Milliseconds on CPU so far; NaN where the kernel does not say. */
  nowMs(): number {
    if (this.fd === undefined) return Number.NaN;
    const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    const text = this.buf.toString('latin1', 0, n);
    return Number(text.slice(0, text.indexOf(' '))) / 1e6;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
