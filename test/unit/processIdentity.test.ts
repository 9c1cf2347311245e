import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { inodesOfSsOutput } from '../../src/core/linux/closeConnection';
import { holdsSocket, identifySocketOwner, parseStat, readStartTime } from '../../src/core/linux/processIdentity';

/** A /proc/PID/stat line with the given command name; fields 3.. as the kernel prints them. */
function statLine(pid: number, comm: string, state = 'S', startTime = '4242424'): string {
  const after = [
    state,
    '1',
    pid,
    pid,
    '0',
    '-1',
    '4194560',
    '100',
    '0',
    '0',
    '0',
    '5',
    '3',
    '0',
    '0',
    '20',
    '0',
    '1',
    '0',
    startTime,
    '1000',
    '200',
  ];
  return `${pid} (${comm}) ${after.join(' ')} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n`;
}

const root = mkdtempSync(path.join(tmpdir(), 'tcp-lens-proc-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('process identity from /proc/PID/stat', () => {
  it('reads field 22 after a command name with spaces, parentheses and fake fields', () => {
    for (const comm of ['node', 'a b', 'x) R 1 2 3', ') (', 'evil) Z 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1']) {
      assert.deepEqual(parseStat(statLine(77, comm)), { state: 'S', startTime: '4242424' }, comm);
    }
    assert.equal(parseStat('77 (truncated'), undefined);
    assert.equal(parseStat('77 (x) S 1 2'), undefined);
  });

  it('treats a zombie as exited, and finds a socket among the fds', async () => {
    const proc = (pid: number, comm: string, state: string, fds: Record<string, string>) => {
      mkdirSync(path.join(root, String(pid), 'fd'), { recursive: true });
      writeFileSync(path.join(root, String(pid), 'stat'), statLine(pid, comm, state));
      for (const [fd, target] of Object.entries(fds)) symlinkSync(target, path.join(root, String(pid), 'fd', fd));
    };
    proc(10, 'srv) S 1', 'S', { '0': '/dev/null', '3': 'socket:[555]', '4': 'socket:[5555]' });
    proc(11, 'gone', 'Z', {});
    assert.equal(await readStartTime(10, root), '4242424');
    assert.equal(await readStartTime(11, root), undefined);
    assert.equal(await readStartTime(12, root), undefined);
    assert.equal(await holdsSocket(10, 555, root), true);
    assert.equal(await holdsSocket(10, 55, root), false);
    assert.deepEqual(await identifySocketOwner(10, 5555, root), { ok: true, identity: { pid: 10, startTime: '4242424' } });
    assert.equal((await identifySocketOwner(10, 556, root)).ok, false);
    assert.equal((await identifySocketOwner(11, 555, root)).ok, false);
    assert.equal((await identifySocketOwner(10, 0, root)).ok, false);
  });
});

describe('ss -e output', () => {
  it('takes the inode of each socket line, 0 for lines without one, and skips the header', () => {
    const out = [
      'Recv-Q Send-Q Local Address:Port  Peer Address:Port Process',
      '0      0          127.0.0.1:47496    127.0.0.1:34533 ino:84495 sk:10ec cgroup:/ <->',
      '0      0          127.0.0.1:47497    127.0.0.1:34533 timer:(timewait,59sec,0)',
      '',
    ].join('\n');
    assert.deepEqual(inodesOfSsOutput(out), [84495, 0]);
  });
});
