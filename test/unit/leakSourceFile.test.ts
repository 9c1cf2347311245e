import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readSourceFile } from '../../src/analysis/sourceFile';

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
});
