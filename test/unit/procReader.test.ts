import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { streamProcFile } from '../../src/core/linux/procReader';
import { CollectorError } from '../../src/core/model';

/** Splits what the reader hands over into lines, keeping an unfinished one as the parser does. */
function lineCollector(lines: string[]) {
  return (buf: Buffer, end: number, final: boolean): number => {
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0 || nl >= end) break;
      lines.push(buf.toString('latin1', start, nl));
      start = nl + 1;
    }
    if (final && start < end) {
      lines.push(buf.toString('latin1', start, end));
      return end;
    }
    return start;
  };
}

describe('streamProcFile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tcp-lens-reader-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('hands over every line once and in order across many chunks, including one longer than a chunk', async () => {
    const expected: string[] = [];
    for (let i = 0; i < 30_000; i++) expected.push(`${i}: ${'x'.repeat(i % 160)}`);
    expected.splice(12_345, 0, 'y'.repeat(700_000));
    const file = path.join(dir, 'big');
    writeFileSync(file, `${expected.join('\n')}\nlast line without newline`);
    const lines: string[] = [];
    assert.equal(await streamProcFile(file, lineCollector(lines)), true);
    assert.deepEqual(lines, [...expected, 'last line without newline']);
  });

  it('resolves false for a missing file', async () => {
    assert.equal(await streamProcFile(path.join(dir, 'missing'), () => 0), false);
  });

  it('stops with a cancelled error when aborted between chunks', async () => {
    const file = path.join(dir, 'abort');
    writeFileSync(file, 'line\n'.repeat(200_000));
    const controller = new AbortController();
    let calls = 0;
    const consume = (_buf: Buffer, end: number): number => {
      if (++calls === 2) controller.abort();
      return end;
    };
    await assert.rejects(
      streamProcFile(file, consume, controller.signal),
      (err: unknown) => err instanceof CollectorError && err.kind === 'cancelled',
    );
    assert.equal(calls, 2);
  });
});
