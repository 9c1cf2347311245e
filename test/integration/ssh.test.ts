import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Connection, CollectorErrorKind } from '../../src/core/model';
import { CollectorError, countStates } from '../../src/core/model';
import { InvalidHostError, parseHostString } from '../../src/core/ssh/hostString';
import { SshCollector } from '../../src/core/ssh/sshCollector';
import { REPO_ROOT, startStatesChild, tsNode, type StatesChild } from '../helpers/child';
import { canCreateNamespaces } from '../helpers/netns';
import { runToEnd, startJsonProcess } from '../helpers/processes';
import { SSH_HOSTS, startTestSshd, type TestSshd } from '../helpers/sshd';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const CONNECT_TIMEOUT = 3;
const key = (s: { state: string; localAddress: string; localPort: number; remoteAddress: string; remotePort: number }) =>
  `${s.state} ${s.localAddress}:${s.localPort} > ${s.remoteAddress}:${s.remotePort}`;

/** The most recently created pid on this machine (/proc/loadavg's last field): pids only grow, but for wrap-around. */
const lastPid = () => Number(readFileSync('/proc/loadavg', 'utf8').trim().split(' ').pop());

const skip = !canCreateNamespaces() ? 'needs root and ip netns' : !existsSync('/usr/sbin/sshd') ? 'needs openssh-server' : false;

