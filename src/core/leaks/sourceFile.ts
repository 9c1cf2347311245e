import { open } from 'node:fs/promises';
import { MAX_ANALYZED_BYTES } from './analyzer';

export type SourceRead = { text: string; notes: string[] } | { skipped: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * Reads a source file for the leak analyzer without ever throwing: too large (checked before
 * reading, so a huge file costs no memory), binary, or unreadable files come back as `skipped`
 * with the reason. Text that is not UTF-8 is read as Latin-1 so lines and most columns still
 * line up. Used by the language server's workspace scan and by `tcp-lens leaks`.
 */
export async function readSourceFile(file: string): Promise<SourceRead> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size, isFile } = await handle.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile) return { skipped: 'not a regular file' };
    if (size > MAX_ANALYZED_BYTES) return { skipped: `larger than ${MAX_ANALYZED_BYTES / 1024 / 1024} MB` };
    const bytes = await handle.readFile();
    if (bytes.includes(0)) return { skipped: 'binary content' };
    try {
      return { text: utf8.decode(bytes), notes: [] };
    } catch {
      return { text: latin1.decode(bytes), notes: ['not valid UTF-8: read as Latin-1'] };
    }
  } catch (err) {
    return { skipped: `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  } finally {
    await handle?.close();
  }
}
