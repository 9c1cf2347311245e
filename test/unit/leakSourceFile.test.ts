import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeSource, readSourceFile } from '../../src/analysis/sourceFile';

describe('readSourceFile (src/analysis/sourceFile.ts)', () => {
  it('skips a FIFO (directly or through a symlink) without opening it, and reads a regular file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tcp-lens-source-'));
    try {
      const fifo = path.join(dir, 'pipe.py');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      symlinkSync(fifo, path.join(dir, 'link.py'));
      writeFileSync(path.join(dir, 'ok.py'), 'import socket\n');
      // A blocking open would never settle: the race turns that into a failure instead of a hang.
      const within = <T>(p: Promise<T>) =>
        Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('hung on the FIFO')), 5000).unref())]);
      assert.deepEqual(await within(readSourceFile(fifo)), { skipped: 'not a regular file (a FIFO)' });
      assert.deepEqual(await within(readSourceFile(path.join(dir, 'link.py'))), { skipped: 'not a regular file (a FIFO)' });
      assert.deepEqual(await readSourceFile(path.join(dir, 'ok.py')), { text: 'import socket\n', notes: [] });
      assert.deepEqual(await readSourceFile(dir), { skipped: 'not a regular file (directory)' });
      assert.match(((await readSourceFile(path.join(dir, 'missing.py'))) as { skipped: string }).skipped, /unreadable: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads UTF-16 files by their byte-order mark, drops a UTF-8 mark, and still skips binary content', () => {
    const text = 'import socket\ns = socket.socket()  # café\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    assert.deepEqual(decodeSource(le), { text, notes: [] });
    assert.deepEqual(decodeSource(be), { text, notes: [] });
    assert.deepEqual(decodeSource(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])), { text, notes: [] });
    // A lone surrogate is no text: a clear skip, not a crash.
    assert.deepEqual(decodeSource(Buffer.from([0xff, 0xfe, 0x00, 0xd8, 0x61, 0x00])), {
      skipped: 'not valid UTF-16 LE after its byte-order mark',
    });
    assert.deepEqual(decodeSource(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00])), { skipped: 'binary content' });
    assert.deepEqual(decodeSource(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])), {
      text: 'caf\u00e9\n',
      notes: ['not valid UTF-8: read as Latin-1'],
    });
  });
});
