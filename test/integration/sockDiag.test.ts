import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import net from 'node:net';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { AddressCache } from '../../src/core/linux/procNetTcp';
import { loadSockDiag, goneInodes, readSockDiagConnections, RecordStash, type SockDiagAddon } from '../../src/core/linux/sockDiag';
import { RowIdentity } from '../../src/core/sampling/rowIdentity';
import type { Connection, StateCounts } from '../../src/core/model';
import { emptyCounts, TCP_STATE_NAMES } from '../../src/core/model';
import { REPO_ROOT, startStatesChild, tsNode, type StatesChild } from '../helpers/child';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../helpers/netns';

const run = promisify(execFile);
const ADDON = path.join(REPO_ROOT, 'dist/sockdiag.node');
const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const built = existsSync(ADDON);
const notBuilt = !built && 'dist/sockdiag.node not built (npm run build; needs a C compiler)';

/** Every field, so "row for row" covers queues, uid and inode as well as the 4-tuple. */
const row = (c: Connection) =>
  [
    c.family,
    c.state,
    `${c.localAddress}:${c.localPort}`,
    `${c.remoteAddress}:${c.remotePort}`,
    c.sendQueue,
    c.receiveQueue,
    c.uid,
    c.inode,
    c.owner,
  ].join(' ');

const tuple = (s: { state: string; localAddress: string; localPort: number; remoteAddress: string; remotePort: number }) =>
  `${s.state} ${s.localAddress}:${s.localPort} > ${s.remoteAddress}:${s.remotePort}`;

interface Tables {
  diag: Connection[];
  proc: Connection[];
  diagCounts: StateCounts;
  procCounts: StateCounts;
  warnings: string[];
}

describe('sock_diag reader in a namespace of our own', { skip: notBuilt || (!canCreateNamespaces() && 'needs root and ip netns') }, () => {
  let ns: TestNamespace;
  let child: StatesChild;
  let tables: Tables;
  before(async () => {
    ns = createNamespace('sockdiag');
    // IPv4, IPv6, and a dual-stack listener whose IPv4 peers are IPv4-mapped IPv6 sockets.
    child = await startStatesChild(['127.0.0.1', '::1', '127.0.0.1@::'], ns.exec);
    const { stdout } = await run(ns.exec[0], [...ns.exec.slice(1), ...tsNode('sockDiagTables.ts', ADDON)]);
    tables = JSON.parse(stdout) as Tables;
  });
  after(async () => {
    await child?.stop();
    ns?.remove();
  });

  it('lists exactly the sockets the test opened, in every state it made', () => {
    assert.deepEqual(tables.diag.map(tuple).sort(), child.expected.map(tuple).sort());
    const states = new Set(tables.diag.map((c) => c.state));
    assert.deepEqual([...states].sort(), ['CLOSE_WAIT', 'ESTABLISHED', 'FIN_WAIT2', 'LISTEN', 'TIME_WAIT']);
  });

  it('equals the /proc snapshot row for row, every field', () => {
    assert.equal(tables.diag.length, tables.proc.length);
    assert.deepEqual(tables.diag.map(row).sort(), tables.proc.map(row).sort());
    assert.deepEqual(tables.warnings, []);
  });

  it('formats IPv4, IPv6 and IPv4-mapped addresses as the /proc parser does', () => {
    const locals = new Set(tables.diag.map((c) => `${c.family} ${c.localAddress}`));
    for (const wanted of ['IPv4 127.0.0.1', 'IPv6 ::1', 'IPv6 ::ffff:127.0.0.1', 'IPv6 ::']) assert.ok(locals.has(wanted), wanted);
  });

  it('keeps inodes of owned sockets and 0 for TIME_WAIT', () => {
    for (const c of tables.diag) {
      if (c.state === 'TIME_WAIT') assert.equal(c.inode, 0, tuple(c));
      else assert.ok(c.inode > 0, tuple(c));
    }
  });

  it('counts state by state exactly what the test opened, as /proc does', () => {
    const wanted = Object.fromEntries(TCP_STATE_NAMES.map((s) => [s, child.expected.filter((e) => e.state === s).length]));
    assert.deepEqual(tables.diagCounts, wanted);
    assert.deepEqual(tables.procCounts, wanted);
  });
});

