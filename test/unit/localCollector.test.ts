import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { CollectorError } from '../../src/core/model';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (sl: number, port: string, st: string, inode: number) =>
  `${String(sl).padStart(4)}: 0100007F:${port} 0100007F:C350 ${st} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

/** A procfs-shaped folder: net/tcp, and processes whose fd links name socket inodes. */
function fakeProc(tcp: string, processes: Record<number, { comm: string; cmdline: string[]; sockets: number[] }> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'tcplens-proc-'));
  mkdirSync(path.join(root, 'net'));
  writeFileSync(path.join(root, 'net/tcp'), tcp);
  for (const [pid, p] of Object.entries(processes)) {
    mkdirSync(path.join(root, pid, 'fd'), { recursive: true });
    writeFileSync(path.join(root, pid, 'comm'), `${p.comm}\n`);
    writeFileSync(path.join(root, pid, 'cmdline'), `${p.cmdline.join('\0')}\0`);
    p.sockets.forEach((inode, i) => symlinkSync(`socket:[${inode}]`, path.join(root, pid, 'fd', String(i + 3))));
    symlinkSync('/dev/null', path.join(root, pid, 'fd', '0'));
  }
  return root;
}

describe('LocalCollector on a procfs-shaped folder', () => {
  const roots: string[] = [];
  after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  const make = (...args: Parameters<typeof fakeProc>) => {
    const r = fakeProc(...args);
    roots.push(r);
    return r;
  };

  it('reads IPv4 without a tcp6 file (IPv6 disabled) and reports malformed lines as warnings', async () => {
    const root = make(HEADER + row(0, '1F90', '0A', 11) + 'not a socket line\n' + row(2, '1F91', '08', 12));
    const snap = await new LocalCollector({ procRoot: root }).snapshot();
    assert.deepEqual(
      snap.connections.map((c) => c.state),
      ['LISTEN', 'CLOSE_WAIT'],
    );
    assert.equal(snap.warnings.length, 2);
    assert.match(snap.warnings[0], /net\/tcp: skipped 1 malformed line/);
  });

  it('attributes sockets to processes and caches the walk', async () => {
    const root = make(HEADER + row(0, '1F90', '0A', 11) + row(1, '1F91', '08', 12) + row(2, '1F92', '06', 0) + row(3, '1F93', '01', 99), {
      4242: { comm: 'node', cmdline: ['node', 'server.js'], sockets: [11, 12] },
    });
    const collector = new LocalCollector({ procRoot: root });
    const first = await collector.snapshot(undefined, { processes: true });
    const byPort = new Map(first.connections.map((c) => [c.localPort, c]));
    assert.equal(byPort.get(8080)?.pid, 4242);
    assert.equal(byPort.get(8080)?.commandLine, 'node server.js');
    assert.equal(byPort.get(8081)?.process, 'node');
    assert.equal(byPort.get(8082)?.owner, 'kernel');
    assert.equal(byPort.get(8083)?.owner, 'unresolved');
    // Nothing new in the table: the cached owner holds even though the link is gone now.
    unlinkSync(path.join(root, '4242/fd/3'));
    const warm = await collector.snapshot(undefined, { processes: true });
    assert.equal(warm.connections.find((c) => c.localPort === 8080)?.pid, 4242);
  });

  it('finds sockets of a process that appeared after the first walk', async () => {
    const root = make(HEADER + row(0, '1F90', '0A', 11), { 100: { comm: 'a', cmdline: ['a'], sockets: [11] } });
    const collector = new LocalCollector({ procRoot: root });
    await collector.snapshot(undefined, { processes: true });
    writeFileSync(path.join(root, 'net/tcp'), HEADER + row(0, '1F90', '0A', 11) + row(1, '1F91', '01', 21));
    mkdirSync(path.join(root, '200/fd'), { recursive: true });
    writeFileSync(path.join(root, '200/comm'), 'b\n');
    writeFileSync(path.join(root, '200/cmdline'), 'b\0--flag\0');
    symlinkSync('socket:[21]', path.join(root, '200/fd/5'));
    const snap = await collector.snapshot(undefined, { processes: true });
    assert.deepEqual(
      snap.connections.map((c) => [c.localPort, c.pid, c.commandLine]),
      [
        [8080, 100, 'a'],
        [8081, 200, 'b --flag'],
      ],
    );
  });

  it('fails with a clear error when /proc/net/tcp is missing', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tcplens-proc-'));
    roots.push(root);
    await assert.rejects(
      new LocalCollector({ procRoot: root }).counts(),
      (e: unknown) => e instanceof CollectorError && e.kind === 'unreadable' && /is \/proc mounted/.test(e.message),
    );
  });

  it('says which platforms are not supported yet instead of crashing', async () => {
    for (const platform of ['darwin', 'win32'] as const) {
      await assert.rejects(
        new LocalCollector({ platform }).snapshot(),
        (e: unknown) => e instanceof CollectorError && e.kind === 'unsupported-platform' && e.message.includes(platform),
      );
    }
  });

  it('stops when cancelled', async () => {
    const root = make(HEADER + row(0, '1F90', '0A', 11));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      new LocalCollector({ procRoot: root }).snapshot(controller.signal),
      (e: unknown) => e instanceof CollectorError && e.kind === 'cancelled',
    );
  });
});