describe('SSH collector against a real sshd in a network namespace', { skip, timeout: 120_000 }, () => {
  let sshd: TestSshd;
  let child: StatesChild;
  let hostListener: net.Server;
  const collectors: SshCollector[] = [];
  const open = (alias: string) => {
    const c = new SshCollector(parseHostString(alias), { configFile: sshd.configFile, connectTimeoutSec: CONNECT_TIMEOUT });
    collectors.push(c);
    return c;
  };
  /** The namespace's sockets that are not the ssh session itself. */
  const notSsh = (cs: readonly Connection[]) => cs.filter((c) => c.localPort !== sshd.port && c.remotePort !== sshd.port);

  before(async () => {
    sshd = await startTestSshd('ssh');
    child = await startStatesChild(['127.0.0.1', '::1'], sshd.ns.exec);
    // A socket on the test machine itself: it must never show up as the remote host's.
    hostListener = net.createServer().listen(0, '127.0.0.1');
    await once(hostListener, 'listening');
  });
  after(async () => {
    for (const c of collectors) c.dispose();
    hostListener?.close();
    await child?.stop();
    await sshd?.remove();
  });

  it("lists exactly the namespace's sockets, with owners, and none of the test machine's", async () => {
    const snapshot = await open(SSH_HOSTS.good).snapshot(undefined, { processes: true });
    assert.equal(snapshot.host.platform, 'linux');
    assert.deepEqual(notSsh(snapshot.connections).map(key).sort(), child.expected.map(key).sort());
    const hostPort = (hostListener.address() as net.AddressInfo).port;
    assert.ok(
      !snapshot.connections.some((c) => c.localPort === hostPort && c.state === 'LISTEN'),
      'host listener leaked into the remote view',
    );
    const byKey = new Map(snapshot.connections.map((c) => [key(c), c]));
    for (const e of child.expected) {
      const c = byKey.get(key(e))!;
      if (e.owned) assert.deepEqual([c.owner, c.pid, c.process], ['known', child.pid, 'node'], key(e));
      else assert.deepEqual([c.owner, c.pid], ['kernel', undefined], key(e));
    }
    const sshdListener = snapshot.connections.find((c) => c.state === 'LISTEN' && c.localPort === sshd.port);
    assert.equal(sshdListener?.process, 'sshd');
  });

  it('counts per state over the same session, in one small round trip', async () => {
    const collector = open(SSH_HOSTS.good);
    const snapshot = await collector.snapshot();
    const sample = await collector.counts();
    assert.deepEqual(sample.counts, countStates(snapshot.connections));
    assert.equal(sample.counts.CLOSE_WAIT, 2);
    assert.equal(sample.counts.TIME_WAIT, 2);
    // awk counts on the remote side: the answer is a few lines, not the table.
    assert.ok(collector.lastRefresh!.bytes < 600, `counts cost ${collector.lastRefresh!.bytes} bytes`);
    assert.equal(collector.sessionsOpened, 1);
  });

  it('CLI counts --host and list --host read the namespace through --ssh-config', async () => {
    const counts = await runToEnd(['node', CLI, 'counts', '--json', '--host', SSH_HOSTS.good, '--ssh-config', sshd.configFile], 30_000);
    assert.equal(counts.code, 0, counts.stderr);
    const parsed = JSON.parse(counts.stdout) as { host: string; counts: Record<string, number> };
    assert.equal(parsed.host, SSH_HOSTS.good);
    assert.equal(parsed.counts.FIN_WAIT2, 2);
    assert.equal(parsed.counts.CLOSE_WAIT, 2);

    const list = await runToEnd(
      ['node', CLI, 'list', '--json', '--state', 'close_wait', '--host', SSH_HOSTS.good, '--ssh-config', sshd.configFile],
      30_000,
    );
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as { localPort: number; pid: number; process: string }[];
    const expected = child.expected.filter((e) => e.state === 'CLOSE_WAIT');
    assert.deepEqual(rows.map((r) => r.localPort).sort(), expected.map((e) => e.localPort).sort());
    assert.ok(rows.every((r) => r.pid === child.pid && r.process === 'node'));

    const hosts = await runToEnd(['node', CLI, 'hosts', '--json', '--ssh-config', sshd.configFile], 10_000);
    const names = (JSON.parse(hosts.stdout) as { host: string }[]).map((h) => h.host);
    assert.deepEqual(names, ['local', ...Object.values(SSH_HOSTS)]);
  });

  const faults: [string, string, CollectorErrorKind, RegExp][] = [
    ['wrong port', SSH_HOSTS.wrongPort, 'connection-refused', /refused/],
    ['unknown host', SSH_HOSTS.unknown, 'host-unknown', /unknown/],
    ['refused key', SSH_HOSTS.refusedKey, 'auth-failed', /Authentication .* failed/],
    ['a server that never answers', SSH_HOSTS.silent, 'timeout', /timed out/],
  ];
  for (const [what, alias, kind, message] of faults) {
    it(`${what}: "${kind}" with its message within the connection timeout`, async () => {
      const started = Date.now();
      const err = await open(alias)
        .counts()
        .then(
          () => assert.fail('connected'),
          (e: unknown) => e,
        );
      const elapsed = Date.now() - started;
      assert.ok(err instanceof CollectorError);
      assert.equal(err.kind, kind, err.message);
      assert.match(err.message, message);
      if (kind === 'auth-failed') assert.match(err.hint ?? '', /keys|agent/);
      assert.ok(elapsed < CONNECT_TIMEOUT * 1000 + 1500, `${what} took ${elapsed} ms`);
    });
  }

  it('rejects hostile host strings before anything is spawned, in the CLI too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-fake-ssh-'));
    try {
      // Stands in for ssh only to prove it is never started; it records that it ran.
      const marker = path.join(dir, 'ran');
      const fakeSsh = path.join(dir, 'ssh');
      writeFileSync(fakeSsh, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
      chmodSync(fakeSsh, 0o755);
      process.env.TCP_LENS_SSH = fakeSsh;
      for (const host of ['-oProxyCommand=touch /tmp/x', 'host;reboot', 'a b', 'user@-x', '$(id)', 'h:99999', '*']) {
        assert.throws(() => parseHostString(host), InvalidHostError, host);
        const r = await runToEnd(['node', CLI, 'counts', `--host=${host}`], 10_000);
        assert.equal(r.code, 2, `${host}: ${r.stderr}`);
      }
      assert.equal(existsSync(marker), false, 'ssh was started for a hostile host');
      // The same check with a plain host does start it: the marker works.
      const plain = await runToEnd(['node', CLI, 'counts', '--host=plain-host'], 10_000);
      assert.equal(plain.code, 1);
      assert.equal(existsSync(marker), true);
    } finally {
      delete process.env.TCP_LENS_SSH;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sshd stopped mid-session: the refresh fails with a message, then reconnects with the same data', async () => {
    const collector = open(SSH_HOSTS.good);
    const before = notSsh((await collector.snapshot()).connections)
      .map(key)
      .sort();
    await sshd.stop();
    try {
      // Whether the drop or the refused redial is seen first, the user reads "lost, reconnecting".
      for (let i = 0; i < 2; i++) {
        const err = await collector.counts().then(
          () => assert.fail('still answered'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof CollectorError);
        assert.equal(err.kind, 'disconnected', err.message);
        assert.match(err.message, /Lost the SSH connection/);
      }
    } finally {
      await sshd.start();
    }
    const deadline = Date.now() + 20_000;
    let after: string[] | undefined;
    while (!after && Date.now() < deadline) {
      try {
        after = notSsh((await collector.snapshot()).connections)
          .map(key)
          .sort();
      } catch (e) {
        assert.ok(e instanceof CollectorError, String(e));
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    assert.deepEqual(after, before);
    assert.equal(collector.sessionsOpened, 2);
  });

  it("a file name that poses as a socket line does not make its process the owner of another's socket", async () => {
    const collector = open(SSH_HOSTS.good);
    const first = await collector.snapshot(undefined, { processes: true });
    const victim = first.connections.find((c) => c.pid === child.pid && c.state === 'LISTEN')!;
    assert.ok(victim, 'the states child listens');
    // Started after the first refresh: the next one lists only its fds (it has a new socket),
    // where a spoofed line would win over what the full walk found.
    const spoofer = await startJsonProcess([...sshd.ns.exec, ...tsNode('fdSpoofer.ts', String(victim.inode))]);
    try {
      const { pid, port } = spoofer.hello as { pid: number; port: number };
      const check = (snapshot: { connections: Connection[] }, how: string) => {
        const byInode = snapshot.connections.find((c) => c.inode === victim.inode);
        assert.equal(byInode?.pid, child.pid, `${how}: the victim's socket`);
        const own = snapshot.connections.find((c) => c.state === 'LISTEN' && c.localPort === port);
        assert.equal(own?.pid, pid, `${how}: the spoofer's own socket`);
      };
      check(await collector.snapshot(undefined, { processes: true }), 'walk of new processes');
      check(await open(SSH_HOSTS.good).snapshot(undefined, { processes: true }), 'walk of every process');
    } finally {
      await spoofer.stop();
    }
  });

  // Last: the extra process below leaves sockets in the namespace that other tests would count.
  it('shows command lines and walks fds only for processes that can hold a new socket', async () => {
    const collector = open(SSH_HOSTS.good);
    const first = await collector.snapshot(undefined, { processes: true });
    // The first refresh of a session walks every process once.
    assert.deepEqual(collector.lastAttribution, { pidsWalked: 0, fullWalks: 1, infosFetched: collector.lastAttribution!.infosFetched });
    const firstBytes = collector.lastRefresh!.bytes;
    const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
    const owned = first.connections.filter((c) => c.pid === child.pid);
    assert.ok(owned.length > 0);
    for (const c of owned) assert.equal(c.commandLine, cmdline(child.pid));

    // Nothing new: no fd listing, no process info, only the tables and the pid list.
    const pidBefore = lastPid();
    const second = await collector.snapshot(undefined, { processes: true });
    assert.deepEqual(collector.lastAttribution, { pidsWalked: 0, fullWalks: 0, infosFetched: 0 });
    assert.ok(collector.lastRefresh!.bytes < firstBytes, `${collector.lastRefresh!.bytes} >= ${firstBytes} bytes`);
    assert.deepEqual(
      second.connections.filter((c) => c.pid === child.pid).map((c) => [key(c), c.commandLine]),
      owned.map((c) => [key(c), c.commandLine]),
    );

    // A new process with new sockets: only the processes started since are walked.
    const other = await startStatesChild(['127.0.0.1'], sshd.ns.exec);
    try {
      const third = await collector.snapshot(undefined, { processes: true });
      const cost = collector.lastAttribution!;
      assert.equal(cost.fullWalks, 0);
      // The host shares this machine's pids: whatever else started meanwhile is new to it too,
      // so the bound is the number of pids created since the previous refresh, not a constant.
      const created = lastPid() - pidBefore;
      assert.ok(
        cost.pidsWalked > 0 && cost.pidsWalked <= (created >= 0 ? created : Infinity),
        `walked ${cost.pidsWalked} processes, ${created} pids created`,
      );
      assert.equal(cost.infosFetched, 1);
      const byKey = new Map(third.connections.map((c) => [key(c), c]));
      for (const e of other.expected.filter((x) => x.owned)) {
        const c = byKey.get(key(e));
        assert.deepEqual([c?.pid, c?.process, c?.commandLine], [other.pid, 'node', cmdline(other.pid)], key(e));
      }
    } finally {
      await other.stop();
    }
  });
});
