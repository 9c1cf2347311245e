import { open } from 'node:fs/promises';
import { throwIfAborted } from '../async';

const CHUNK = 256 * 1024;

/**
 * Consumes a chunk of bytes and returns how many it used: the rest (an unfinished line) is
 * handed back at the start of the next chunk. `final` says no more bytes follow.
 */
export type ChunkConsumer = (buf: Buffer, end: number, final: boolean) => number;

/**
 * Streams a /proc text file in fixed chunks. /proc files report size 0, so the whole file is
 * never sized up front; awaiting each read gives the event loop back between chunks. The next
 * chunk is read (on libuv's thread pool, where the kernel formats the text) while this one is
 * parsed, so the two overlap instead of adding up.
 * Resolves false when the file does not exist (e.g. /proc/net/tcp6 with IPv6 disabled).
 */
export async function streamProcFile(path: string, consume: ChunkConsumer, signal?: AbortSignal): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const chunks = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let current = 0;
  let pending: Promise<{ bytesRead: number }> | undefined = handle.read(chunks[current], 0, CHUNK, null);
  // The unfinished line of the previous chunk, followed by the new chunk.
  let work = Buffer.allocUnsafe(CHUNK * 2);
  let filled = 0;
  try {
    for (;;) {
      throwIfAborted(signal);
      const { bytesRead } = await pending!;
      pending = undefined;
      const chunk = chunks[current];
      const final = bytesRead === 0;
      if (!final) {
        current ^= 1;
        pending = handle.read(chunks[current], 0, CHUNK, null);
      }
      if (filled + bytesRead > work.length) {
        // A line longer than a chunk: grow instead of failing.
        const bigger = Buffer.allocUnsafe((filled + bytesRead) * 2);
        work.copy(bigger, 0, 0, filled);
        work = bigger;
      }
      chunk.copy(work, filled, 0, bytesRead);
      filled += bytesRead;
      const used = consume(work, filled, final);
      if (final) return true;
      if (used > 0) {
        work.copy(work, 0, used, filled);
        filled -= used;
      }
    }
  } finally {
    // A read still in flight (cancelled, or the consumer threw) must end before the close.
    await pending?.catch(() => undefined);
    await handle.close();
  }
}
