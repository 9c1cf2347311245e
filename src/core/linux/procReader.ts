import { closeSync, openSync, readSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { throwIfAborted } from '../async';

const CHUNK = 256 * 1024;

/**
 * Consumes a chunk of bytes and returns how many it used: the rest (an unfinished line) is
 * handed back at the start of the next chunk. `final` says no more bytes follow.
 */
export type ChunkConsumer = (buf: Buffer, end: number, final: boolean) => number;

/**
 * Streams a /proc text file in fixed chunks. /proc files report size 0, so the whole file is
 * never sized up front. Each chunk is read synchronously and the event loop gets a turn between
 * chunks: on libuv's thread pool the same reads of /proc/net/tcp cost about 75 % more CPU
 * (measured with 50,000 sockets: 131 ms against 74 ms, `cat` 80 ms), while one 256 KB read
 * plus its parse holds the loop for a few milliseconds only.
 * Resolves false when the file does not exist (e.g. /proc/net/tcp6 with IPv6 disabled).
 */
export async function streamProcFile(path: string, consume: ChunkConsumer, signal?: AbortSignal): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0;
    for (;;) {
      throwIfAborted(signal);
      if (filled === buf.length) {
        // A line longer than the buffer: grow instead of failing.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const bytesRead = readSync(fd, buf, filled, buf.length - filled, null);
      const final = bytesRead === 0;
      filled += bytesRead;
      const used = consume(buf, filled, final);
      if (final) return true;
      if (used > 0) {
        buf.copy(buf, 0, used, filled);
        filled -= used;
      }
      await yieldToEventLoop();
    }
  } finally {
    closeSync(fd);
  }
}
