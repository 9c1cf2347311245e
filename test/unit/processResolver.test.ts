// Process attribution from what changed (issue 17): a new socket is found where the kernel put its
// descriptor, also on the number of a file the process closed meanwhile. A /proc of symlinks on
// tmpfs stands in for the kernel's: there too the fd directory's size grows with its entries.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import nodeFs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as net from 'node:net';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ProcessResolver } from '../../src/core/linux/processes';
import type { Connection } from '../../src/core/model';

const SHM = '/dev/shm';
const skip = !fs.existsSync(SHM) && 'needs a tmpfs at /dev/shm';

function row(inode: number, remotePort: number): Connection {
  return {
    family: 'IPv4',
    localAddress: '127.0.0.1',
    localPort: 8080,
    remoteAddress: '127.0.0.1',
    remotePort,
    state: 'ESTABLISHED',
    sendQueue: 0,
    receiveQueue: 0,
    uid: 0,
    inode,
    owner: 'unresolved',
  };
}

/** The paths of every descriptor link read while `work` runs, whichever way the resolver imports readlinkSync. */
async function linksReadDuring(work: () => Promise<unknown>): Promise<string[]> {
  const read: string[] = [];
  const readlink = nodeFs.readlinkSync;
  nodeFs.readlinkSync = ((file: fs.PathLike, options?: unknown) => {
    read.push(String(file));
    return readlink(file, options as fs.EncodingOption);
  }) as typeof readlink;
  syncBuiltinESMExports();
  try {
    await work();
  } finally {
    nodeFs.readlinkSync = readlink;
    syncBuiltinESMExports();
  }
  return read;
}

describe('process attribution from what changed', { skip }, () => {
  const root = skip ? '' : fs.mkdtempSync(path.join(SHM, 'tcp-lens-proc-'));
  after(() => root && fs.rmSync(root, { recursive: true, force: true }));
  const fd = (pid: number, n: number, target: string) => {
    fs.rmSync(path.join(root, String(pid), 'fd', String(n)), { force: true });
    fs.symlinkSync(target, path.join(root, String(pid), 'fd', String(n)));
  };
  /** A process named `comm` with `links` as its descriptors 0, 1, …; null leaves a number free. */
  const fakeProcess = (pid: number, comm: string, cmdline: string, links: (string | null)[]) => {
    fs.mkdirSync(path.join(root, String(pid), 'fd'), { recursive: true });
    fs.writeFileSync(path.join(root, String(pid), 'comm'), `${comm}\n`);
    fs.writeFileSync(path.join(root, String(pid), 'cmdline'), cmdline);
    links.forEach((t, n) => t !== null && fd(pid, n, t));
  };

  it('finds a new socket on a free number, past the highest, and where a closed file was', async () => {
    fakeProcess(4242, 'server', 'server\0--port\x008080\0', [
      '/dev/null',
      'pipe:[7]',
      'socket:[1001]',
      '/var/log/server.log',
      'socket:[1002]',
    ]);
    const resolver = new ProcessResolver(root);
    const first = [row(1001, 50001), row(1002, 50002)];
    await resolver.attribute(first);
    assert.deepEqual(
      first.map((c) => `${c.owner} ${c.pid} ${c.process}`),
      ['known 4242 server', 'known 4242 server'],
    );

    // The socket at 2 closes; the log file at 3 is closed and a socket takes its number, another
    // takes 2, a third goes past the highest.
    fs.rmSync(path.join(root, '4242', 'fd', '2'));
    fd(4242, 3, 'socket:[1003]');
    fd(4242, 2, 'socket:[1004]');
    fd(4242, 5, 'socket:[1005]');
    const added = [row(1003, 50003), row(1004, 50004), row(1005, 50005)];
    const table = [first[1], ...added];
    await resolver.attribute(table, undefined, { added, removed: [first[0]], since: undefined });
    assert.deepEqual(
      table.map((c) => `${c.inode} ${c.owner} ${c.pid}`),
      ['1002 known 4242', '1003 known 4242', '1004 known 4242', '1005 known 4242'],
    );
  });

  it('reads no more descriptors for a new socket the kernel says is gone, and walks for it if it stays', async () => {
    fakeProcess(4343, 'client', 'client\0', ['/dev/null', '/var/log/client.log', 'socket:[2001]']);
    const resolver = new ProcessResolver(root);
    const first = [row(2001, 51001)];
    await resolver.attribute(first);
    // A socket where the log file was: only the deep look (every non-socket descriptor) finds it.
    fd(4343, 1, 'socket:[2002]');
    const added = [row(2002, 51002)];
    const asked: number[][] = [];
    const gone = (inodes: Iterable<number>) => {
      asked.push([...inodes]);
      return [...inodes];
    };
    await resolver.attribute([first[0], ...added], undefined, { added, removed: [], since: undefined }, gone);
    assert.deepEqual(asked, [[2002]]);
    assert.equal(added[0].owner, 'unresolved');
    // Wrongly said gone, it is still listed at the next call: a walk finds it.
    await resolver.attribute([first[0], ...added], undefined, { added: [], removed: [], since: undefined }, () => []);
    assert.equal(`${added[0].owner} ${added[0].pid}`, 'known 4343');
  });

  it('reads no descriptor of a process that changed nothing, however many gaps its numbers have', async () => {
    // An idle daemon: descriptors 0 and 9, 1-8 free since before the first look.
    // Descriptor 9 is a socket of another table (a unix socket): no row claims it.
    fakeProcess(4545, 'daemon', 'daemon\0', ['/dev/null', null, null, null, null, null, null, null, null, 'socket:[3999]']);
    fakeProcess(4646, 'server', 'server\0', ['/dev/null', '/var/log/server.log', 'socket:[3001]']);
    const resolver = new ProcessResolver(root);
    const first = [row(3001, 52001)];
    await resolver.attribute(first);
    // The server rotates its log (closed, reopened past the highest number) and accepts a
    // connection on the old number: only a look at all its descriptors finds it. The daemon has
    // nothing to do with either.
    fd(4646, 3, '/var/log/server.log');
    fd(4646, 1, 'socket:[3002]');
    const added = [row(3002, 52002)];
    const read = await linksReadDuring(() =>
      resolver.attribute([first[0], ...added], undefined, { added, removed: [], since: undefined }, () => []),
    );
    assert.equal(`${added[0].owner} ${added[0].pid}`, 'known 4646');
    assert.deepEqual(
      read.filter((file) => file.includes('/4545/')),
      [],
      'the daemon is not looked at',
    );
  });
});

