import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import path from 'node:path';
import { LocalCollector } from '../../src/core/linux/localCollector';
import type { Connection } from '../../src/core/model';
import { TCP_STATE_NAMES } from '../../src/core/model';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../helpers/netns';
import { REPO_ROOT, startStatesChild, type StatesChild } from '../helpers/child';
import type { ExpectedSocket } from '../helpers/tcpStates';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist/cli.js');

const key = (s: { state: string; localAddress: string; localPort: number; remoteAddress: string; remotePort: number }) =>
  `${s.state} ${s.localAddress}:${s.localPort} > ${s.remoteAddress}:${s.remotePort}`;

/** Connections touching the child's ports; other tests' sockets on this machine are ignored. */
function ours(connections: readonly Connection[], expected: readonly ExpectedSocket[]): Connection[] {
  const ports = new Set(expected.flatMap((e) => [e.localPort, e.remotePort]).filter((p) => p !== 0));
  return connections.filter((c) => ports.has(c.localPort) && (c.remotePort === 0 || ports.has(c.remotePort)));
}

describe('local collector on real sockets', { skip: process.platform !== 'linux' && 'needs Linux /proc' }, () => {
  let child: StatesChild;
  before(async () => {
    // IPv4, IPv6, and a dual-stack listener whose IPv4 peers show up as ::ffff:127.0.0.1.
    child = await startStatesChild(['127.0.0.1', '::1', '127.0.0.1@::']);
  });
  after(() => child?.stop());

  it('reports every opened socket with its state, and only those', async () => {
    const snapshot = await new LocalCollector().snapshot(undefined, { processes: true });
    const seen = ours(snapshot.connections, child.expected).map(key).sort();
    assert.deepEqual(seen, child.expected.map(key).sort());
    const states = new Set(child.expected.map((e) => e.state));
    assert.deepEqual([...states].sort(), ['CLOSE_WAIT', 'ESTABLISHED', 'FIN_WAIT2', 'LISTEN', 'TIME_WAIT']);
  });

  it('attributes owned sockets to the child process and explains TIME_WAIT has no owner', async () => {
    const snapshot = await new LocalCollector().snapshot(undefined, { processes: true });
    const byKey = new Map(ours(snapshot.connections, child.expected).map((c) => [key(c), c]));
    for (const e of child.expected) {
      const c = byKey.get(key(e));
      assert.ok(c, `missing ${key(e)}`);
      if (e.owned) {
        assert.equal(c.owner, 'known', key(e));
        assert.equal(c.pid, child.pid, key(e));
        assert.equal(c.process, 'node');
        assert.match(c.commandLine ?? '', /tcpStatesChild/);
      } else {
        assert.equal(c.inode, 0);
        assert.equal(c.owner, 'kernel');
        assert.equal(c.pid, undefined);
      }
    }
  });

  it('formats IPv6 and IPv4-mapped addresses readably', async () => {
    const snapshot = await new LocalCollector().snapshot();
    const mine = ours(snapshot.connections, child.expected);
    assert.ok(mine.some((c) => c.family === 'IPv6' && c.localAddress === '::1'));
    assert.ok(mine.some((c) => c.family === 'IPv6' && c.localAddress === '::ffff:127.0.0.1'));
    assert.ok(mine.some((c) => c.family === 'IPv4' && c.localAddress === '127.0.0.1'));
  });

  it('finds the same sockets on a warm refresh, without losing owners', async () => {
    const collector = new LocalCollector();
    await collector.snapshot(undefined, { processes: true });
    const warm = await collector.snapshot(undefined, { processes: true });
    const owned = ours(warm.connections, child.expected).filter((c) => c.inode !== 0);
    assert.ok(owned.length > 0);
    for (const c of owned) assert.equal(c.pid, child.pid);
  });

  it('counts agree with the full snapshot', async () => {
    const collector = new LocalCollector();
    const counts = await collector.counts();
    for (const state of new Set(child.expected.map((e) => e.state))) {
      const wanted = child.expected.filter((e) => e.state === state).length;
      assert.ok(counts.counts[state] >= wanted, `${state}: ${counts.counts[state]} < ${wanted}`);
    }
  });

  it("CLI list --pid prints the child's sockets as JSON", async () => {
    const { stdout } = await run(process.execPath, [CLI, 'list', '--json', '--pid', String(child.pid)]);
    const rows = JSON.parse(stdout) as (ExpectedSocket & { pid: number; process: string; family: string; inode: number; uid: number })[];
    const expectedOwned = child.expected
      .filter((e) => e.owned)
      .map(key)
      .sort();
    assert.deepEqual(rows.map(key).sort(), expectedOwned);
    for (const r of rows) {
      assert.equal(r.pid, child.pid);
      assert.equal(r.process, 'node');
      assert.ok(r.inode > 0);
      assert.equal(r.uid, process.getuid?.());
    }
  });

  it('CLI list --state filters by state and prints an aligned table', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'list', '--state', 'close_wait']);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0], /^STATE\s+AGE\s+LOCAL\s+REMOTE\s+PROCESS$/);
    const cw = child.expected.filter((e) => e.state === 'CLOSE_WAIT');
    for (const e of cw) {
      const local = e.localAddress.includes(':') ? `[${e.localAddress}]:${e.localPort}` : `${e.localAddress}:${e.localPort}`;
      const line = lines.find((l) => l.includes(` ${local} `));
      assert.ok(line, `no row for ${local}`);
      assert.match(line, new RegExp(`^CLOSE_WAIT\\s.*node \\(${child.pid}\\)$`));
    }
    assert.ok(lines.slice(1).every((l) => l.startsWith('CLOSE_WAIT')));
  });
});