describe('sock_diag fallback to /proc', { skip: process.platform !== 'linux' && 'needs Linux' }, () => {
  let child: StatesChild;
  let dir: string;
  before(async () => {
    child = await startStatesChild(['127.0.0.1']);
    dir = mkdtempSync(path.join(tmpdir(), 'tcplens-sockdiag-'));
  });
  after(async () => {
    await child?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ours = <T extends { localPort: number; remotePort: number }>(rows: readonly T[]): T[] => {
    const ports = new Set(child.expected.map((e) => e.localPort));
    return rows.filter((r) => ports.has(r.localPort) && (r.remotePort === 0 || ports.has(r.remotePort)));
  };

  it('a missing addon is no problem: nothing to warn about', () => {
    const problems: string[] = [];
    assert.equal(
      loadSockDiag(path.join(dir, 'absent.node'), (why) => problems.push(why)),
      undefined,
    );
    assert.deepEqual(problems, []);
  });

  it('the CLI bundled without the addon lists the same sockets as with it', { skip: notBuilt }, async () => {
    // A copy of the bundle in a directory with no sockdiag.node beside it: the .vsix or npm
    // package of a machine that had no compiler.
    copyFileSync(CLI, path.join(dir, 'cli.js'));
    const list = async (cli: string) => {
      const { stdout, stderr } = await run(process.execPath, [cli, 'list', '--json', '--pid', String(child.pid)]);
      assert.equal(stderr, '');
      return (JSON.parse(stdout) as Connection[]).map(tuple).sort();
    };
    const withAddon = await list(CLI);
    assert.deepEqual(await list(path.join(dir, 'cli.js')), withAddon);
    assert.deepEqual(
      withAddon,
      child.expected
        .filter((e) => e.owned)
        .map(tuple)
        .sort(),
    );
  });

  it('an addon that cannot be loaded is reported once, and /proc is read instead', { skip: notBuilt }, async () => {
    // An addon built for another platform or truncated on copy: the bundle must still work.
    const broken = mkdtempSync(path.join(dir, 'broken-'));
    copyFileSync(CLI, path.join(broken, 'cli.js'));
    writeFileSync(path.join(broken, 'sockdiag.node'), 'not an ELF object');
    const { stdout, stderr } = await run(process.execPath, [path.join(broken, 'cli.js'), 'list', '--json', '--pid', String(child.pid)]);
    const warnings = stderr.trim().split('\n');
    assert.equal(warnings.length, 1, stderr);
    assert.match(warnings[0], /^warning: cannot load .*sockdiag\.node: .*; reading \/proc\/net\/tcp instead from now on\.$/);
    const rows = (JSON.parse(stdout) as Connection[]).map(tuple).sort();
    assert.deepEqual(
      rows,
      child.expected
        .filter((e) => e.owned)
        .map(tuple)
        .sort(),
    );
  });

  it('a kernel that refuses the two-family request is read family by family, still over sock_diag', { skip: notBuilt }, async () => {
    const real = loadSockDiag(ADDON)!;
    const families: number[] = [];
    // Fake: this kernel takes TCPDIAG_GETSOCK; one that did not would refuse it like this.
    const refusing: SockDiagAddon = {
      recordSize: real.recordSize,
      open: (family, states, info) => {
        families.push(family);
        if (family === 0) throw Object.assign(new Error('sock_diag dump: Invalid argument'), { code: 'ESOCKDIAG' });
        return real.open(family, states, info);
      },
      read: (handle, max) => real.read(handle, max),
      close: (handle) => real.close(handle),
    };
    const collector = new LocalCollector({ sockDiag: refusing });
    const snapshot = await collector.snapshot();
    assert.deepEqual(snapshot.warnings, []);
    const viaProc = await new LocalCollector({ sockDiag: false }).snapshot();
    assert.deepEqual(ours(snapshot.connections).map(row).sort(), ours(viaProc.connections).map(row).sort());
    const closeWait = ours(snapshot.connections).find((c) => c.state === 'CLOSE_WAIT')!;
    assert.equal(closeWait.ageSource, 'kernel');
    await collector.snapshot();
    // First snapshot: the table (refused, then per family), then tcp_info for its new CLOSE_WAIT;
    // the second finds no new socket to date: the table alone.
    assert.deepEqual(families, [0, 4, 6, 4, 6, 4, 6], 'asked once, then family by family');
  });

  it('a dump that fails mid-way falls back to /proc, says why once, and stays on /proc', { skip: notBuilt }, async () => {
    const real = loadSockDiag(ADDON)!;
    let reads = 0;
    // Fake: a netlink error after the first batch cannot be provoked on purpose in a test.
    const failing: SockDiagAddon = {
      recordSize: real.recordSize,
      open: (family, states, info) => real.open(family, states, info),
      read: (handle, max) => {
        if (++reads > 1) throw Object.assign(new Error('recv(sock_diag): No buffer space available'), { code: 'ESOCKDIAG' });
        return real.read(handle, Math.min(max, 2));
      },
      close: (handle) => real.close(handle),
    };
    const collector = new LocalCollector({ sockDiag: failing });
    const first = await collector.snapshot();
    assert.equal(first.warnings.length, 1);
    assert.match(first.warnings[0], /sock_diag failed \(recv\(sock_diag\): No buffer space available\); reading \/proc\/net\/tcp instead/);
    const viaProc = await new LocalCollector({ sockDiag: false }).snapshot();
    assert.deepEqual(ours(first.connections).map(row).sort(), ours(viaProc.connections).map(row).sort());
    assert.equal(ours(first.connections).length, child.expected.length);
    // Ages from /proc text: observed from this first look on (TIME_WAIT keeps its timer).
    const closeWait = ours(first.connections).find((c) => c.state === 'CLOSE_WAIT')!;
    assert.deepEqual([closeWait.ageSource, closeWait.ageIsLowerBound], ['observed', true]);
    const readsBefore = reads;
    const second = await collector.snapshot();
    assert.deepEqual(second.warnings, []);
    assert.equal(reads, readsBefore, 'the failed reader is not asked again');
    assert.equal((await collector.counts()).counts.CLOSE_WAIT >= 1, true);
  });
});

describe('sock_diag exact lookup of new sockets', { skip: notBuilt }, () => {
  it('says a new socket is gone once it closed, and not before', async () => {
    const addon = loadSockDiag(ADDON)!;
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const rows = new RowIdentity<number>();
    const fresh = new RecordStash();
    const look = async () => {
      const out: Connection[] = [];
      await readSockDiagConnections(addon, new AddressCache(), out, rows, emptyCounts(), undefined, fresh);
      rows.finish();
      return out.filter((c) => c.localPort === port || c.remotePort === port);
    };
    try {
      await look();
      const client = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => client.once('connect', resolve));
      const ours = (await look()).filter((c) => c.state === 'ESTABLISHED');
      assert.equal(ours.length, 2);
      const inodes = ours.map((c) => c.inode);
      assert.deepEqual(goneInodes(addon, fresh, inodes), []);
      // A socket this look did not find new is never said gone: nothing to ask the kernel with.
      assert.deepEqual(goneInodes(addon, fresh, [1]), []);
      const local = ours.find((c) => c.localPort === client.localPort)!;
      client.destroy();
      await new Promise((resolve) => client.once('close', resolve));
      // The client's side is TIME_WAIT (no file) or gone: either way no process holds it.
      assert.ok(goneInodes(addon, fresh, inodes).includes(local.inode));
    } finally {
      server.close();
    }
  });
});
