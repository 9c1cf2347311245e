import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { after, afterEach, describe, it } from 'node:test';
import { closeConnection, socketsMatching } from '../../src/core/linux/closeConnection';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { identifySocketOwner, readStartTime, signalProcess, type ProcessIdentity } from '../../src/core/linux/processIdentity';
import type { Connection } from '../../src/core/model';
import { tsNode } from '../helpers/child';
import { startJsonProcess, type Started } from '../helpers/processes';

const linuxSkip = process.platform !== 'linux' && 'needs Linux /proc';
const rootSkip = process.getuid?.() !== 0 && 'needs root (ss -K, ns_last_pid)';

interface Holder {
  started: Started;
  pid: number;
  port: number;
  clientPort: number;
  /** Sends a command and waits for the state it reports. */
  send(command: 'relisten' | 'reconnect'): Promise<{ port: number; clientPort: number }>;
}

async function startHolder(): Promise<Holder> {
  const started = await startJsonProcess(tsNode('socketHolderChild.ts'));
  const { pid, port, clientPort } = started.hello as { pid: number; port: number; clientPort: number };
  return {
    started,
    pid,
    port,
    clientPort,
    async send(command) {
      started.child.stdin!.write(`${command}\n`);
      for (let i = 0; i < 500; i++) {
        const done = started
          .output()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { done?: string; port: number; clientPort: number })
          .find((l) => l.done === command);
        if (done) return done;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`holder did not finish ${command}`);
    },
  };
}

async function rows(filter: (c: Connection) => boolean): Promise<Connection[]> {
  return (await new LocalCollector().snapshot()).connections.filter(filter);
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

describe('Terminate checks the pid is still the process that held the socket', { skip: linuxSkip }, () => {
  const holders: Holder[] = [];
  afterEach(async () => {
    for (const h of holders.splice(0)) await h.started.stop();
  });

  it('signals the process that holds the socket', async () => {
    const h = await startHolder();
    holders.push(h);
    const [listener] = await rows((c) => c.state === 'LISTEN' && c.localPort === h.port);
    const owner = await identifySocketOwner(h.pid, listener.inode);
    assert.ok(owner.ok, JSON.stringify(owner));
    assert.equal(owner.identity.startTime, await readStartTime(h.pid));
    assert.deepEqual(await signalProcess(owner.identity, 'SIGTERM', listener.inode), { sent: true });
    await exited(h.started.child);
    assert.equal(h.started.child.signalCode, 'SIGTERM');
  });

  it("refuses when the process no longer holds the row's socket (its inode changed)", async () => {
    const h = await startHolder();
    holders.push(h);
    const [listener] = await rows((c) => c.state === 'LISTEN' && c.localPort === h.port);
    const owner = await identifySocketOwner(h.pid, listener.inode);
    assert.ok(owner.ok);
    await h.send('relisten');
    const now = await identifySocketOwner(h.pid, listener.inode);
    assert.equal(now.ok, false);
    assert.match(!now.ok ? now.reason : '', /no longer holds this socket/);
    const sent = await signalProcess(owner.identity, 'SIGTERM', listener.inode);
    assert.equal(sent.sent, false);
    assert.equal(h.started.child.exitCode, null);
    assert.equal(h.started.child.signalCode, null);
  });

  it(
    'refuses a pid that was given to another process (same pid, other start time), for SIGTERM and for SIGKILL',
    { skip: rootSkip },
    async () => {
      const h = await startHolder();
      const inode = (await rows((c) => c.state === 'LISTEN' && c.localPort === h.port))[0].inode;
      const owner = await identifySocketOwner(h.pid, inode);
      assert.ok(owner.ok);
      const stale: ProcessIdentity = owner.identity;
      await h.started.stop();
      // Hand the same pid to a new process: the kernel gives out ns_last_pid + 1 next.
      let reused: ChildProcess | undefined;
      for (let attempt = 0; attempt < 50 && !reused; attempt++) {
        writeFileSync('/proc/sys/kernel/ns_last_pid', String(stale.pid - 1));
        const candidate = spawn('sleep', ['30'], { stdio: 'ignore' });
        if (candidate.pid === stale.pid) reused = candidate;
        else {
          candidate.kill('SIGKILL');
          await exited(candidate);
        }
      }
      assert.ok(reused, `pid ${stale.pid} could not be reused`);
      try {
        // What Terminate checked before: kill(pid, 0) succeeds, so the new process would have been signalled.
        assert.doesNotThrow(() => process.kill(stale.pid, 0));
        assert.notEqual(await readStartTime(stale.pid), stale.startTime);
        assert.equal((await identifySocketOwner(stale.pid, inode)).ok, false);
        const term = await signalProcess(stale, 'SIGTERM', inode);
        assert.equal(term.sent, false);
        const killed = await signalProcess(stale, 'SIGKILL');
        assert.equal(killed.sent, false);
        assert.match(!killed.sent ? killed.reason : '', /pid now belongs to another program/);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(reused.exitCode, null, 'the new process was signalled');
        assert.equal(reused.signalCode, null, 'the new process was signalled');
      } finally {
        reused.kill('SIGKILL');
        await exited(reused);
      }
    },
  );
});

describe("Close (ss -K) checks the socket is still the row's", { skip: linuxSkip || rootSkip }, () => {
  let h: Holder;
  after(() => h?.started.stop());

  it('a 4-tuple taken by a new socket is reported stale and the new socket survives; the fresh row closes', async () => {
    h = await startHolder();
    const mine = (c: Connection) => c.state === 'ESTABLISHED' && c.localPort === h.clientPort && c.remotePort === h.port;
    const [old] = await rows(mine);
    assert.ok(old, 'the client end of the connection');
    await h.send('reconnect');
    const [fresh] = await rows(mine);
    assert.ok(fresh, 'the new connection on the same 4-tuple');
    assert.notEqual(fresh.inode, old.inode);

    // What the extension did before: the tuple is still there, so "it exists".
    const tupleExists = async () => (await rows(mine)).length > 0;
    const stale = await closeConnection(old, tupleExists);
    assert.equal(stale.closed, false);
    assert.match(!stale.closed ? stale.reason : '', /out of date/);
    const still = await socketsMatching(fresh);
    assert.deepEqual(still, { inodes: [fresh.inode] }, 'the new socket was destroyed');

    assert.deepEqual(await closeConnection(fresh), { closed: true });
    assert.deepEqual(await socketsMatching(fresh), { inodes: [] });
  });

  it('a row whose socket is gone is reported stale, nothing is closed', async () => {
    const [listenerOfOther] = await rows((c) => c.state === 'LISTEN' && c.localPort === h.port);
    const gone: Connection = { ...listenerOfOther, state: 'ESTABLISHED', remoteAddress: '127.0.0.1', remotePort: 9, inode: 1 };
    const result = await closeConnection(gone);
    assert.equal(result.closed, false);
    assert.match(!result.closed ? result.reason : '', /no longer there/);
  });
});
