// SYN_RECV for real: a listener owned by `nobody` in a namespace of our own gets a SYN from an
// address nobody owns (raw socket), answers into a veth with no one behind it, and keeps the
// half-open connection. Both readers (sock_diag and /proc text) and the CLI must show it.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Connection } from '../../src/core/model';
import { REPO_ROOT, tsNode } from '../helpers/child';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../helpers/netns';

const run = promisify(execFile);
const ADDON = path.join(REPO_ROOT, 'dist/sockdiag.node');
const SERVER = '10.99.0.1';
const NOBODY_UID = 65534;

interface Tables {
  diag: Connection[];
  proc: Connection[];
}

function hasRunuser(): boolean {
  try {
    execFileSync('runuser', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip =
  (!canCreateNamespaces() && 'needs root and ip netns') ||
  (!hasRunuser() && 'needs runuser') ||
  (!existsSync(ADDON) && 'dist/sockdiag.node not built');

describe('a half-open connection (SYN_RECV) in a namespace of our own', { skip }, () => {
  let ns: TestNamespace;
  let listener: ChildProcess | undefined;
  let port = 0;

  before(async () => {
    ns = createNamespace('synrecv');
    const ip = (...args: string[]) => execFileSync(ns.exec[0], [...ns.exec.slice(1), 'ip', ...args]);
    ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip('link', 'set', 'v0', 'up');
    ip('link', 'set', 'v1', 'up');
    ip('addr', 'add', `${SERVER}/24`, 'dev', 'v0');
    // The spoofed source arrives on loopback; reverse-path filtering would drop it.
    for (const dev of ['all', 'default', 'lo', 'v0'])
      execFileSync(ns.exec[0], [...ns.exec.slice(1), 'sysctl', '-qw', `net.ipv4.conf.${dev}.rp_filter=0`]);
    listener = spawn(ns.exec[0], [
      ...ns.exec.slice(1),
      'runuser',
      '-u',
      'nobody',
      '--',
      process.execPath,
      '-e',
      `const s = require('node:net').createServer().listen(0, '${SERVER}', () => console.log(s.address().port)); setTimeout(() => process.exit(0), 60000);`,
    ]);
    port = await new Promise<number>((resolve, reject) => {
      listener!.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      listener!.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
    });
    execFileSync(ns.exec[0], [
      ...ns.exec.slice(1),
      'python3',
      path.join(REPO_ROOT, 'test/helpers/sendSyn.py'),
      '10.99.0.2',
      SERVER,
      '40000',
      String(port),
    ]);
  });

  after(() => {
    listener?.kill('SIGKILL');
    ns?.remove();
  });

  async function tables(): Promise<Tables> {
    const { stdout } = await run(ns.exec[0], [...ns.exec.slice(1), ...tsNode('sockDiagTables.ts', ADDON)]);
    return JSON.parse(stdout) as Tables;
  }

  it("both readers list it as SYN_RECV, held by the kernel, with the listener's uid", async () => {
    const { diag, proc } = await tables();
    for (const [name, rows] of [
      ['sock_diag', diag],
      ['/proc', proc],
    ] as const) {
      const half = rows.filter((c) => c.state === 'SYN_RECV');
      assert.equal(half.length, 1, `${name}: one SYN_RECV row`);
      assert.equal(
        `${half[0].localAddress}:${half[0].localPort} ${half[0].remoteAddress}:${half[0].remotePort}`,
        `${SERVER}:${port} 10.99.0.2:40000`,
      );
      assert.equal(half[0].inode, 0, `${name}: no file descriptor`);
      assert.equal(half[0].owner, 'kernel');
      assert.equal(half[0].uid, NOBODY_UID, `${name}: uid of the listener it arrived on`);
    }
  });

  it('the CLI counts it and says no process holds it', async () => {
    const cli = path.join(REPO_ROOT, 'dist/cli.js');
    const counts = JSON.parse((await run(ns.exec[0], [...ns.exec.slice(1), process.execPath, cli, 'counts', '--json'])).stdout) as {
      counts: Record<string, number>;
    };
    assert.equal(counts.counts.SYN_RECV, 1);
    assert.equal(counts.counts.LISTEN, 1);
    const listed = (await run(ns.exec[0], [...ns.exec.slice(1), process.execPath, cli, 'list', '--state', 'syn_recv'])).stdout;
    // STATE, AGE (the kernel keeps no age for SYN_RECV: "-"), LOCAL, REMOTE, PROCESS.
    assert.match(listed, new RegExp(`SYN_RECV\\s+-\\s+${SERVER.replace(/\./g, '\\.')}:${port}\\s+10\\.99\\.0\\.2:40000\\s+- \\(kernel\\)`));
  });
});
