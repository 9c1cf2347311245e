import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CollectorError } from '../../src/core/model';
import { parseHostString } from '../../src/core/ssh/hostString';
import { SshCollector } from '../../src/core/ssh/sshCollector';
import net from 'node:net';
import { REPO_ROOT, tsNode } from '../helpers/child';
import { isRunning, makeFakeSsh, type FakeSsh, type FakeSshMode } from '../helpers/fakeSsh';
import { runToEnd, startJsonProcess } from '../helpers/processes';

/*
 * Hostile and failing hosts, through a stand-in for ssh (test/helpers/fakeSsh.mjs) that runs the
 * real remote script under a local sh and then stalls, floods or desyncs on cue: a real sshd
 * cannot be made to. The CLI and the collector run unchanged, only their ssh program differs.
 */
const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const skip = process.platform !== 'linux' ? 'the remote script reads /proc: Linux only' : false;
/** Seconds: the request deadline is three times this. */
const CONNECT_TIMEOUT = 1;
const DEADLINE_MS = 3 * CONNECT_TIMEOUT * 1000;

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hostile and failing SSH hosts (a fake ssh that misbehaves on cue)', { skip, timeout: 120_000 }, () => {
  let fake: FakeSsh;
  const collectors: SshCollector[] = [];
  const open = (mode: FakeSshMode, connectTimeoutSec = CONNECT_TIMEOUT) => {
    const c = new SshCollector(parseHostString(mode), { sshPath: fake.program, env: fake.env, connectTimeoutSec });
    collectors.push(c);
    return c;
  };
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000) =>
    runToEnd([process.execPath, CLI, ...args], timeoutMs, { ...fake.env, ...env });
  const fail = async (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail('the host answered'),
      (e: unknown) => {
        assert.ok(e instanceof CollectorError, String(e));
        return e;
      },
    );

  before(() => {
    fake = makeFakeSsh();
  });
  after(() => {
    for (const c of collectors) c.dispose();
    fake?.remove();
  });

  it('a well-behaved fake answers like a host: the stand-in itself works', async () => {
    const sample = await open('ok').counts();
    assert.ok(
      Object.values(sample.counts).some((n) => n > 0),
      JSON.stringify(sample.counts),
    );
  });

  it('without GNU find (busybox) the fd walk reads link targets one by one: owners right, file names cannot pose as sockets', async () => {
    // This machine is the "host" here: the test process owns a listener, a hostile process
    // holds files named like the lines of `ls -l /proc/PID/fd` that would claim it.
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      // The fallback forks once per socket fd, and this machine may hold thousands (other test
      // runs): the default deadline, not the short one of the fault cases.
      const walk = (mode: 'nogfind' | 'ok') => open(mode, 10);
      for (const mode of ['nogfind', 'ok'] as const) {
        const collector = walk(mode);
        const first = await collector.snapshot(undefined, { processes: true });
        const victim = first.connections.find((c) => c.state === 'LISTEN' && c.localPort === port)!;
        assert.equal(victim?.pid, process.pid, `${mode}: the listener's owner`);
        const spoofer = await startJsonProcess(tsNode('fdSpoofer.ts', String(victim.inode)));
        try {
          const own = spoofer.hello as { pid: number; port: number };
          for (const snapshot of [
            await collector.snapshot(undefined, { processes: true }),
            await walk(mode).snapshot(undefined, { processes: true }),
          ]) {
            assert.equal(snapshot.connections.find((c) => c.inode === victim.inode)?.pid, process.pid, `${mode}: the victim's socket`);
            assert.equal(
              snapshot.connections.find((c) => c.state === 'LISTEN' && c.localPort === own.port)?.pid,
              own.pid,
              `${mode}: the spoofer's own socket`,
            );
          }
        } finally {
          await spoofer.stop();
        }
      }
    } finally {
      server.close();
    }
  });

  it('a host that stalls after the hello: the request misses its deadline, the session is dropped, the next refresh reconnects', async () => {
    const collector = open('control');
    await collector.counts();
    fake.setMode('stall');
    const started = Date.now();
    const err = await fail(collector.counts());
    const elapsed = Date.now() - started;
    assert.equal(err.kind, 'timeout', err.message);
    assert.match(err.message, /stopped answering/);
    assert.ok(elapsed >= DEADLINE_MS - 100 && elapsed < DEADLINE_MS + 2000, `${elapsed} ms`);
    // The stalled session's ssh is gone, not left waiting.
    const stalledPid = fake.pidAt('stalled')!;
    await until('the stalled ssh to exit', 3000, () => !isRunning(stalledPid));
    fake.setMode('ok');
    const sample = await collector.counts();
    assert.ok(sample.counts);
    assert.equal(collector.sessionsOpened, 2);
  });

  for (const command of ['counts', 'list']) {
    it(`CLI ${command} --host on a stalled host ends at the deadline with "stopped answering"`, async () => {
      const started = Date.now();
      const r = await cli([command, '--host', 'stall'], { TCP_LENS_SSH_CONNECT_TIMEOUT: String(CONNECT_TIMEOUT) });
      const elapsed = Date.now() - started;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /"stall" stopped answering: no answer within 3 s/);
      assert.ok(elapsed < DEADLINE_MS + 4000, `${elapsed} ms`);
    });
  }

  it('CLI watch --duration on a stalled host ends with the duration, whatever the deadline', async () => {
    const started = Date.now();
    // The default connect timeout: a 30 s deadline, far past the 2 s asked for.
    const r = await cli(['watch', '--json', '--duration', '2', '--host', 'stall']);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 6000, `${elapsed} ms`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /did not answer within --duration/);
  });

  it('a host that floods without an end marker: "answer too large" at the cap, bounded memory, and a reconnect', async () => {
    const collector = open('flood');
    const err = await fail(collector.counts());
    assert.equal(err.kind, 'protocol');
    assert.match(err.message, /answer too large \(over 256 MB\)/);
    const pid = fake.pidAt('flooding')!;
    await until('the flooding ssh to be killed', 3000, () => !isRunning(pid));
    // A host that broke the protocol is not redialled at once: the next refresh says when.
    assert.match((await fail(collector.counts())).message, /answer too large .*Retrying in 1 s/);
    assert.equal(collector.sessionsOpened, 1);
    // After the pause, a new session (which floods again).
    await new Promise((r) => setTimeout(r, 1100));
    await fail(collector.counts());
    assert.equal(collector.sessionsOpened, 2);

    // The CLI's peak memory: the cap, not what the host sends.
    const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-rss-'));
    try {
      const preload = path.join(dir, 'rss.cjs');
      writeFileSync(preload, "process.on('exit', () => process.stderr.write(`\\nMAXRSS_KB ${process.resourceUsage().maxRSS}\\n`));\n");
      const started = Date.now();
      const r = await runToEnd([process.execPath, '--require', preload, CLI, 'counts', '--host', 'flood'], 60_000, fake.env);
      const elapsed = Date.now() - started;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /answer too large/);
      const maxRssMb = Number(/MAXRSS_KB (\d+)/.exec(r.stderr)![1]) / 1024;
      console.log(`CLI counts against the flood: ${elapsed} ms, peak RSS ${maxRssMb.toFixed(0)} MB`);
      assert.ok(maxRssMb < 600, `peak RSS ${maxRssMb} MB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a marker line without a newline, streamed: a protocol error at once, not a rescan per chunk', async () => {
    const started = Date.now();
    const r = await cli(['counts', '--host', 'marker-flood']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /broke the TCP Lens protocol \(a marker line longer than 4096 bytes\)/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('an END without a BEGIN is a protocol error, never an empty answer', async () => {
    const collector = open('desync');
    const err = await fail(collector.counts());
    assert.equal(err.kind, 'protocol');
    assert.match(err.message, /END without BEGIN/);
    const r = await cli(['list', '--json', '--host', 'desync']);
    assert.equal(r.code, 1, `exit ${r.code}: ${r.stdout}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /END without BEGIN/);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} to the CLI while the host stalls: it ends its ssh and exits ${code}`, async () => {
      const stateBefore = fake.pidAt('stalled');
      const child = spawn(process.execPath, [CLI, 'counts', '--host', 'stall'], { env: fake.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      let sshPid: number | undefined;
      try {
        sshPid = await until('the fake ssh to stall', 10_000, () => {
          const pid = fake.pidAt('stalled');
          return pid !== undefined && pid !== stateBefore ? pid : undefined;
        });
        const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
        child.kill(signal);
        const [exitCode, bySignal] = await Promise.race([
          exited,
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the CLI did not exit')), 5000)),
        ]);
        assert.deepEqual([exitCode, bySignal], [code, null], stderr);
        await until('its ssh to be gone', 3000, () => !isRunning(sshPid!));
        assert.equal(stderr, '');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        if (sshPid !== undefined && isRunning(sshPid)) process.kill(sshPid, 'SIGKILL');
      }
    });
  }

  it('watch keeps sampling through an outage: error samples while the host stalls, then counts again; one abort listener', async () => {
    fake.setMode('ok');
    const child = spawn(process.execPath, [CLI, 'watch', '--json', '--interval', '0.2', '--duration', '25', '--host', 'control'], {
      env: { ...fake.env, TCP_LENS_SSH_CONNECT_TIMEOUT: String(CONNECT_TIMEOUT) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    type Line = { type: string; counts: Record<string, number> | null; error?: string };
    const samples = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line)
        .filter((l) => l.type === 'sample');
    try {
      // More intervals than EventTarget's listener warning allows (10), all good.
      await until('15 samples', 15_000, () => samples().length >= 15);
      fake.setMode('stall');
      await until('an error sample', 15_000, () => samples().some((s) => s.error));
      fake.setMode('ok');
      const firstError = samples().findIndex((s) => s.error);
      await until('a good sample after the outage', 15_000, () =>
        samples()
          .slice(firstError)
          .some((s) => s.counts),
      );
      child.kill('SIGINT');
      const [exitCode] = (await once(child, 'exit')) as [number | null];
      assert.equal(exitCode, 130, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const all = samples();
    const outage = all.filter((s) => s.error);
    assert.ok(outage.length >= 1);
    for (const s of outage) {
      assert.equal(s.counts, null);
      assert.match(s.error!, /stopped answering|Lost the SSH connection|Retrying/);
    }
    assert.match(outage[0].error!, /"control" stopped answering/);
    assert.ok(all.at(-1)!.counts, 'sampling resumed');
    assert.doesNotMatch(stderr, /MaxListenersExceededWarning/);
  });
});