/** Sizes of /proc/PID/fd are open counts here (Linux ≥ 6.2): the shallow look can be told how many are new. */
const countsKnown = (() => {
  try {
    return fs.statSync('/proc/self/fd').size > 0;
  } catch {
    return false;
  }
})();

/**
 * A Node child running `script` (given the port of a loopback server in `PORT`), which prints
 * descriptor numbers, space-separated, one line per event; a line on its stdin is its cue.
 */
async function socketChild(script: string) {
  const server = net.createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const child = spawn(process.execPath, ['-e', `const PORT = ${port};\n${script}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = child.stdout!.setEncoding('utf8');
  return {
    pid: child.pid!,
    nextLine: () => new Promise<number[]>((resolve) => lines.once('data', (t: string) => resolve(t.trim().split(' ').map(Number)))),
    cue: () => child.stdin!.write('\n'),
    inodeOf: (fd: number) => Number(/socket:\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${child.pid}/fd/${fd}`))![1]),
    stop: () => {
      child.kill();
      server.close();
    },
  };
}

describe('process attribution on this machine’s /proc', { skip: !countsKnown && 'needs Linux ≥ 6.2 (open counts in /proc/PID/fd)' }, () => {
  it('finds a new socket above a number freed after it was opened, in the same refresh', async () => {
    // No free number below the highest, two connections; on its cue a third connection (past the
    // highest, where the kernel puts it), then the first one closes: its number is free, but the
    // new socket is above it.
    const child = await socketChild(
      `const fs = require('fs'), net = require('net');
       const open = new Set(fs.readdirSync('/proc/self/fd').map(Number));
       for (let i = 0; i < Math.max(...open); i++) if (!open.has(i)) fs.openSync('/dev/null', 'r');
       const conns = [];
       const connect = (then) => { const s = net.connect(PORT, '127.0.0.1', () => { conns.push(s); then(s); }); };
       connect(() => connect(() => process.stdout.write(conns.map((s) => s._handle.fd).join(' ') + '\\n')));
       process.stdin.on('data', () => connect((s) => { conns[0].destroy(); setTimeout(() => process.stdout.write(s._handle.fd + '\\n'), 50); }));`,
    );
    try {
      const [fdA, fdB] = await child.nextLine();
      const first = [row(child.inodeOf(fdA), 1), row(child.inodeOf(fdB), 2)];
      const resolver = new ProcessResolver();
      await resolver.attribute(first);
      assert.deepEqual(
        first.map((c) => `${c.owner} ${c.pid}`),
        [`known ${child.pid}`, `known ${child.pid}`],
      );

      child.cue();
      const [fdC] = await child.nextLine();
      assert.ok(fdC > fdB && fdA < fdB, `the premise: the new socket (${fdC}) is above the freed number (${fdA})`);
      const added = [row(child.inodeOf(fdC), 3)];
      await resolver.attribute([first[1], ...added], undefined, { added, removed: [first[0]], since: undefined }, () => []);
      assert.equal(`${added[0].owner} ${added[0].pid}`, `known ${child.pid}`, 'found without waiting for a walk at the next refresh');
    } finally {
      child.stop();
    }
  });

  it('finds a new socket of a process with a hundred free numbers by reading only the lowest of them', async () => {
    // A process like a browser: many descriptors opened, every other one closed again, and one
    // connection. On its cue it opens another connection, as the kernel numbers it.
    const child = await socketChild(
      `const fs = require('fs'), net = require('net');
       const connect = () => { const s = net.connect(PORT, '127.0.0.1', () => process.stdout.write(s._handle.fd + '\\n')); };
       const files = [];
       for (let i = 0; i < 200; i++) files.push(fs.openSync('/dev/null', 'r'));
       for (let i = 0; i < files.length; i += 2) fs.closeSync(files[i]);
       connect();
       process.stdin.on('data', connect);`,
    );
    try {
      const first = row(child.inodeOf((await child.nextLine())[0]), 1);
      const resolver = new ProcessResolver();
      await resolver.attribute([first]);
      assert.equal(`${first.owner} ${first.pid}`, `known ${child.pid}`);

      child.cue();
      const [fd] = await child.nextLine();
      const added = [row(child.inodeOf(fd), 2)];
      const read = await linksReadDuring(() =>
        resolver.attribute([first, ...added], undefined, { added, removed: [], since: undefined }, () => []),
      );
      assert.equal(`${added[0].owner} ${added[0].pid}`, `known ${child.pid}`);
      const ofChild = read.filter((file) => file.startsWith(`/proc/${child.pid}/fd/`));
      assert.ok(ofChild.includes(`/proc/${child.pid}/fd/${fd}`), `the socket's own descriptor ${fd} is read`);
      assert.ok(ofChild.length <= 20, `${ofChild.length} links of the child read, of about 100 free numbers`);
    } finally {
      child.stop();
    }
  });
});
