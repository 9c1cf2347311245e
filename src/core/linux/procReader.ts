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
 * never sized up front; awaiting each read gives the event loop back between chunks.
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
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
      const final = bytesRead === 0;
      filled += bytesRead;
      const used = consume(buf, filled, final);
      if (final) return true;
      if (used > 0) {
        buf.copy(buf, 0, used, filled);
        filled -= used;
      }
    }
  } finally {
    await handle.close();
  }
}
