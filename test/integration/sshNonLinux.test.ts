import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Connection, StateCounts } from '../../src/core/model';
import { CollectorError, countStates } from '../../src/core/model';
import { parseBsdNetstat } from '../../src/core/platforms/bsdNetstat';
import { parseWindowsNetstat } from '../../src/core/platforms/windowsNetstat';
import { parseHostString } from '../../src/core/ssh/hostString';
import { SshCollector } from '../../src/core/ssh/sshCollector';
import { REPO_ROOT } from '../helpers/child';
import { canCreateNamespaces } from '../helpers/netns';
import { SSH_HOSTS, startTestSshd, type TestSshd } from '../helpers/sshd';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/platforms');

const fixture = (name: string) => path.join(FIXTURES, name);
const sshdSkip = !canCreateNamespaces() ? 'needs root and ip netns' : !existsSync('/usr/sbin/sshd') ? 'needs openssh-server' : false;

/**
 * macOS and FreeBSD cannot run here, so the "host" is a local sh reached through a stand-in ssh
 * (it ignores its arguments and runs sh), with `uname` and `netstat` replaced on its PATH by
 * stubs that print the written fixtures. Everything else is the real thing: the remote script
 * with its OS detection and request cases, the framing, the session and the collector.
 */
function fakeBsdHost(os: 'Darwin' | 'FreeBSD', an: string, anv?: string): { sshPath: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-fake-bsd-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const script = (name: string, lines: string[]) => writeFileSync(path.join(name), ['#!/bin/sh', ...lines, ''].join('\n'), { mode: 0o755 });
  script(path.join(bin, 'uname'), [`case "$1" in -s) echo ${os} ;; -n) echo fake-${os.toLowerCase()} ;; esac`]);
  script(path.join(bin, 'netstat'), [
    '# Only the two invocations the remote script uses.',
    `if [ "$*" = '-an -p tcp' ]; then cat '${an}'; exit 0; fi`,
    anv ? `if [ "$*" = '-anv -p tcp' ]; then cat '${anv}'; exit 0; fi` : '',
    'echo "netstat: unexpected arguments $*" >&2; exit 64',
  ]);
  const sshPath = path.join(dir, 'ssh');
  script(sshPath, [`PATH='${bin}':"$PATH" exec sh`]);
  return { sshPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The rows as the parser built them, once their ages are checked and set aside: netstat dates
 * nothing, so every age is observed, and a lower bound for what was there at the first look.
 */
function observedRows(rows: readonly Connection[], firstLook = true): Connection[] {
  return rows.map(({ ageSeconds, ageSource, ageIsLowerBound, ...row }) => {
    assert.equal(ageSource, 'observed', JSON.stringify(row));
    if (firstLook) assert.equal(ageIsLowerBound, true, JSON.stringify(row));
    assert.ok(ageSeconds! >= 0 && ageSeconds! < 60, String(ageSeconds));
    return row;
  });
}

describe('macOS and FreeBSD through the sh loop (stub uname/netstat, written fixtures)', () => {
  it('macOS: the full snapshot uses netstat -anv (pids), tables and counts netstat -an', async () => {
    const host = fakeBsdHost('Darwin', fixture('macos-netstat-an.txt'), fixture('macos-netstat-anv.txt'));
    const collector = new SshCollector(parseHostString('mac1'), { sshPath: host.sshPath });
    try {
      const full = await collector.snapshot(undefined, { processes: true });
      assert.equal(full.host.platform, 'darwin');
      const withPids = parseBsdNetstat(readFileSync(fixture('macos-netstat-anv.txt'), 'utf8')).connections;
      assert.deepEqual(observedRows(full.connections), withPids);
      assert.ok(full.connections.some((c) => c.pid === 4242 && c.process === 'node'));

      const plain = parseBsdNetstat(readFileSync(fixture('macos-netstat-an.txt'), 'utf8')).connections;
      const tables = await collector.snapshot();
      assert.deepEqual(observedRows(tables.connections, false), plain);
      assert.deepEqual((await collector.counts()).counts, countStates(plain));
      assert.equal(collector.sessionsOpened, 1);
    } finally {
      collector.dispose();
      host.remove();
    }
  });

  it('FreeBSD: netstat -an for every request, and a warning that owners are not available', async () => {
    const host = fakeBsdHost('FreeBSD', fixture('freebsd-netstat-an.txt'));
    const collector = new SshCollector(parseHostString('bsd1'), { sshPath: host.sshPath });
    try {
      const snapshot = await collector.snapshot(undefined, { processes: true });
      assert.equal(snapshot.host.platform, 'freebsd');
      const expected = parseBsdNetstat(readFileSync(fixture('freebsd-netstat-an.txt'), 'utf8')).connections;
      assert.deepEqual(observedRows(snapshot.connections), expected);
      assert.ok(snapshot.warnings.some((w) => /process owners are not available/.test(w)));
      assert.deepEqual((await collector.counts()).counts, countStates(expected));
    } finally {
      collector.dispose();
      host.remove();
    }
  });
});

/** ssh client processes still running with a TCP Lens control folder in their arguments. */
function controlMasters(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tcplens-cm-');
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('Windows host: per-refresh netstat -ano over a shared ssh connection', { skip: sshdSkip, timeout: 60_000 }, () => {
  let sshd: TestSshd;
  const established = () =>
    execFileSync(sshd.ns.exec[0], [...sshd.ns.exec.slice(1), 'ss', '-Htn', 'state', 'established', '( sport = :2223 )'], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean).length;

  before(async () => {
    sshd = await startTestSshd('sshwin');
    // A real sshd whose ForceCommand answers like cmd.exe with the written netstat -ano fixture.
    await sshd.startFakeWindows(fixture('windows-netstat-ano.txt'));
  });
  after(async () => {
    await sshd?.remove();
  });

  it('falls back from the sh loop to netstat -ano, parses it, and keeps one connection for all refreshes', async () => {
    const expected = parseWindowsNetstat(readFileSync(fixture('windows-netstat-ano.txt'), 'utf8')).connections;
    const collector = new SshCollector(parseHostString(SSH_HOSTS.windows), { configFile: sshd.configFile, connectTimeoutSec: 5 });
    try {
      const snapshot = await collector.snapshot(undefined, { processes: true });
      assert.equal(snapshot.host.platform, 'windows');
      assert.deepEqual(observedRows(snapshot.connections), expected);
      assert.ok(snapshot.warnings.some((w) => /one netstat -ano per refresh/.test(w)));
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        assert.deepEqual((await collector.counts()).counts, countStates(expected));
        latencies.push(collector.lastRefresh!.latencyMs);
      }
      console.log(
        `windows exec mode: per-refresh latency ${latencies.map((l) => l.toFixed(0)).join(', ')} ms, ${collector.lastRefresh!.bytes} bytes`,
      );
      // Connection sharing: the refreshes went over one TCP connection that is still open.
      assert.equal(established(), 1);
      assert.equal(collector.sessionsOpened, 1);

      // The host goes away: the refresh says why, the next one within the pause does not dial.
      await sshd.stop();
      const down = await collector.counts().then(
        () => assert.fail('answered while down'),
        (e: unknown) => e as CollectorError,
      );
      assert.ok(down instanceof CollectorError && ['connection-refused', 'disconnected'].includes(down.kind), String(down));
      const paused = await collector.counts().then(
        () => assert.fail('answered while down'),
        (e: unknown) => e as CollectorError,
      );
      assert.match(paused.message, /Retrying in \d+ s/);
      await sshd.startFakeWindows(fixture('windows-netstat-ano.txt'));
      const deadline = Date.now() + 10_000;
      let back: StateCounts | undefined;
      while (!back && Date.now() < deadline) {
        back = await collector.counts().then(
          (s) => s.counts,
          () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 250)),
        );
      }
      assert.deepEqual(back, countStates(expected));
    } finally {
      collector.dispose();
    }
    // dispose() ends the shared connection and its master process.
    const deadline = Date.now() + 5000;
    while ((established() > 0 || controlMasters().length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(established(), 0);
    assert.deepEqual(controlMasters(), []);
  });
});
