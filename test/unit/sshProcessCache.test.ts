import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection } from '../../src/core/model';
import { RemoteProcessCache } from '../../src/core/ssh/remoteProcesses';
import type { RequestKind, Sections } from '../../src/core/ssh/sshSession';

/**
 * The cache's decisions (which processes to walk when) driven by a host model answering in the
 * remote script's formats; the real script and sshd are exercised by test/integration/ssh*.test.ts.
 * A socket that closes between the table read and the fd walk is hard to time for real.
 */
function host(fds: Map<number, number[]>, info: Map<number, [string, string]>) {
  const requests: string[] = [];
  const walk = (pids: number[]) => pids.flatMap((p) => (fds.has(p) ? [`P ${p}`, ...fds.get(p)!.map(String)] : [])).join('\n');
  const request = async (line: RequestKind): Promise<Sections> => {
    requests.push(line);
    const [kind, ...args] = line.split(' ');
    const pids = args.map(Number);
    if (kind === 'F') return new Map([['FD', Buffer.from(walk([...fds.keys()]))]]);
    if (kind === 's') return new Map([['FD', Buffer.from(walk(pids))]]);
    const text = pids.flatMap((p) => (info.has(p) ? [`C ${p} ${info.get(p)![0]}`, `A ${p} ${info.get(p)![1]}`] : [])).join('\n');
    return new Map([['INFO', Buffer.from(text)]]);
  };
  return { requests, request };
}

const socket = (inode: number): Connection => ({
  family: 'IPv4',
  localAddress: '127.0.0.1',
  localPort: inode,
  remoteAddress: '0.0.0.0',
  remotePort: 0,
  state: 'LISTEN',
  sendQueue: 0,
  receiveQueue: 0,
  uid: 0,
  inode,
  owner: 'unresolved',
});

describe('remote process cache', () => {
  it('walks everything once, then only new processes and owners; a lone unknown socket waits one refresh for a full walk', async () => {
    const fds = new Map([
      [1, [] as number[]],
      [10, [100]],
      [20, [200]],
    ]);
    const info = new Map<number, [string, string]>([
      [10, ['nginx', 'nginx: master\tprocess']],
      [20, ['node', 'node ' + 'x'.repeat(2000)]],
      [1, ['init', '']],
      [30, ['curl', 'curl -s x']],
    ]);
    const h = host(fds, info);
    const cache = new RemoteProcessCache();
    const live = () => new Set(fds.keys());
    const refresh = async (inodes: number[]) => {
      h.requests.length = 0;
      const rows = inodes.map(socket);
      await cache.attribute(rows, live(), h.request, 'web');
      return rows;
    };

    let rows = await refresh([100, 200]);
    assert.deepEqual(h.requests, ['F', 'i 10 20']);
    assert.deepEqual([rows[0].pid, rows[0].process, rows[0].commandLine], [10, 'nginx', 'nginx: master process']);
    assert.equal(rows[1].commandLine!.length, 1001, 'bounded, with an ellipsis');

    rows = await refresh([100, 200]);
    assert.deepEqual(h.requests, [], 'nothing new, nothing asked');
    assert.equal(rows[1].process, 'node');

    // A short-lived socket gone before the walk: owners are walked, the full walk waits.
    rows = await refresh([100, 200, 300]);
    assert.deepEqual(h.requests, ['s 10 20']);
    assert.equal(rows[2].owner, 'unresolved');
    // Still there one refresh later, and held by an old process that owned nothing before.
    fds.set(1, [300]);
    rows = await refresh([100, 200, 300]);
    assert.deepEqual(h.requests, ['s 10 20', 'F', 'i 1']);
    assert.deepEqual([rows[2].pid, rows[2].process, rows[2].commandLine], [1, 'init', '[init]']);

    // A new process: only it is walked, and its info fetched.
    fds.set(30, [400]);
    rows = await refresh([100, 200, 300, 400]);
    assert.deepEqual(h.requests, ['s 30', 'i 30']);
    assert.equal(rows[3].commandLine, 'curl -s x');

    // The owner exits and its pid is gone: its socket is no longer attributed to it.
    fds.delete(10);
    rows = await refresh([100]);
    assert.equal(rows[0].pid, undefined);
  });
});