describe('CLI errors', () => {
  const fails = async (args: string[]) => {
    const err = await run(process.execPath, [CLI, ...args]).then(
      () => assert.fail(`tcp-lens ${args.join(' ')} succeeded`),
      (e: { code: number; stderr: string }) => e,
    );
    return err;
  };
  for (const args of [
    ['list', '--bogus'],
    ['list', '--port', '70000'],
    ['list', '--port', 'x'],
    ['list', '--state', 'OPEN'],
    ['frobnicate'],
    ['counts', '--json=3'],
  ]) {
    it(`exits 2 with one line for: ${args.join(' ')}`, async () => {
      const { code, stderr } = await fails(args);
      assert.equal(code, 2);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /^tcp-lens: /);
    });
  }
});

describe(
  'owners that an unprivileged user cannot see',
  { skip: (process.getuid?.() !== 0 || process.platform !== 'linux') && 'needs root to drop to nobody' },
  () => {
    let child: StatesChild;
    // The checkout may sit where `nobody` cannot enter (a root-owned 0700 temp dir): run a copy of the bundle.
    let bundleDir: string;
    before(async () => {
      child = await startStatesChild(['127.0.0.1']);
      bundleDir = mkdtempSync(path.join(tmpdir(), 'tcp-lens-cli-'));
      chmodSync(bundleDir, 0o755);
      for (const file of ['cli.js', 'sockdiag.node']) {
        if (existsSync(path.join(REPO_ROOT, 'dist', file))) copyFileSync(path.join(REPO_ROOT, 'dist', file), path.join(bundleDir, file));
      }
    });
    after(() => {
      child?.stop();
      rmSync(bundleDir, { recursive: true, force: true });
    });

    it('says "owner not visible" instead of pretending the socket has no process', async () => {
      // The child runs as root; `nobody` may read /proc/net/tcp but not root's /proc/PID/fd.
      const cli = path.join(bundleDir, 'cli.js');
      const { stdout, stderr } = await run('runuser', ['-u', 'nobody', '--', process.execPath, cli, 'list', '--state', 'CLOSE_WAIT']);
      const cw = child.expected.find((e) => e.state === 'CLOSE_WAIT')!;
      const line = stdout.split('\n').find((l) => l.includes(`127.0.0.1:${cw.localPort} `));
      assert.ok(line, stdout);
      assert.match(line, /\? \(not visible\)$/);
      assert.match(stderr, /owner not visible, run with more privileges/);
    });
  },
);

describe('exact counts in a namespace of our own', { skip: !canCreateNamespaces() && 'needs root and ip netns' }, () => {
  let ns: TestNamespace;
  let child: StatesChild;
  before(async () => {
    ns = createNamespace('counts');
    child = await startStatesChild(['127.0.0.1', '::1'], ns.exec);
  });
  after(async () => {
    await child?.stop();
    ns?.remove();
  });

  it('CLI counts --json equals the sockets the test opened, state by state', async () => {
    const { stdout } = await run(ns.exec[0], [...ns.exec.slice(1), process.execPath, CLI, 'counts', '--json']);
    const result = JSON.parse(stdout) as { host: string; takenAt: string; counts: Record<string, number> };
    const wanted = Object.fromEntries(TCP_STATE_NAMES.map((s) => [s, child.expected.filter((e) => e.state === s).length]));
    assert.deepEqual(result.counts, wanted);
    assert.ok(Math.abs(Date.parse(result.takenAt) - Date.now()) < 60_000);
    assert.equal(typeof result.host, 'string');
  });

  it('CLI counts prints all eleven states as a table', async () => {
    const { stdout } = await run(ns.exec[0], [...ns.exec.slice(1), process.execPath, CLI, 'counts']);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, 12);
    assert.match(
      lines.find((l) => l.startsWith('CLOSE_WAIT'))!,
      /^CLOSE_WAIT\s+2$/,
    );
  });
});
