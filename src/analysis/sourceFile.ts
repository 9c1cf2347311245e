import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { MAX_ANALYZED_BYTES } from './analyzer';

export type SourceRead = { text: string; notes: string[] } | { skipped: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');
/** Byte-order marks of the UTF-16 files some Windows editors save (C#, Java); their text holds NUL bytes. */
const UTF16_BOMS = [
  { bytes: [0xff, 0xfe], decoder: new TextDecoder('utf-16le', { fatal: true }), name: 'UTF-16 LE' },
  { bytes: [0xfe, 0xff], decoder: new TextDecoder('utf-16be', { fatal: true }), name: 'UTF-16 BE' },
];

/**
 * Reads a source file for the leak analyzer without ever throwing: too large (checked before
 * reading, so a huge file costs no memory), binary, or unreadable files come back as `skipped`
 * with the reason. Text is decoded by {@link decodeSource}. Used by the language server's workspace
 * scan and by `tcp-lens leaks`.
 */
export async function readSourceFile(file: string): Promise<SourceRead> {
  let handle;
  try {
    // The type is checked before opening: opening a FIFO for reading waits for a writer for ever.
    const kind = fileKind(await stat(file));
    if (kind !== 'file') return { skipped: `not a regular file (${kind})` };
    // Non-blocking, and checked again on the handle: the path may have been swapped meanwhile.
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const { size, isFile } = await handle.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile) return { skipped: 'not a regular file' };
    if (size > MAX_ANALYZED_BYTES) return { skipped: `larger than ${MAX_ANALYZED_BYTES / 1024 / 1024} MB` };
    return decodeSource(await handle.readFile());
  } catch (err) {
    return { skipped: `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  } finally {
    await handle?.close();
  }
}

/**
 * The text of a source file's bytes: UTF-16 when it starts with that byte-order mark (the mark
 * dropped, as editors do, so positions match theirs), else UTF-8 (a UTF-8 mark dropped too), else
 * Latin-1 with a note. NUL bytes anywhere else mean a binary file.
 */
export function decodeSource(bytes: Uint8Array): SourceRead {
  const bom = UTF16_BOMS.find((b) => bytes[0] === b.bytes[0] && bytes[1] === b.bytes[1]);
  if (bom) {
    try {
      return { text: bom.decoder.decode(bytes), notes: [] };
    } catch {
      return { skipped: `not valid ${bom.name} after its byte-order mark` };
    }
  }
  if (bytes.includes(0)) return { skipped: 'binary content' };
  try {
    return { text: utf8.decode(bytes), notes: [] };
  } catch {
    return { text: latin1.decode(bytes), notes: ['not valid UTF-8: read as Latin-1'] };
  }
}

/** What a path is, in the words an error message uses. */
export function fileKind(info: {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (info.isFile()) return 'file';
  if (info.isDirectory()) return 'directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a file';
}
